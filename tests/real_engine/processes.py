"""The processes under a running CLI, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def provider_pids(cli_pid: int) -> list[int]:
    """The dynamic provider processes (python -m pulumi.dynamic) under this CLI process: its
    children, or grandchildren through a launcher script that does not exec."""
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
