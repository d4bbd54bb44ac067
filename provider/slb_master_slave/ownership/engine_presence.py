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

import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator

from . import maker


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
# The processes watched: the parent, and the grandparent where there is one (not init).
_ENGINE = (_PARENT, *([_GRANDPARENT] if _GRANDPARENT is not None and _GRANDPARENT > 1 else []))


@functools.cache
def engine_tokens() -> tuple[str, ...]:
    """The engine's processes as maker tokens, read once, for the journal: another process can
    then tell that this one's engine is gone (create.py)."""
    return tuple(maker.process(pid).token for pid in _ENGINE)


def engine_gone() -> bool:
    """True when the process that started us (or the one that started it) has died."""
    return os.getppid() != _PARENT or not all(_running(pid) for pid in _ENGINE)


# -- a provider process whose engine is gone ends itself ------------------------------------
# The engine starts each provider in a process group of its own, so a killed CLI leaves its
# provider running, forever, holding whatever it was doing. A maker that never ends would keep
# its pending groups "in progress" for the fence (fence.py) until the window passes; so, once
# the engine is gone and no operation is in flight here, this process exits.
WATCH_INTERVAL_SECONDS = 0.5


class _Operations:
    """Operations in flight in this process, and whether the watch has started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.watching = False


_operations = _Operations()


@contextlib.contextmanager
def operation() -> Iterator[None]:
    """Count an operation in flight, so the watch never ends the process in the middle of one."""
    with _operations.lock:
        _operations.in_flight += 1
    try:
        yield
    finally:
        with _operations.lock:
            _operations.in_flight -= 1


def _idle() -> bool:
    with _operations.lock:
        return _operations.in_flight == 0


def running_as_dynamic_provider() -> bool:
    """This process is `python -m pulumi.dynamic`, started by an engine (not a test, not a program)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def exit_when_engine_gone(*, interval: float = WATCH_INTERVAL_SECONDS,
                          end: Callable[[int], object] = os._exit) -> None:
    """Start (once) the thread that ends this process when its engine is gone and it is idle."""
    with _operations.lock:
        if _operations.watching:
            return
        _operations.watching = True

    def watch() -> None:
        while True:
            time.sleep(interval)
            if engine_gone() and _idle():
                end(0)
                return

    threading.Thread(target=watch, name="slb-engine-watch", daemon=True).start()
