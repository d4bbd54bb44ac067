"""Warnings from the provider process that a user reads in the CLI's output.

`pulumi.dynamic` gives a provider no log channel, and a program's `pulumi.log` is not
configured in the provider process. But the engine starts every provider plugin with the
address of its own gRPC Engine service as the first argument (`python -u -m pulumi.dynamic
127.0.0.1:PORT`, seen with the real CLI 3.260 and the official launcher), and a LogRequest
sent there with severity WARNING is printed under the stack's Diagnostics, like a program's
`pulumi.log.warn`. Where no engine address was given (the engine harness, the provider used
directly) or the engine does not answer, the warning goes to stderr instead: never lost,
never an error of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

LOG_TIMEOUT_SECONDS = 5.0


def engine_address(argv: Sequence[str]) -> str | None:
    """The engine's `host:port` when the process was started with one, else None."""
    if len(argv) < 2:
        return None
    host, _, port = argv[1].rpartition(":")
    return argv[1] if host and port.isdigit() else None


def warn(message: str, *, argv: Sequence[str] | None = None, stderr: TextIO | None = None) -> str:
    """Send `message` as a warning to the engine (or stderr); where it went: "engine" or "stderr"."""
    address = engine_address(sys.argv if argv is None else argv)
    if address is not None and _log_to_engine(address, message):
        return "engine"
    print(f"warning: {message}", file=stderr or sys.stderr, flush=True)
    return "stderr"


def _log_to_engine(address: str, message: str) -> bool:
    import grpc
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

    try:
        with grpc.insecure_channel(address) as channel:
            engine_pb2_grpc.EngineStub(channel).Log(
                engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message), timeout=LOG_TIMEOUT_SECONDS)
    except grpc.RpcError:
        return False
    return True
