"""More than 4 calls at once in one provider process (`slb-master-slave:maxConcurrentOperations`).

`python -m pulumi.dynamic` serves every call of the engine (Check, Diff, Create, Read, Update,
Delete) from `grpc.server(futures.ThreadPoolExecutor(max_workers=4))` (pulumi/dynamic/__main__.py,
the same in the pulumi SDK 3.260.0 and 3.272.0): at most 4 at once, whatever `--parallel` says.
A ThreadPoolExecutor starts a new thread for a submitted call while it has fewer threads than
its `_max_workers` and none idle (`_adjust_thread_count`, CPython 3.10 to 3.14), and each of its
threads was started with a weak reference to the executor as its target's first argument. Our
provider's first call runs in one of those threads (the SDK deserializes and configures the
provider there), so it can find the executor and raise `_max_workers`: later calls start more
threads, up to the new bound. Nothing else changes; gRPC itself sets no limit of its own
(`maximum_concurrent_rpcs` is None).

This touches private state of the SDK's server and of the standard library, so it is done only
where it was checked, and otherwise not at all, with a warning the user reads (engine_log):
- this process is `python -m pulumi.dynamic` (not a test, not a program);
- Python 3.10 to 3.14 and the pulumi SDK 3.260 to 3.272 (`CHECKED_PYTHON`, `CHECKED_PULUMI`);
- the calling thread is a worker of a `concurrent.futures.ThreadPoolExecutor` (that exact class)
  whose `_max_workers` is 4, the SDK's value.
A fallback keeps today's behaviour: 4 calls at once.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import thread as _thread
from dataclasses import dataclass

from ..client.settings import CONFIG_MAX_CONCURRENT_OPERATIONS
from . import engine_log

SDK_WORKERS = 4  # futures.ThreadPoolExecutor(max_workers=4) in pulumi/dynamic/__main__.py
CHECKED_PYTHON = ((3, 10), (3, 14))  # inclusive: run on 3.10-3.13, 3.14 read from its source
CHECKED_PULUMI = ((3, 260), (3, 272))  # inclusive, (major, minor)


@dataclass(frozen=True)
class Widening:
    """What `widen` did: the bound the host's pool has now, and why it was not raised (or None)."""

    workers: int
    fallback: str | None = None


def pulumi_version() -> str:
    """The pulumi SDK's version, from the module the SDK already loaded (cheap), else its metadata."""
    module = sys.modules.get("pulumi._version")
    version = getattr(module, "_VERSION", None)
    if isinstance(version, str):
        return version
    from importlib import metadata

    try:
        return metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        return "unknown"


def _minor(version: str) -> tuple[int, int] | None:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def _version_fallback(python: tuple[int, int], sdk: str) -> str | None:
    low, high = CHECKED_PYTHON
    if not low <= python <= high:
        return f"Python {python[0]}.{python[1]} is outside the versions this was checked on (3.10 to 3.14)"
    minor = _minor(sdk)
    if minor is None or not CHECKED_PULUMI[0] <= minor <= CHECKED_PULUMI[1]:
        return (f"the pulumi SDK {sdk} is outside the versions this was checked on "
                f"({CHECKED_PULUMI[0][0]}.{CHECKED_PULUMI[0][1]} to {CHECKED_PULUMI[1][0]}.{CHECKED_PULUMI[1][1]})")
    return None


_POOL_PARTS = ("_max_workers", "_shutdown_lock", "_shutdown", "_threads", "_work_queue", "_idle_semaphore",
               "_adjust_thread_count")


def executor_of(thread: threading.Thread) -> ThreadPoolExecutor | str:
    """The ThreadPoolExecutor `thread` works for, or why it cannot be told."""
    args = getattr(thread, "_args", None)
    reference = args[0] if isinstance(args, tuple) and args else None
    if not isinstance(reference, weakref.ReferenceType):
        return f"the calling thread ({thread.name}) is not a worker of a thread pool"
    executor = reference()
    if type(executor) is not ThreadPoolExecutor:
        return f"the calling thread ({thread.name}) works for a {type(executor).__name__}, not a ThreadPoolExecutor"
    missing = [part for part in _POOL_PARTS if not hasattr(executor, part)]
    missing += [] if hasattr(_thread, "_global_shutdown_lock") else ["_global_shutdown_lock"]
    if missing:
        return f"this Python's ThreadPoolExecutor has no {', '.join(missing)}"
    return executor


def widen(target: int, *, dynamic_main: bool, thread: threading.Thread | None = None,
          python: tuple[int, int] | None = None, sdk: str | None = None) -> Widening:
    """Raise the pool of the thread running this call (the host's) to `target` workers, if every
    guard holds; `dynamic_main`: this process is `python -m pulumi.dynamic`."""
    if target <= SDK_WORKERS:
        return Widening(SDK_WORKERS)
    if not dynamic_main:
        return Widening(SDK_WORKERS, "this process is not `python -m pulumi.dynamic`")
    reason = _version_fallback(python or (sys.version_info[0], sys.version_info[1]), sdk or pulumi_version())
    if reason is not None:
        return Widening(SDK_WORKERS, reason)
    found = executor_of(thread or threading.current_thread())
    if isinstance(found, str):
        return Widening(SDK_WORKERS, found)
    return _raise(found, target)


def _raise(pool: ThreadPoolExecutor, target: int) -> Widening:
    """Under the locks `submit` takes, as `submit` does: raise the bound, then start a thread for
    each call already waiting in the queue. Those calls were queued while the 4 threads were
    busy (a destroy's first Deletes all arrive at once), and a ThreadPoolExecutor starts threads
    only when a call is submitted: without this, a queue that never empties would keep the
    pool at 4 (each later call takes the permit a finished one left, and starts no thread)."""
    with pool._shutdown_lock, _thread._global_shutdown_lock:
        workers = pool._max_workers  # private state: see the module docstring
        if workers != SDK_WORKERS:
            return Widening(workers, f"the host's thread pool has {workers} workers, not the SDK's {SDK_WORKERS}")
        if pool._shutdown:
            return Widening(workers, "the host's thread pool is shutting down")
        pool._max_workers = target
        waiting = min(pool._work_queue.qsize(), target - len(pool._threads))
        for _ in range(max(0, waiting)):
            pool._adjust_thread_count()
    return Widening(target)


def pool_size(operations: int) -> int:
    """The host's pool for `operations` at once: 4 more threads than operations, so Check, Diff
    and the engine's other short calls never wait behind operations that wait on the API (the
    engine checks each registration while earlier creates run); 4 keeps the SDK's pool."""
    return operations + SDK_WORKERS if operations > SDK_WORKERS else SDK_WORKERS


class _Once:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.result: Widening | None = None
        self.slots: threading.BoundedSemaphore | None = None


_once = _Once()


def widen_once(operations: int, *, dynamic_main: bool) -> Widening:
    """At the first call of this process (later calls get the first answer): at most `operations`
    operations at once (`operation_slot`), in a pool widened to `pool_size(operations)`. A
    fallback is said to the user through the engine's log, naming the setting and the reason."""
    with _once.lock:
        if _once.result is not None:
            return _once.result
        _once.slots = threading.BoundedSemaphore(operations)
        result = _once.result = widen(pool_size(operations), dynamic_main=dynamic_main)
    if result.fallback is not None and dynamic_main:
        engine_log.warn(fallback_message(operations, result))
    return result


@contextlib.contextmanager
def operation_slot() -> Iterator[None]:
    """Hold one of the `maxConcurrentOperations` slots for a create, read, update or delete (no
    limit before the first configure(), as when the provider is used directly)."""
    slots = _once.slots
    if slots is None:
        yield
        return
    with slots:
        yield


def fallback_message(operations: int, result: Widening) -> str:
    return (f"{CONFIG_MAX_CONCURRENT_OPERATIONS} is {operations}, but this provider process runs at most "
            f"{result.workers} calls at once: {result.fallback}. Everything works as before, only with fewer "
            "operations at once.")
