"""The retry quota shared by every call of a provider process (retry_policy.RetryQuota, as
botocore's RetryQuotaChecker): retries take tokens, answers give them back, time refills
the bucket; a retry that finds it empty waits for tokens within its operation's deadline
instead of failing. Throttling waits from a larger base than other transient failures.

A fake clock and a recording sleep throughout: nothing here sleeps or measures time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from slb_master_slave.client.api_error import ErrorKind, SlbApiError
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.retry import (
    FIRST_TRY_REFUND,
    QUOTA_CAPACITY,
    QUOTA_REFILL_PER_SECOND,
    RETRY_COST,
    TIMEOUT_RETRY_COST,
    Backoff,
    Retry,
    RetryQuota,
    retry_cost,
    retry_decision,
)
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.client.transport import Answer, Target

THROTTLED = SlbApiError("DescribeMasterSlaveServerGroupAttribute", "Throttling.User", "Request was denied due to "
                        "user flow control.", http_status=400)
GROUP = {"RequestId": "R", "MasterSlaveServerGroupId": "rsp-1", "MasterSlaveServerGroupName": "g",
         "MasterSlaveBackendServers": {"MasterSlaveBackendServer": [
             {"ServerId": "i-1", "Port": 80, "ServerType": "Master"}, {"ServerId": "i-2", "Port": 80, "ServerType": "Slave"}]}}


class Clock:
    """Time that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# -- the bucket ------------------------------------------------------------------------
def test_retries_take_tokens_until_the_bucket_is_empty_then_wait_for_the_refill() -> None:
    clock = Clock()
    quota = RetryQuota(clock=clock)
    taken = 0
    while quota.take(RETRY_COST) == 0.0:
        taken += 1
    assert taken == QUOTA_CAPACITY // RETRY_COST
    assert quota.take(RETRY_COST) == pytest.approx(RETRY_COST / QUOTA_REFILL_PER_SECOND)
    clock.now += RETRY_COST / QUOTA_REFILL_PER_SECOND
    assert quota.take(RETRY_COST) == 0.0


def test_an_answer_gives_back_its_last_retrys_tokens_or_one_and_never_overfills() -> None:
    clock = Clock()
    quota = RetryQuota(clock=clock)
    assert quota.take(TIMEOUT_RETRY_COST) == 0.0 and quota.take(RETRY_COST) == 0.0
    quota.answered(RETRY_COST)
    assert quota.tokens == QUOTA_CAPACITY - TIMEOUT_RETRY_COST
    quota.answered(0)
    assert quota.tokens == QUOTA_CAPACITY - TIMEOUT_RETRY_COST + FIRST_TRY_REFUND
    for _ in range(100):
        quota.answered(TIMEOUT_RETRY_COST)
    assert quota.tokens == QUOTA_CAPACITY


@pytest.mark.parametrize(("error", "decision", "cost"), [
    (THROTTLED, Retry.THROTTLED, RETRY_COST),
    (SlbApiError("X", "ServiceUnavailable", "m", http_status=503), Retry.FAST, RETRY_COST),
    (SlbApiError("X", "ReadTimeout", "m", kind=ErrorKind.READ_TIMEOUT), Retry.FAST, TIMEOUT_RETRY_COST),
    (SlbApiError("X", "ConnectTimeout", "m", kind=ErrorKind.CONNECT_TIMEOUT), Retry.FAST, TIMEOUT_RETRY_COST),
    (SlbApiError("X", "ConnectionRefused", "m", kind=ErrorKind.REFUSED), Retry.QUICK, RETRY_COST),
])
def test_what_each_retry_costs(error: SlbApiError, decision: Retry, cost: int) -> None:
    assert retry_decision(error) is decision and retry_cost(decision, error) == cost


def test_waiting_out_a_listener_costs_nothing() -> None:
    held = SlbApiError("DeleteMasterSlaveServerGroup", "RspoolVipExist", "held", http_status=400)
    assert retry_cost(retry_decision(held, wait_out_listener=True), held) == 0


def test_throttling_backs_off_from_a_larger_base_and_never_sleeps_past_a_quota_window() -> None:
    throttled, fast = Backoff(lambda: 1.0), Backoff(lambda: 1.0)
    for attempt in range(1, 4):
        assert (throttled.delay(Retry.THROTTLED, attempt) or 0.0) > (fast.delay(Retry.FAST, attempt) or 0.0)
    assert Backoff(lambda: 1.0).delay(Retry.THROTTLED, 1) == pytest.approx(0.25)
    assert Backoff(lambda: 1.0).delay(Retry.FAST, 1) == pytest.approx(0.1)
    assert Backoff(lambda: 1.0).delay(Retry.THROTTLED, 20) == pytest.approx(1.0)


# -- the gateway's one loop ----------------------------------------------------------------
class Throttler:
    """Answers a Describe with Throttling.User `throttle` times, then with the group."""

    def __init__(self, throttle: int) -> None:
        self.left = throttle
        self.sent = 0

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
             *, connect_deadline: float, read_seconds: float, deadline: float) -> Answer:
        assert dict(parse_qsl(urlsplit(path).query))["Action"] == "DescribeMasterSlaveServerGroupAttribute"
        self.sent += 1
        if self.left > 0:
            self.left -= 1
            document: dict[str, Any] = {"Code": "Throttling.User", "Message": "denied", "RequestId": "R"}
            return Answer(400, "application/json", json.dumps(document).encode())
        return Answer(200, "application/json", json.dumps(GROUP).encode())


@pytest.fixture()
def make_gateway() -> Iterator[Callable[..., tuple[SlbGateway, Throttler]]]:
    def make(quota: RetryQuota, clock: Clock, throttle: int, timeout: str = "300") -> tuple[SlbGateway, Throttler]:
        settings = resolve_settings({"alicloud:accessKey": "id", "alicloud:secretKey": "secret",
                                     "alicloud:region": "cn-hangzhou", "slb-master-slave:endpoint": "http://127.0.0.1:9",
                                     "slb-master-slave:timeoutSeconds": timeout}, {})
        transport = Throttler(throttle)
        return SlbGateway(settings, sleep=clock.sleep, clock=clock, rng=lambda: 0.5, transport=transport,
                          quota=quota), transport

    yield make


def test_a_retry_that_finds_the_quota_empty_waits_for_tokens_then_succeeds(make_gateway) -> None:
    clock = Clock()
    refill_per_second = 2.0  # slow enough that the backoff alone cannot cover the tokens
    quota = RetryQuota(refill_per_second=refill_per_second, clock=clock)
    while quota.take(1) == 0.0:  # other calls of the process spent it all
        pass
    gateway, transport = make_gateway(quota, clock, throttle=3)
    assert gateway.describe_group("rsp-1").id == "rsp-1"
    assert transport.sent == 4
    refill = 3 * RETRY_COST / refill_per_second  # the three retries' tokens, from an empty bucket
    backoff = sum(0.5 * min(1.0, 0.25 * 2 ** (n - 1)) for n in (1, 2, 3))
    assert backoff < refill <= sum(clock.slept), "the retries waited for their tokens, beyond the backoff"
    assert sum(clock.slept) < refill + 0.5, "and no longer than the tokens take to come back"


def test_a_call_answered_after_a_retry_leaves_the_quota_as_it_found_it(make_gateway) -> None:
    clock = Clock()
    quota = RetryQuota(refill_per_second=1e-9, clock=clock)
    gateway, _ = make_gateway(quota, clock, throttle=1)
    gateway.describe_group("rsp-1")
    assert quota.tokens == pytest.approx(QUOTA_CAPACITY)


def test_the_quota_is_shared_by_the_operations_of_the_process(make_gateway) -> None:
    """Two operations (two gateways) on one quota: the retries of the first are the second's too."""
    clock = Clock()
    quota = RetryQuota(refill_per_second=1e-9, clock=clock)
    first, _ = make_gateway(quota, clock, throttle=10)
    first.describe_group("rsp-1")
    assert quota.tokens == pytest.approx(QUOTA_CAPACITY - 9 * RETRY_COST)
    second, _ = make_gateway(quota, clock, throttle=0)
    second.describe_group("rsp-1")
    assert quota.tokens == pytest.approx(QUOTA_CAPACITY - 9 * RETRY_COST + FIRST_TRY_REFUND)


def test_waiting_for_tokens_ends_at_the_deadline_with_the_last_answer(make_gateway) -> None:
    clock = Clock()
    quota = RetryQuota(refill_per_second=0.01, clock=clock)
    while quota.take(1) == 0.0:
        pass
    gateway, transport = make_gateway(quota, clock, throttle=1, timeout="30")
    with pytest.raises(SlbApiError) as info:
        gateway.describe_group("rsp-1")
    assert info.value.code == "Throttling.User" and transport.sent == 1
    assert clock.now <= 30, "never past the operation's budget"
