"""Pure pieces of the SLB gateway: proxies, error classification, scrubbing, backoff bounds."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from slb_master_slave.api import ErrorKind, Retry, SlbApiError, SlbGateway, _proxies_for, retry_decision, scrub, summarize
from slb_master_slave.settings import resolve_settings


def settings_for(endpoint: str | None = None, **extra: str):
    config = {"alicloud:accessKey": "id", "alicloud:secretKey": "secret", "alicloud:region": "cn-hangzhou", **extra}
    if endpoint:
        config["slb-master-slave:endpoint"] = endpoint
    return resolve_settings(config, {})


def test_loopback_never_goes_through_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert _proxies_for(settings_for("http://127.0.0.1:8080")) == {"http": None, "https": None}
    assert _proxies_for(settings_for("http://localhost:8080")) == {"http": None, "https": None}


def test_proxy_from_environment_and_no_proxy_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert _proxies_for(settings_for("https://slb.internal.example"))["https"] is None
    assert _proxies_for(settings_for("https://slb.aliyuncs.com"))["https"] == "http://proxy.invalid:3128"


@pytest.mark.parametrize(("code", "message", "status", "not_found"), [
    ("InvalidParameter", "The specified MasterSlaveGroupId does not exist.", 400, True),
    ("InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist.", 400, True),
    ("InvalidParameter", "The specified parameter RegionId is not valid.", 400, False),
    ("InvalidParameter", "", 400, False),
])
def test_only_exact_signatures_mean_not_found(code: str, message: str, status: int, not_found: bool) -> None:
    assert SlbApiError("DescribeMasterSlaveServerGroupAttribute", code, message, http_status=status).not_found is not_found


@pytest.mark.parametrize(("code", "status", "retryable"), [
    ("Throttling.User", 400, True), ("Throttling", 400, True), ("Rejected.Throttling", 400, True),
    ("Throttling.Api", 400, True), ("ServiceUnavailable", 503, True),
    ("InternalError", 500, True), ("OperationBusy", 400, True), ("UnknownError", 500, True),
    ("Forbidden.RAM", 403, False), ("InvalidParameter", 400, False), ("RspoolVipExist", 400, False),
])
def test_retryable_codes(code: str, status: int | None, retryable: bool) -> None:
    error = SlbApiError("X", code, "m", http_status=status)
    assert error.retryable is retryable
    assert retry_decision(error) is (Retry.FAST if retryable else Retry.NO)


@pytest.mark.parametrize(("kind", "decision"), [
    (ErrorKind.CONNECT_TIMEOUT, Retry.FAST), (ErrorKind.READ_TIMEOUT, Retry.FAST), (ErrorKind.DROPPED, Retry.FAST),
    (ErrorKind.REFUSED, Retry.QUICK), (ErrorKind.DNS, Retry.QUICK), (ErrorKind.TLS, Retry.QUICK),
    (ErrorKind.NOT_API, Retry.QUICK), (ErrorKind.TOO_LARGE, Retry.QUICK),
])
def test_transport_failures_by_class(kind: ErrorKind, decision: Retry) -> None:
    assert retry_decision(SlbApiError("X", "C", "m", kind=kind)) is decision


def test_listener_holding_a_group_is_waited_out_only_on_delete() -> None:
    error = SlbApiError("DeleteMasterSlaveServerGroup", "RspoolVipExist", "held", http_status=400)
    assert retry_decision(error, wait_out_listener=True) is Retry.WAIT_OUT
    assert retry_decision(error) is Retry.NO


def test_only_a_possibly_applied_request_can_have_created() -> None:
    assert SlbApiError("X", "ServiceUnavailable", "m", http_status=503).may_have_applied
    assert not SlbApiError("X", "Throttling", "m", http_status=400).may_have_applied
    assert not SlbApiError("X", "ConnectionRefused", "m", kind=ErrorKind.REFUSED).may_have_applied


def test_summary_is_one_short_line_without_markup_or_query() -> None:
    html = b"<html><head><style>p{}</style></head><body>\n<h1>Not Found</h1>\n<p>/?AccessKeyId=k&Signature=s was not found" + b" x" * 500
    text = summarize(html)
    assert "\n" not in text and "<" not in text and len(text) <= 200
    assert "AccessKeyId" not in text and "Signature" not in text and "Not Found" in text


def test_scrub_removes_raw_and_encoded_secrets() -> None:
    text = "string to sign: a=b&SecurityToken=tok%2Fen&secret=s/ec+ret"
    cleaned = scrub(text, ["tok/en", "s/ec+ret"])
    assert "tok" not in cleaned and "ec+ret" not in cleaned


@pytest.mark.parametrize("form", [
    lambda s: s, lambda s: quote(s, safe=""), lambda s: quote(s, safe="~"), lambda s: quote(quote(s, safe="~"), safe="~"),
    lambda s: quote(quote(s, safe=""), safe=""), lambda s: base64.b64encode(s.encode()).decode(),
    lambda s: quote(s, safe="~").lower(),
])
def test_scrub_removes_every_encoding(form) -> None:
    token = "CAIS+tok/en=&v~1!"
    assert form(token) not in scrub(f"before {form(token)} after", [token])


def test_backoff_stays_within_the_deadline() -> None:
    now = [0.0]
    slept: list[float] = []
    gateway = SlbGateway(settings_for(**{"slb-master-slave:timeoutSeconds": "5"}),
                         sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)),
                         clock=lambda: now[0], rng=lambda: 1.0)
    error = SlbApiError("CreateMasterSlaveServerGroup", "Throttling.User", "slow down", http_status=400)
    with pytest.raises(SlbApiError) as info:
        for attempt in range(100):
            gateway._backoff(attempt, error)
    assert sum(slept) <= 5 and max(slept) <= 3.0
    assert info.value.attempts == len(slept) + 1
