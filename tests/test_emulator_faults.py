"""Injected faults and the admin API."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkslb.request.v20140515 import (
    CreateMasterSlaveServerGroupRequest,
)

from harness.waiting import wait_for

from .emulator_sdk import LB, describe_lb
from .held_requests import wait_until_held

SERVERS = json.dumps([{"ServerId": "i-demo-web-1", "Port": 80},
                      {"ServerId": "i-demo-web-2", "Port": 80, "ServerType": "Slave"}])


def create(client: Any) -> Any:
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(LB)
    r.set_MasterSlaveBackendServers(SERVERS)
    return json.loads(client.do_action_with_exception(r))


def outcome(fn: Callable[..., Any], *args: Any) -> str:
    """"ok", or the error code the call failed with."""
    try:
        fn(*args)
        return "ok"
    except ServerException as e:
        return str(e.error_code)


def test_latency(emu, client):
    emu.add_fault(kind="latency", seconds=0.3, count=1)
    started = time.monotonic()
    describe_lb(client)
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    describe_lb(client)
    assert time.monotonic() - started < 0.25
    assert [r["fault"] for r in emu.requests()] == ["latency", None]


def test_quota_throttles_and_does_not_apply(emu, client):
    emu.add_fault(kind="quota", rps=3)
    results = [outcome(create, client) for _ in range(8)]
    assert results.count("ok") == 3
    assert set(results) == {"ok", "Throttling.User"}
    assert len(emu.state()["groups"]) == 3
    throttled = [r for r in emu.requests() if r["code"] == "Throttling.User"]
    assert throttled and all(r["status"] == 400 and r["fault"] == "quota" for r in throttled)
    time.sleep(1.05)  # the quota's one-second window passing is the behaviour under test
    assert outcome(create, client) == "ok"


def test_quota_message(emu, client):
    emu.add_fault(kind="quota", rps=0)
    with pytest.raises(ServerException) as info:
        describe_lb(client)
    assert info.value.message == "Request was denied due to user flow control."
    assert info.value.http_status == 400


def test_error_with_count(emu, client):
    emu.add_fault(kind="error", code="ServiceUnavailable", status=503,
                  message="The request has failed due to a temporary failure of the server.",
                  count=2, action="CreateMasterSlaveServerGroup")
    with pytest.raises(ServerException) as info:
        create(client)
    assert (info.value.error_code, info.value.http_status) == ("ServiceUnavailable", 503)
    assert outcome(create, client) == "ServiceUnavailable"
    assert outcome(describe_lb, client) == "ok"  # other actions are untouched
    assert outcome(create, client) == "ok"
    assert len(emu.state()["groups"]) == 1


def test_every_second_call(emu, client):
    emu.add_fault(kind="error", code="SystemBusy", status=400, every=2)
    assert [outcome(describe_lb, client) for _ in range(6)] == ["ok", "SystemBusy"] * 3


def test_drop_before_applies_nothing(emu, client):
    emu.add_fault(kind="drop_before", count=1)
    started = time.monotonic()
    with pytest.raises(ClientException) as info:
        create(client)
    assert info.value.error_code == "SDK.HttpError"
    assert time.monotonic() - started < 3
    assert emu.state()["groups"] == []
    assert emu.requests()[-1]["fault"] == "drop_before"
    assert outcome(create, client) == "ok"


def test_drop_after_applies_then_loses_the_response(emu, client):
    emu.add_fault(kind="drop_after", action="CreateMasterSlaveServerGroup", count=1)
    with pytest.raises(ClientException) as info:
        create(client)
    assert info.value.error_code == "SDK.HttpError"
    assert len(emu.state()["groups"]) == 1
    last = emu.requests()[-1]
    assert (last["status"], last["fault"]) == (200, "drop_after")
    assert outcome(create, client) == "ok"
    assert len(emu.state()["groups"]) == 2


def test_hold_after_applies_then_holds_the_answer(emu, client):
    """The window the real-engine tests kill a provider in: the group exists while the
    client still waits, the answer then arrives (and only then is the call logged)."""
    emu.add_fault(kind="hold_after", action="CreateMasterSlaveServerGroup", seconds=3, count=1)
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(create(client)))
    waiting.start()
    try:
        wait_for(lambda: emu.state()["groups"], timeout=10)
        [group] = emu.state()["groups"]
        assert answers == [] and "CreateMasterSlaveServerGroup" not in emu.actions(), "answered before the hold"
    finally:
        waiting.join(15)
    assert [a["MasterSlaveServerGroupId"] for a in answers] == [group["id"]]
    assert emu.requests()[-1]["fault"] == "hold_after"


def test_fault_admin(emu, client):
    a = emu.add_fault(kind="latency", seconds=0.01)
    b = emu.add_fault(kind="error", code="InternalError", status=500)
    assert [f["id"] for f in emu.faults()] == [a, b]
    assert outcome(describe_lb, client) == "InternalError"
    emu.remove_fault(b)
    assert outcome(describe_lb, client) == "ok"
    emu.clear_faults()
    assert emu.faults() == []
    with pytest.raises(RuntimeError, match="400"):
        emu.add_fault(kind="meteor")
    with pytest.raises(RuntimeError, match="400"):
        emu.add_fault(kind="quota")
    with pytest.raises(RuntimeError, match="404"):
        emu.remove_fault("fault-nope")


def test_reset_clears_everything(emu, client):
    create(client)
    emu.add_fault(kind="latency", seconds=0.01)
    emu.reset()
    assert emu.state() == {"groups": [], "listeners": []}
    assert emu.faults() == [] and emu.requests() == []


def test_request_log(emu, client):
    create(client)
    describe_lb(client)
    assert emu.actions() == ["CreateMasterSlaveServerGroup", "DescribeLoadBalancerAttribute"]
    first = emu.requests()[0]
    assert set(first) == {"seq", "time", "action", "params", "status", "code", "fault",
                          "signature", "latency_ms"}
    assert first["signature"] == "v1" and first["latency_ms"] >= 0
    assert first["params"]["LoadBalancerId"] == LB and "Signature" not in first["params"]
    assert (first["status"], first["code"], first["fault"]) == (200, None, None)
    emu.clear_requests()
    assert emu.requests() == []
    emu.health()  # admin calls are not logged
    emu.state()
    assert emu.requests() == []


def test_admin_unknown_path_and_method(emu):
    for method, path, status in (("GET", "/nope", 404), ("PUT", "/state", 405),
                                 ("POST", "/faults", 400)):
        request = urllib.request.Request(emu.url + "/_emulator" + path, method=method,
                                         data=b"not json" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5)
        assert info.value.code == status
        json.loads(info.value.read())


def test_latency_does_not_block_other_requests(emu):
    emu.add_fault(kind="latency", seconds=0.5, action="CreateMasterSlaveServerGroup")
    slow = threading.Thread(target=create, args=(emu.sdk_client(),))
    slow.start()
    wait_until_held(emu)  # the create is being held at the API
    started = time.monotonic()
    describe_lb(emu.sdk_client())
    assert time.monotonic() - started < 0.4
    slow.join()
