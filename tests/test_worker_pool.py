"""More than 4 calls at once: the host's thread pool raised from inside one of its workers, only
where every guard holds (worker_pool.py); `maxConcurrentOperations` read and checked; a fallback
said through the engine's Log service (engine_log.py).

Real thread pools and a real gRPC Engine server throughout. That the real CLI's provider
process runs more than 4 creates at once, and says so when it cannot, is
tests/real_engine/test_concurrency_cli.py.
"""

from __future__ import annotations

import contextlib
import copy
import io
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from slb_master_slave.client.settings import (
    CONFIG_MAX_CONCURRENT_OPERATIONS,
    DEFAULT_MAX_CONCURRENT_OPERATIONS,
    SettingsError,
    max_concurrent_operations,
    resolve_settings,
)
from slb_master_slave.domain.validation import VALID_EXAMPLE
from slb_master_slave.provider import (
    MasterSlaveServerGroupProvider,
    engine_log,
    worker_pool,
)

CHECKED: dict[str, Any] = {"python": (3, 11), "sdk": "3.260.0"}
WAIT = 30.0  # a bound on waiting for threads that should all be running, never a measurement


def _in_worker(pool: futures.ThreadPoolExecutor, call: Callable[[], Any]) -> Any:
    """Run `call` in one of `pool`'s worker threads, as the host runs our provider's first call."""
    return pool.submit(call).result(timeout=WAIT)


def _all_at_once(pool: futures.ThreadPoolExecutor, n: int, patience: float = WAIT) -> bool:
    """Whether `n` calls submitted to `pool` all run at the same moment (each waits up to
    `patience` seconds for the others: a pool of 4 can never gather 6, however long it waits)."""
    barrier = threading.Barrier(n, timeout=patience)

    def meet() -> bool:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    return all(f.result(timeout=WAIT) for f in [pool.submit(meet) for _ in range(n)])


@pytest.fixture()
def host_pool() -> Iterator[futures.ThreadPoolExecutor]:
    """The host's pool as pulumi/dynamic/__main__.py makes it."""
    pool = futures.ThreadPoolExecutor(max_workers=4)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def test_the_sdks_pool_runs_at_most_4_at_once(host_pool) -> None:
    """The control for the tests below: without widening, 6 calls never meet."""
    assert not _all_at_once(host_pool, 6, patience=0.5)


def test_a_call_in_a_worker_raises_its_pool_and_more_calls_then_run_at_once(host_pool) -> None:
    result = _in_worker(host_pool, lambda: worker_pool.widen(12, dynamic_main=True, **CHECKED))
    assert result == worker_pool.Widening(12)
    assert _all_at_once(host_pool, 12)


def test_calls_already_waiting_when_the_pool_is_raised_get_threads_of_their_own(host_pool) -> None:
    """A destroy: the engine's first 8 Deletes arrive at once, 4 run and 4 wait in the queue; the
    first to run configures the provider (and widens). The 4 waiting ones must start at once:
    the pool starts threads only on submit, and no later call would ever make it."""
    barrier = threading.Barrier(8, timeout=WAIT)
    first = threading.Lock()

    def delete() -> bool:
        if first.acquire(blocking=False):
            worker_pool.widen(16, dynamic_main=True, **CHECKED)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    calls = [host_pool.submit(delete) for _ in range(8)]
    assert all(call.result(timeout=2 * WAIT) for call in calls)


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"dynamic_main": False, **CHECKED}, "not `python -m pulumi.dynamic`"),
    ({"dynamic_main": True, "python": (3, 9), "sdk": "3.260.0"}, "Python 3.9 is outside"),
    ({"dynamic_main": True, "python": (3, 15), "sdk": "3.260.0"}, "Python 3.15 is outside"),
    ({"dynamic_main": True, "python": (3, 11), "sdk": "3.259.0"}, "pulumi SDK 3.259.0 is outside"),
    ({"dynamic_main": True, "python": (3, 11), "sdk": "3.273.0"}, "pulumi SDK 3.273.0 is outside"),
    ({"dynamic_main": True, "python": (3, 11), "sdk": "unknown"}, "pulumi SDK unknown is outside"),
])
def test_outside_the_checked_ground_nothing_is_touched(host_pool, kwargs: dict[str, Any], reason: str) -> None:
    result = _in_worker(host_pool, lambda: worker_pool.widen(12, **kwargs))
    assert result.workers == 4 and result.fallback is not None and reason in result.fallback
    assert host_pool._max_workers == 4


def test_a_thread_that_is_no_pool_worker_is_a_fallback() -> None:
    result = worker_pool.widen(12, dynamic_main=True, **CHECKED)  # the test's own thread
    assert result.fallback is not None and "not a worker of a thread pool" in result.fallback


def test_another_executor_class_is_a_fallback() -> None:
    class Other(futures.ThreadPoolExecutor):
        pass

    pool = Other(max_workers=4)
    try:
        result = _in_worker(pool, lambda: worker_pool.widen(12, dynamic_main=True, **CHECKED))
    finally:
        pool.shutdown()
    assert result.fallback is not None and "works for a Other" in result.fallback and pool._max_workers == 4


def test_a_pool_the_sdk_no_longer_makes_with_4_workers_is_left_alone() -> None:
    pool = futures.ThreadPoolExecutor(max_workers=8)
    try:
        result = _in_worker(pool, lambda: worker_pool.widen(12, dynamic_main=True, **CHECKED))
    finally:
        pool.shutdown()
    assert result == worker_pool.Widening(8, "the host's thread pool has 8 workers, not the SDK's 4")
    assert pool._max_workers == 8


def test_operations_are_held_to_the_setting_in_a_pool_with_room_for_checks(host_pool, monkeypatch) -> None:
    """maxConcurrentOperations 6: the pool gets 10 threads (6 operations, 4 more so Check and
    Diff never wait behind them), and a seventh operation waits for a slot."""
    monkeypatch.setattr(worker_pool, "_once", worker_pool._Once())
    result = _in_worker(host_pool, lambda: worker_pool.widen_once(6, dynamic_main=True))
    assert result == worker_pool.Widening(10) and worker_pool.pool_size(6) == 10
    assert _all_at_once(host_pool, 10)
    with contextlib.ExitStack() as held:
        for _ in range(6):
            held.enter_context(worker_pool.operation_slot())
        slots = worker_pool._once.slots
        assert slots is not None and not slots.acquire(blocking=False), "a seventh operation must wait"
    assert worker_pool.pool_size(4) == 4, "4 keeps the SDK's pool"


def test_four_keeps_todays_behaviour_without_a_word(host_pool) -> None:
    assert _in_worker(host_pool, lambda: worker_pool.widen(4, dynamic_main=True, **CHECKED)) == worker_pool.Widening(4)
    assert host_pool._max_workers == 4


def test_the_fallback_message_names_the_setting_the_bound_and_the_reason() -> None:
    text = worker_pool.fallback_message(16, worker_pool.Widening(4, "Python 3.15 is outside ..."))
    assert CONFIG_MAX_CONCURRENT_OPERATIONS in text and "16" in text and "at most 4 calls at once" in text
    assert "Python 3.15 is outside" in text


def test_the_installed_sdk_is_in_the_checked_range() -> None:
    """The pinned pulumi SDK is one this was checked on (else every provider process falls back)."""
    low, high = worker_pool.CHECKED_PULUMI
    major, minor = (int(p) for p in worker_pool.pulumi_version().split(".")[:2])
    assert low <= (major, minor) <= high


# -- the setting -------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "value"), [(None, DEFAULT_MAX_CONCURRENT_OPERATIONS), ("", DEFAULT_MAX_CONCURRENT_OPERATIONS),
                                            ("4", 4), ("32", 32), (" 64 ", 64)])
def test_max_concurrent_operations_taken(raw: str | None, value: int) -> None:
    config = {} if raw is None else {CONFIG_MAX_CONCURRENT_OPERATIONS: raw}
    assert max_concurrent_operations(config) == value
    assert resolve_settings(config, {}).max_concurrent_operations == value


@pytest.mark.parametrize("raw", ["3", "0", "65", "-8", "16.0", "many", "١٦"])
def test_max_concurrent_operations_refused_at_preview_with_the_fix(raw: str) -> None:
    with pytest.raises(SettingsError, match="whole number from 4 to 64"):
        max_concurrent_operations({CONFIG_MAX_CONCURRENT_OPERATIONS: raw})
    provider = MasterSlaveServerGroupProvider()
    provider._config = {CONFIG_MAX_CONCURRENT_OPERATIONS: raw}
    [failure] = provider.check({}, copy.deepcopy(VALID_EXAMPLE)).failures
    assert failure.reason.startswith("InvalidConfiguration: ")
    assert f"pulumi config set {CONFIG_MAX_CONCURRENT_OPERATIONS}" in failure.reason and "--parallel" in failure.reason


# -- the engine's log ------------------------------------------------------------------------
class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logged: list[Any] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logged.append(request)
        from google.protobuf import empty_pb2  # type: ignore[import-untyped]  # protobuf ships no types

        return empty_pb2.Empty()


@pytest.fixture()
def engine() -> Iterator[tuple[_Engine, str]]:
    servicer = _Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


def test_a_warning_reaches_the_engine_named_by_the_first_argument(engine) -> None:
    servicer, address = engine
    stderr = io.StringIO()
    assert engine_log.warn("four at once", argv=["pulumi/dynamic/__main__.py", address], stderr=stderr) == "engine"
    [request] = servicer.logged
    assert (request.message, request.severity) == ("four at once", engine_pb2.WARNING)
    assert stderr.getvalue() == ""


@pytest.mark.parametrize("argv", [["main.py"], ["main.py", "--flag"], ["main.py", "127.0.0.1:1"]])
def test_without_an_engine_that_answers_the_warning_goes_to_stderr(argv: list[str]) -> None:
    stderr = io.StringIO()
    assert engine_log.warn("four at once", argv=argv, stderr=stderr) == "stderr"
    assert stderr.getvalue() == "warning: four at once\n"
