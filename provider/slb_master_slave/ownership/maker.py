"""Who made a pending group, and whether that maker is gone (docs/ARCHITECTURE.md, "Ownership").

The maker of a group is the provider process that sent its create: only that process may
complete it. Its token, written into the pending ownership tag, is

    <machine><boot>.<pid>.<start>

with 6 hex digits of the machine's id, 4 of its boot id, the process id and the process's
start time in clock ticks since boot (so a reused pid is never taken for the maker). A
process on the same machine can then tell for certain whether the maker is gone (another
boot, or no process with that pid and start time); a process elsewhere cannot (`None`:
unknown), and the fence waits out its window instead.

When the maker is this very process, what counts is whether the create that wrote a pending
value still runs here: `running` marks it for its duration, `running_here` asks, and once it
has ended (it failed and could not clean up) what it left is abandoned (`maker_has_ended`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

MACHINE_CHARS = 6
BOOT_CHARS = 4


def _first_line(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as text:
            return text.readline().strip() or None
    except OSError:
        return None


def _digest(text: str, chars: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:chars]


@functools.cache
def _machine() -> str:
    machine_id = _first_line("/etc/machine-id") or _first_line("/var/lib/dbus/machine-id") or socket.gethostname()
    boot_id = _first_line("/proc/sys/kernel/random/boot_id") or ""
    return _digest(machine_id, MACHINE_CHARS) + _digest(boot_id, BOOT_CHARS)


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or None."""
    stat = _first_line(f"/proc/{pid}/stat")
    if stat is None:
        return None
    try:
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # a zombie has exited: only its parent has not read its status
            return None
        return int(fields[19])
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Maker:
    machine: str  # MACHINE_CHARS + BOOT_CHARS hex digits
    pid: int
    start: int  # 0 where the start time cannot be read (no /proc): liveness is then unknown

    @property
    def token(self) -> str:
        return f"{self.machine}.{self.pid}.{self.start}"

    @classmethod
    def parse(cls, token: str | None) -> Maker | None:
        parts = (token or "").split(".")
        if len(parts) != 3 or len(parts[0]) != MACHINE_CHARS + BOOT_CHARS or not all(p.isdigit() for p in parts[1:]):
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]))


def this_process() -> Maker:
    return process(os.getpid())


def process(pid: int) -> Maker:
    """Any process of this machine, named as a maker is (its start time 0 when unreadable)."""
    return Maker(_machine(), pid, start_ticks(pid) or 0)


def is_gone(maker: Maker) -> bool | None:
    """True when the maker is certainly gone, False when it certainly runs, None when this
    process cannot tell (another machine, or no start time to check a pid against)."""
    here = _machine()
    if maker.machine[:MACHINE_CHARS] != here[:MACHINE_CHARS]:
        return None
    if maker.machine != here:
        return True  # this machine, another boot: every process of that boot has ended
    if maker.start == 0:
        return None
    return start_ticks(maker.pid) != maker.start


# -- the creates this process runs now ------------------------------------------------------
class _Running:
    """The pending values of the creates (and adoptions) running in this process now."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: set[str] = set()


_running = _Running()


def running_here(value: str) -> bool:
    """Whether a create of this process that wrote `value` is running now (fence.py: once it
    has ended, what it left is abandoned, even while this process lives on)."""
    with _running.lock:
        return value in _running.values


@contextlib.contextmanager
def running(value: str) -> Iterator[None]:
    with _running.lock:
        _running.values.add(value)
    try:
        yield
    finally:
        with _running.lock:
            _running.values.discard(value)


def maker_has_ended(value: str, left_by: Maker | None) -> bool:
    """The maker named in a pending value will never complete it: this process, no longer
    running that create, or a process known to be gone."""
    if left_by is None:
        return False
    if left_by == this_process():
        return not running_here(value)
    return is_gone(left_by) is True
