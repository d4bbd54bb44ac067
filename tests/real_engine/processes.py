"""The processes a `pulumi` command started, found from /proc (Linux): its dynamic providers and
the official language host."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from harness.pulumi_cli import descendants


def provider_pids(cli_pid: int) -> list[int]:
    """The dynamic provider processes (python -m pulumi.dynamic) under this CLI process."""
    return [pid for pid, command in descendants(cli_pid).items() if "pulumi.dynamic" in command]


def language_host_pids(cli_pid: int) -> list[int]:
    """The official Python language host under this CLI process (none with the fallback host,
    which the harness serves from a process of its own). A CLI killed with SIGKILL leaves it
    running, waiting on an engine that is gone: a test that kills the CLI ends it too."""
    return [pid for pid, command in descendants(cli_pid).items() if "pulumi-language-python" in command]


def reap(pids: list[int]) -> None:
    """SIGKILL each of these processes that still exists."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
