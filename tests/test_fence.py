"""The fence (fence.py), pure: which pending groups this process may take over or remove."""

from __future__ import annotations

import time

from slb_master_slave.ownership import maker
from slb_master_slave.ownership.fence import (
    COMPLETION_CUTOFF_SECONDS,
    WINDOW_SECONDS,
    Standing,
    created_at,
    standing,
)
from slb_master_slave.ownership.tag import PENDING_PREFIX, parse_pending, pending_value

URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::web"
ME = maker.Maker("0a1b2c3d4e", 100, 5000)
OTHER_HERE = maker.Maker("0a1b2c3d4e", 200, 6000)
ELSEWHERE = maker.Maker("ffffff3d4e", 100, 5000)
NOW = 1_800_000_000.0


def iso(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - seconds_ago))


def where(by: maker.Maker | None, age: float | None, *, gone: bool | None = None, running: bool = False) -> Standing:
    value = pending_value(URN, by.token) if by is not None else PENDING_PREFIX + URN  # None: a 0.4 value
    mark = parse_pending(value)
    assert mark is not None
    return standing(mark, value, iso(age) if age is not None else None, now=NOW, me=ME,
                    maker_gone=lambda _: gone, running_here=lambda _: running)


def test_a_create_of_this_process_decides_while_it_runs_and_abandons_after() -> None:
    assert where(ME, 1, running=True) is Standing.MINE
    assert where(ME, 1, running=False) is Standing.ABANDONED


def test_a_maker_known_gone_abandons_at_once() -> None:
    assert where(OTHER_HERE, 1, gone=True) is Standing.ABANDONED


def test_a_maker_that_may_still_run_is_left_alone_within_the_window() -> None:
    for gone in (False, None):  # running on this machine, or another machine's
        assert where(ELSEWHERE, 1, gone=gone) is Standing.IN_PROGRESS
        assert where(ELSEWHERE, WINDOW_SECONDS - 1, gone=gone) is Standing.IN_PROGRESS
        assert where(ELSEWHERE, WINDOW_SECONDS, gone=gone) is Standing.ABANDONED


def test_a_release_0_4_pending_value_names_no_maker_so_only_age_counts() -> None:
    assert where(None, 1) is Standing.IN_PROGRESS
    assert where(None, WINDOW_SECONDS + 1) is Standing.ABANDONED


def test_an_unreadable_create_time_is_never_taken_for_old() -> None:
    value = pending_value(URN, ELSEWHERE.token)
    mark = parse_pending(value)
    assert mark is not None
    for create_time in (None, "", "yesterday"):
        assert standing(mark, value, create_time, now=NOW, me=ME, maker_gone=lambda _: None,
                        running_here=lambda _: False) is Standing.IN_PROGRESS


def test_the_window_leaves_room_for_clock_skew_after_the_cutoff() -> None:
    assert WINDOW_SECONDS - COMPLETION_CUTOFF_SECONDS >= 5 * 60
    assert created_at("2026-12-07T06:32:43Z") == created_at("2026-12-07T06:32:43+00:00")


def test_this_process_is_alive_and_a_made_up_pid_on_this_machine_is_gone() -> None:
    here = maker.this_process()
    assert maker.is_gone(here) is False
    assert maker.is_gone(maker.Maker(here.machine, here.pid, here.start + 1)) is True, "a reused pid"
    boot = here.machine[maker.MACHINE_CHARS:]
    other_boot = maker.Maker(here.machine[:maker.MACHINE_CHARS] + format((int(boot, 16) + 1) % 16**4, "04x"),
                             here.pid, here.start)
    assert maker.is_gone(other_boot) is True
    assert maker.is_gone(maker.Maker("ffffff" + here.machine[maker.MACHINE_CHARS:], 1, 1)) is None
