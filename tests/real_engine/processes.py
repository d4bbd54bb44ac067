"""The processes a `pulumi` command started, found from /proc (Linux): its dynamic providers."""

from __future__ import annotations

import os
from pathlib import Path


def provider_pids(cli_pid: int) -> list[int]:
    """The dynamic provider processes (python -m pulumi.dynamic) under this CLI process."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8")
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = []
    for pid, command in commands.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != cli_pid:
            ancestor = parents.get(ancestor)
        if ancestor == cli_pid and "pulumi.dynamic" in command:
            found.append(pid)
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
