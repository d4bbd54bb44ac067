"""The processes a `pulumi` command started, found from /proc (Linux): its dynamic providers."""

from __future__ import annotations

from pathlib import Path

from harness.pulumi_cli import descendants


def provider_pids(cli_pid: int) -> list[int]:
    """The dynamic provider processes (python -m pulumi.dynamic) under this CLI process."""
    return [pid for pid, command in descendants(cli_pid).items() if "pulumi.dynamic" in command]


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
