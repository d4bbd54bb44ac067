"""Pure pieces of the SLB gateway: proxies, error classification, scrubbing, backoff bounds."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from slb_master_slave.client.api_error import ErrorKind, SlbApiError
from slb_master_slave.client.codec import live_group_from_api
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.retry import (
    LISTENER_WAIT_MAX_TRIES,
    THROTTLED_CAP_SECONDS,
    Backoff,
    Retry,
    RetryQuota,
    retry_decision,
)
from slb_master_slave.client.scrubbing import scrub, summarize
from slb_master_slave.client.settings import Settings, resolve_settings
from slb_master_slave.client.signing import (
    EndpointNotResolved,
    RequestSigner,
    default_host,
)
from slb_master_slave.client.transport import Answer, Target
from slb_master_slave.domain.model import BackendServer, GroupSpec
from slb_master_slave.ownership.tag import OWNER_TAG_KEY


def settings_for(endpoint: str | None = None, **extra: str) -> Settings:
    config = {"alicloud:accessKey": "id", "alicloud:secretKey": "secret", "alicloud:region": "cn-hangzhou", **extra}
    if endpoint:
        config["slb-master-slave:endpoint"] = endpoint
    return resolve_settings(config, {})


def proxy_of(endpoint: str) -> str | None:
    """The proxy a request to `endpoint` goes through, as the gateway's signer picks it."""
    return RequestSigner(settings_for(endpoint)).target().proxy


def test_loopback_never_goes_through_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    for endpoint in ("http://127.0.0.1:8080", "http://localhost:8080", "https://127.0.0.1:8443", "http://[::1]:8080"):
        assert proxy_of(endpoint) is None, endpoint


def test_proxy_from_environment_and_no_proxy_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert proxy_of("https://slb.internal.example") is None
    assert proxy_of("https://slb.aliyuncs.com") == "http://proxy.invalid:3128"


def test_the_default_endpoint_comes_from_the_sdks_endpoint_data_without_the_network() -> None:
    assert default_host("cn-hangzhou") == "slb.aliyuncs.com"
    assert default_host("eu-central-1") == "slb.eu-central-1.aliyuncs.com"
    with pytest.raises(EndpointNotResolved, match="slb-master-slave:endpoint"):
        default_host("xx-nowhere-9")  # the SDK's client would ask its location service here


def test_a_region_without_an_endpoint_fails_at_once_naming_the_setting() -> None:
    settings = resolve_settings({"alicloud:accessKey": "id", "alicloud:secretKey": "secret",
                                 "alicloud:region": "xx-nowhere-9"}, {})
    with pytest.raises(SlbApiError) as info:
        SlbGateway(settings).describe_group("rsp-1")
    assert info.value.kind is ErrorKind.SETTING and info.value.attempts == 1
    assert "slb-master-slave:endpoint" in str(info.value)


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
    expected = Retry.THROTTLED if "Throttling" in code else Retry.FAST if retryable else Retry.NO
    assert retry_decision(error) is expected


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
def test_scrub_removes_every_encoding(form: Callable[[str], str]) -> None:
    token = "CAIS+tok/en=&v~1!"
    assert form(token) not in scrub(f"before {form(token)} after", [token])


def test_each_decision_gets_its_cadence_and_its_number_of_retries() -> None:
    def delays(decision: Retry, rng: float = 1.0) -> list[float | None]:
        backoff = Backoff(lambda: rng)
        return [backoff.delay(decision, attempt) for attempt in range(1, LISTENER_WAIT_MAX_TRIES + 2)]

    assert delays(Retry.NO) == [None] * (LISTENER_WAIT_MAX_TRIES + 1)
    quick = delays(Retry.QUICK)
    assert quick[:3] == [0.5, 1.0, None], "two quick retries, then none"
    fast = delays(Retry.FAST)
    assert fast[:6] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.5, 1.5]) and None not in fast, "until the deadline"
    waits = delays(Retry.WAIT_OUT)
    retries = [d for d in waits if d is not None]
    assert len(retries) == LISTENER_WAIT_MAX_TRIES - 1 and waits.index(None) == len(retries), \
        f"{LISTENER_WAIT_MAX_TRIES} tries in all: the first and {LISTENER_WAIT_MAX_TRIES - 1} retries"
    assert retries[0] == 1.0 and max(retries) == 10.0


def test_backoff_stays_within_the_deadline() -> None:
    gateway, transport, slept = gateway_with(lambda a, p: api_error("Throttling.User", "slow down"), timeout="5")
    gateway._rng = lambda: 1.0
    with pytest.raises(SlbApiError) as info:
        gateway.describe_group("rsp-1")
    assert sum(slept) <= 5 and max(slept) <= THROTTLED_CAP_SECONDS
    assert info.value.attempts == len(slept) + 1 == len(transport.actions)


# -- the retry loop and messages, against a scripted transport and a fake clock --------
Script = Callable[[str, dict[str, str]], tuple[int, dict[str, Any]]]


class ScriptedTransport:
    """Answers each request from `script(action, params)`; records the actions sent."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.actions: list[str] = []

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
             *, connect_deadline: float, read_seconds: float, deadline: float) -> Answer:
        params = dict(parse_qsl(urlsplit(path).query))
        self.actions.append(params["Action"])
        status, document = self.script(params["Action"], params)
        return Answer(status, "application/json", json.dumps(document).encode())


def gateway_with(script: Script, timeout: str = "300") -> tuple[SlbGateway, ScriptedTransport, list[float]]:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    transport = ScriptedTransport(script)
    settings = settings_for("http://127.0.0.1:9", **{"slb-master-slave:timeoutSeconds": timeout})
    gateway = SlbGateway(settings, sleep=sleep, clock=lambda: now[0], rng=lambda: 0.5, transport=transport,
                         quota=RetryQuota(clock=lambda: now[0]))
    return gateway, transport, slept


def api_error(code: str, message: str = "m", status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"Code": code, "Message": message, "RequestId": "REQ-1"}


def test_a_listener_holding_a_group_is_waited_out_slowly_and_boundedly() -> None:
    gateway, transport, slept = gateway_with(lambda action, params: api_error("RspoolVipExist", "held by a listener"))
    with pytest.raises(SlbApiError) as info:
        gateway.delete_group("rsp-1")
    deletes = transport.actions.count("DeleteMasterSlaveServerGroup")
    assert 20 <= deletes <= 40, f"{deletes} deletes in a 300 s budget"
    assert min(slept) >= 0.75 and max(slept) <= 10
    assert sum(slept) <= 300 - 2, "time is kept back to name the listeners"
    assert info.value.code == "RspoolVipExist" and info.value.attempts == deletes


@pytest.mark.parametrize("code", ["Throttling", "Throttling.User", "Rejected.Throttling", "Throttling.Api"])
def test_every_throttling_code_is_retried(code: str) -> None:
    calls: list[str] = []

    def script(action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        calls.append(action)
        servers = {"MasterSlaveBackendServer": [{"ServerId": "i-1", "Port": 80, "ServerType": "Master"},
                                                {"ServerId": "i-2", "Port": 80, "ServerType": "Slave"}]}
        return api_error(code) if len(calls) < 4 else (200, {"RequestId": "R", "MasterSlaveServerGroupId": "rsp-1",
                                                             "MasterSlaveServerGroupName": "g",
                                                             "MasterSlaveBackendServers": servers})

    gateway, transport, _ = gateway_with(script)
    assert gateway.describe_group("rsp-1").id == "rsp-1"
    assert len(transport.actions) == 4


def test_a_load_balancer_not_found_names_the_region_asked_and_region_id() -> None:
    gateway, _, _ = gateway_with(lambda a, p: api_error("InvalidParameter", "The specified LoadBalancerId does not exist."))
    with pytest.raises(SlbApiError) as info:
        gateway.list_groups("lb-elsewhere")
    text = str(info.value)
    assert text.startswith("SLB DescribeMasterSlaveServerGroups failed for load balancer lb-elsewhere in cn-hangzhou: ")
    assert "Load balancer lb-elsewhere was not found in cn-hangzhou" in text and "region_id" in text
    assert not info.value.not_found, "an InvalidParameter about the load balancer never means the group is gone"


def test_a_tag_update_on_a_group_deleted_outside_says_refresh() -> None:
    gateway, _, _ = gateway_with(lambda a, p: api_error("InvalidResourceId.NotFound", "The specified resource is not found."))
    with pytest.raises(SlbApiError) as info:
        gateway.tag_group("rsp-1", {"env": "prod"})
    first, second = str(info.value).split("\n")
    assert first == ("SLB TagResources failed for group rsp-1 in cn-hangzhou: InvalidResourceId.NotFound: "
                     "The specified resource is not found (RequestId REQ-1, HTTP 400).")
    assert "pulumi refresh" in second


def test_a_create_that_may_have_been_applied_is_raised_at_once_never_sent_again() -> None:
    """The API takes no client token: only the caller, which can look the group up, may send
    a create again (ownership/create.py settles it first); the gateway re-sends only what certainly
    was not applied."""
    sent: dict[str, str] = {}

    def script(action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        sent.update(params)
        return api_error("ServiceUnavailable", "try later", status=503)  # applied, answer lost

    gateway, transport, _ = gateway_with(script)
    spec = GroupSpec.from_props({"load_balancer_id": "lb-1", "name": "g", "servers": [
        {"server_id": "i-1", "port": 80}, {"server_id": "i-2", "port": "80", "server_type": "Slave", "weight": 50.0}]},
        "cn-hangzhou")
    with pytest.raises(SlbApiError) as info:
        gateway.create_group(spec, {OWNER_TAG_KEY: "urn:x"})
    assert info.value.may_have_applied and info.value.code == "ServiceUnavailable"
    assert transport.actions == ["CreateMasterSlaveServerGroup"]
    assert sent["Tag.1.Key"] == OWNER_TAG_KEY
    assert json.loads(sent["MasterSlaveBackendServers"]) == [
        {"ServerId": "i-1", "Port": "80", "Weight": "100", "ServerType": "Master", "Type": "ecs"},
        {"ServerId": "i-2", "Port": "80", "Weight": "50", "ServerType": "Slave", "Type": "ecs"}]


def test_a_create_refused_before_it_applied_is_retried_by_the_gateway() -> None:
    answers = iter([api_error("Throttling.User", "slow down"), (200, {"RequestId": "R", "MasterSlaveServerGroupId": "rsp-1"})])
    gateway, transport, _ = gateway_with(lambda a, p: next(answers))
    spec = GroupSpec.from_props({"load_balancer_id": "lb-1", "name": "g", "servers": [
        {"server_id": "i-1", "port": 80}, {"server_id": "i-2", "port": 80, "server_type": "Slave"}]}, "cn-hangzhou")
    assert gateway.create_group(spec, {}) == "rsp-1"
    assert transport.actions == ["CreateMasterSlaveServerGroup"] * 2


def test_live_groups_come_from_either_nesting() -> None:
    servers = [{"ServerId": "i-1", "Port": 80, "Weight": 100, "ServerType": "Master"},
               {"ServerId": "i-2", "Port": "80", "ServerType": "Slave", "Type": "eni", "ServerIp": "10.0.0.2"}]
    for nesting in ({"MasterSlaveBackendServer": servers}, {"MasterSlaveBackendServers": servers}, servers):
        live = live_group_from_api({"MasterSlaveServerGroupId": "rsp-1", "LoadBalancerId": "lb-1",
                                    "MasterSlaveBackendServers": nesting, "Tags": {"Tag": {"TagKey": "a", "TagValue": "b"}}})
        assert [s.key for s in live.servers] == [("i-1", 80), ("i-2", 80)]
        assert live.servers[1] == BackendServer("i-2", 80, 100, "Slave", "eni", None, "10.0.0.2")
        assert live.tags == {"a": "b"} and live.load_balancer_id == "lb-1"
    assert live_group_from_api({"MasterSlaveServerGroupId": "rsp-1"}).tags is None


def _listing(*ids: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    groups = [{"MasterSlaveServerGroupId": group_id} for group_id in ids]
    return 200, {"RequestId": "R", "MasterSlaveServerGroups": {"MasterSlaveServerGroup": groups}, **extra}


def test_the_listing_follows_every_page_by_page_number_and_stops_on_a_repeated_token() -> None:
    sent: list[dict[str, str]] = []

    def by_page(action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        sent.append(params)
        page = int(params.get("PageNumber", "1"))
        return _listing(f"rsp-{2 * page - 1}", f"rsp-{2 * page}", TotalCount=5, PageSize=2) if page < 3 \
            else _listing("rsp-5", TotalCount=5, PageSize=2)

    gateway, _, _ = gateway_with(by_page)
    assert [g.id for g in gateway.list_groups("lb-1", include_listener=True)] == [f"rsp-{n}" for n in range(1, 6)]
    assert [p.get("PageNumber") for p in sent] == [None, "2", "3"]
    assert all(p["IncludeListener"] == "true" for p in sent), "every page asks the same question"

    gateway, transport, _ = gateway_with(lambda a, p: _listing("rsp-1", NextToken="same"))
    assert [g.id for g in gateway.list_groups("lb-1")] == ["rsp-1", "rsp-1"]  # what the two pages said
    assert len(transport.actions) == 2, "a token seen before ends the listing instead of looping"
