"""Is the Pulumi engine that sent this call still there?

Why it matters: marking a group complete (its ownership tag from pending to done) is the
point after which no later Create may take it over, so a completed group must reach the
engine's state. When the CLI dies while a create is in flight (SIGKILL, a closed terminal, a
cancelled CI job), the provider process lives on in a process group of its own and would
complete a group whose id nobody will ever record: an orphan. Left pending instead, the next
`pulumi up` of that resource takes it over.

The engine starts the provider directly or through a launcher script (the official one does
not `exec`), so the engine is our parent or our grandparent. Both are noted when this module
is first imported, which happens during the engine's first call to this process, while it
is certainly alive; "gone" is either of them no longer running (reparented, exited, or a
zombie). Outside Linux, where /proc is missing, only the parent is checked.
"""

from __future__ import annotations

import os


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_PARENT = os.getppid()
_GRANDPARENT = _parent_of(_PARENT)


def engine_gone() -> bool:
    """True when the process that started us (or the one that started it) has died."""
    if os.getppid() != _PARENT or not _running(_PARENT):
        return True
    return _GRANDPARENT is not None and _GRANDPARENT > 1 and not _running(_GRANDPARENT)
