"""The engine harness: the emulator process and the Pulumi engine's call sequences.

A top-level package used by the tests, the benchmark and `quickstart.sh --without-cli`.

Nothing here ships in the distribution; it exists so tests drive the real processes
(the emulator over HTTP, `python -m pulumi.dynamic` over gRPC) instead of mocks.
`harness.mutation` is the mutation check that scripts/test.sh runs after the suite.
"""
