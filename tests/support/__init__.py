"""Test-only tools: the emulator process fixture and the engine-protocol harness.

Nothing here ships in the distribution; it exists so tests drive the real processes
(the emulator over HTTP, `python -m pulumi.dynamic` over gRPC) instead of mocks.
"""
