"""A Python language host for the real `pulumi` CLI, built on the Python SDK's own server.

Why this exists: the CLI runs a `runtime: python` program through `pulumi-language-python`,
a Go program in its own module that the Go module proxy does not serve (it answers 403 for
it, at any version or commit), so it cannot be built here the way the CLI is. The CLI's
hidden `--client=<address>` flag (on preview, up, refresh and destroy) connects the engine
to an already running language host instead, and the Python SDK ships one:
`pulumi.automation._server.LanguageServer`, the host behind every Automation API inline
program. This module serves it with a program that runs a project's `__main__.py`, so the
real engine drives the real program, the real resource monitor and the real provider
plugin; only the process that starts the program differs from a `pulumi-language-python`
install.

Run it as `python -m harness.language_host` (it prints `127.0.0.1:<port>` on its first
stdout line and serves until it is killed), then pass `--client=<that address>` to the
CLI in the project's directory. Runs are served one at a time; the program is taken from
the directory the CLI runs in (RunRequest.pwd), so one host can serve several projects in
turn.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
from pulumi.automation._server import LanguageServer
from pulumi.runtime.proto import language_pb2_grpc

from .program import _restore_pickler, _snapshot_pickler

__all__ = ["ProjectLanguageServer", "serve"]

_MAX_MESSAGE = 400 * 1024 * 1024  # the engine's own limit for program messages


class ProjectLanguageServer(LanguageServer):
    """LanguageServer whose program is the `__main__.py` of the directory the CLI runs in."""

    def __init__(self) -> None:
        super().__init__(self._run_project)
        self._lock = threading.Lock()
        self._directory = ""

    def Run(self, request: Any, context: Any) -> Any:
        with self._lock:  # the SDK's runtime settings are process-wide: one program at a time
            self._directory = request.pwd or os.getcwd()
            saved_pickler = _snapshot_pickler()
            saved_path, saved_cwd = list(sys.path), os.getcwd()
            try:
                return super().Run(request, context)  # type: ignore[no-untyped-call]  # the SDK's server is unannotated
            finally:
                # pulumi.dynamic wraps the pickler once per registration and never unwraps
                # it (harness/program.py); a long-lived host would nest it until
                # RecursionError. The program's directory leaves sys.path with it.
                _restore_pickler(saved_pickler)
                sys.path[:] = saved_path
                os.chdir(saved_cwd)

    def _run_project(self) -> None:
        directory = self._directory
        main = os.path.join(directory, "__main__.py")
        if not os.path.isfile(main):
            raise RuntimeError(f"no __main__.py in {directory}: run the CLI in the project's directory")
        os.chdir(directory)
        sys.path.insert(0, directory)
        runpy.run_path(main, run_name="__main__")


def serve(port: int = 0) -> tuple[grpc.Server, str]:
    """Start the host on 127.0.0.1 (loopback only) and return the server and its address."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_send_message_length", _MAX_MESSAGE), ("grpc.max_receive_message_length", _MAX_MESSAGE)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(ProjectLanguageServer(), server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, f"127.0.0.1:{bound}"


def main() -> None:
    server, address = serve()
    print(address, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
