"""The provider's methods against the emulator, through the official SDK over real HTTP.

Each test gets the module's emulator reset (conftest `emu`) and a fresh provider
configured as the engine would configure it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from slb_master_slave.ownership import maker
from slb_master_slave.ownership.tag import OWNER_TAG_KEY as IDEMPOTENCY_TAG_KEY
from slb_master_slave.ownership.tag import pending_value
from slb_master_slave.provider import MasterSlaveServerGroupProvider, ProviderError

from harness.emulator_process import EmulatorProcess

DEMO_KEY, DEMO_SECRET = "emulator-demo-key", "emulator-demo-secret"
DECLARED: dict[str, Any] = {
    "load_balancer_id": "lb-demo-hangzhou",
    "name": "web",
    "servers": [
        {"server_id": "i-demo-web-1", "port": 80},
        {"server_id": "i-demo-web-2", "port": "80", "server_type": "Slave"},
    ],
    "tags": {"env": "dev"},
    "owner": "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::web",
}


def configured(emu: EmulatorProcess, **overrides: Any) -> MasterSlaveServerGroupProvider:
    provider = MasterSlaveServerGroupProvider()
    provider._config = {
        "alicloud:accessKey": DEMO_KEY,
        "alicloud:secretKey": DEMO_SECRET,
        "alicloud:region": "cn-hangzhou",
        "slb-master-slave:endpoint": emu.url,
        "slb-master-slave:timeoutSeconds": "8",
        **overrides,
    }
    return provider


def checked(provider: MasterSlaveServerGroupProvider, props: dict[str, Any] | None = None) -> dict[str, Any]:
    result = provider.check({}, copy.deepcopy(props or DECLARED))
    assert result.failures == []
    return result.inputs


def create(provider: MasterSlaveServerGroupProvider, props: dict[str, Any] | None = None):
    return provider.create(checked(provider, props))


def test_create_is_a_create_and_its_completion_and_outputs_repeat_normalized_inputs(
        emu: EmulatorProcess) -> None:
    provider = configured(emu)
    result = create(provider)
    assert emu.actions() == ["CreateMasterSlaveServerGroup", "TagResources"], "two calls, one after the other"
    made, completed = (r["params"] for r in emu.requests())
    pending = pending_value(DECLARED["owner"], maker.this_process().token)
    assert {made[f"Tag.{n}.Key"]: made[f"Tag.{n}.Value"] for n in (1, 2)} == {IDEMPOTENCY_TAG_KEY: pending, "env": "dev"}
    assert (completed["Tag.1.Key"], completed["Tag.1.Value"]) == (IDEMPOTENCY_TAG_KEY, DECLARED["owner"])
    assert result.outs["owner_tag"] == DECLARED["owner"], "state records the exact value written"
    assert result.id.startswith("rsp-")
    assert result.outs["servers"][1] == {"server_id": "i-demo-web-2", "port": 80, "weight": 100,
                                         "server_type": "Slave", "type": "ecs"}
    assert result.outs["region_id"] == "cn-hangzhou"
    [group] = emu.state()["groups"]
    assert group["id"] == result.id and group["tags"]["env"] == "dev"
    assert group["tags"][IDEMPOTENCY_TAG_KEY] == DECLARED["owner"]
    sent = json.loads(emu.requests()[0]["params"]["MasterSlaveBackendServers"])
    # as the API reference writes it: ports and weights as decimal strings
    assert [s["Port"] for s in sent] == ["80", "80"] and [s["Weight"] for s in sent] == ["100", "100"]


def test_read_is_one_call_and_keeps_server_ip_from_state(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    props = copy.deepcopy(DECLARED)
    props["servers"][0] = {"server_id": "eni-demo-1", "port": 80, "type": "eni", "server_ip": "192.168.0.21"}
    created = create(provider, props)
    emu.clear_requests()
    read = provider.read(created.id, created.outs)
    assert read.outs is not None
    assert emu.actions() == ["DescribeMasterSlaveServerGroupAttribute"]
    assert read.id == created.id
    assert read.outs == created.outs
    assert read.inputs == {k: v for k, v in read.outs.items() if k != "owner_tag"}, "owner_tag is an output only"
    assert IDEMPOTENCY_TAG_KEY not in read.outs["tags"]


def test_read_of_a_deleted_group_returns_empty_id(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    created = create(provider)
    provider.delete(created.id, created.outs)
    assert provider.read(created.id, created.outs).id == ""


def test_other_invalid_parameter_on_read_is_an_error_not_gone(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    created = create(provider)
    emu.add_fault(kind="error", action="DescribeMasterSlaveServerGroupAttribute", code="InvalidParameter",
                  status=400, message="The specified parameter RegionId is not valid.", count=1)
    with pytest.raises(ProviderError, match="InvalidParameter: The specified parameter RegionId"):
        provider.read(created.id, created.outs)
    assert len(emu.state()["groups"]) == 1


@pytest.mark.parametrize("operation", ["read", "delete"])
def test_a_group_whose_load_balancer_is_gone_is_gone_too(emu: EmulatorProcess, operation: str) -> None:
    provider = configured(emu)
    created = create(provider)
    action = "DescribeMasterSlaveServerGroupAttribute" if operation == "read" else "DeleteMasterSlaveServerGroup"
    emu.add_fault(kind="error", action=action, code="InvalidParameter", status=400,
                  message="The specified MasterSlaveGroupId does not exist.")
    emu.add_fault(kind="error", action="DescribeMasterSlaveServerGroups", code="InvalidLoadBalancerId.NotFound",
                  status=404, message="The specified LoadBalancerId does not exist.")
    if operation == "read":
        assert provider.read(created.id, created.outs).id == "", "dropped from state: its load balancer is gone"
    else:
        provider.delete(created.id, created.outs)  # succeeds: nothing is left to delete
    assert "DescribeMasterSlaveServerGroups" in emu.actions(), "the listing is what confirms it"


def _create_left_pending(emu: EmulatorProcess, provider: MasterSlaveServerGroupProvider,
                         props: dict[str, Any] | None = None) -> str:
    """A create whose last call (completing its ownership tag) fails and whose clean-up delete
    fails too, as when its process dies right after the group was made: the group exists,
    pending, and no state holds its id."""
    before = {str(g["id"]) for g in emu.state()["groups"]}
    for action in ("TagResources", "DeleteMasterSlaveServerGroup"):
        emu.add_fault(kind="error", action=action, code="Forbidden.RAM", status=403,
                      message="User not authorized to operate on the specified resource.", count=1)
    with pytest.raises(ProviderError):
        create(provider, props)
    [left] = {str(g["id"]) for g in emu.state()["groups"]} - before
    emu.clear_requests()
    return left


def _servers_of(group: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((s["ServerId"], str(s["Port"])) for s in group["servers"])


def test_a_group_an_interrupted_create_left_is_taken_over_by_the_next_create_of_that_declaration(
        emu: EmulatorProcess) -> None:
    provider = configured(emu)
    left = _create_left_pending(emu, provider)
    result = create(provider)
    assert result.id == left, "taken over, not made a second time"
    assert "CreateMasterSlaveServerGroup" not in emu.actions()
    assert [g["id"] for g in emu.state()["groups"]] == [left]


def test_a_group_an_interrupted_create_left_is_deleted_when_the_declaration_changed(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    left = _create_left_pending(emu, provider)
    changed = copy.deepcopy(DECLARED)
    for server in changed["servers"]:
        server["port"] = 8080
    result = create(provider, changed)
    assert result.id != left, "a group that does not match the declaration is never taken over"
    [group] = emu.state()["groups"]
    assert group["id"] == result.id and _servers_of(group) == [("i-demo-web-1", "8080"), ("i-demo-web-2", "8080")]


def test_delete_also_removes_what_an_interrupted_replacement_create_left(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    kept = create(provider)
    changed = copy.deepcopy(DECLARED)
    changed["servers"][1]["server_id"] = "i-demo-web-3"
    _create_left_pending(emu, provider, changed)  # the replacement's create, whose answer the engine never got
    assert len(emu.state()["groups"]) == 2
    provider.delete(kept.id, kept.outs)  # destroy: the engine knows only the group it holds
    assert emu.state()["groups"] == [], "no orphan"


def test_update_changes_only_tags_in_at_most_two_calls(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    created = create(provider)
    emu.clear_requests()
    news = checked(provider, {**DECLARED, "tags": {"team": "web", "tier": "1"}})
    outs = provider.update(created.id, created.outs, news).outs
    assert outs is not None
    assert emu.actions() == ["UntagResources", "TagResources"]
    assert outs["tags"] == {"team": "web", "tier": "1"}
    tags = emu.state()["groups"][0]["tags"]
    assert {k: v for k, v in tags.items() if k != IDEMPOTENCY_TAG_KEY} == {"team": "web", "tier": "1"}


def test_delete_is_a_delete_and_a_look_up_and_already_gone_is_success(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    created = create(provider)
    emu.clear_requests()
    provider.delete(created.id, created.outs)
    # the look-up: groups an interrupted create of this resource left pending (none here)
    assert sorted(emu.actions()) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"]
    provider.delete(created.id, created.outs)
    assert emu.state()["groups"] == []


def test_delete_of_a_listener_held_group_names_the_listener(emu: EmulatorProcess) -> None:
    from aliyunsdkslb.request.v20140515.CreateLoadBalancerTCPListenerRequest import (
        CreateLoadBalancerTCPListenerRequest,
    )

    provider = configured(emu, **{"slb-master-slave:timeoutSeconds": "3"})
    created = create(provider)
    client = emu.sdk_client()
    request = CreateLoadBalancerTCPListenerRequest()
    request.set_LoadBalancerId("lb-demo-hangzhou")
    request.set_ListenerPort(80)
    request.set_Bandwidth(-1)
    request.set_MasterSlaveServerGroupId(created.id)
    _send(emu, client, request)
    with pytest.raises(ProviderError) as info:
        provider.delete(created.id, created.outs)
    message = str(info.value)
    assert "tcp:80" in message and "RspoolVipExist" in message and "Release it first" in message
    assert emu.actions().count("DeleteMasterSlaveServerGroup") >= 2, "RspoolVipExist is retried within the budget"
    assert len(emu.state()["groups"]) == 1


def _send(emu: EmulatorProcess, client: Any, request: Any) -> dict[str, Any]:
    from aliyunsdkcore.http import protocol_type

    request.set_endpoint(str(emu.url).split("://", 1)[1])
    request.set_protocol_type(protocol_type.HTTP)
    answer: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return answer


def test_throttling_is_retried_until_success(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    emu.add_fault(kind="error", action="CreateMasterSlaveServerGroup", code="Throttling.User", status=400,
                  message="Request was denied due to user flow control.", count=2)
    result = create(provider)
    assert emu.actions() == ["CreateMasterSlaveServerGroup"] * 3 + ["TagResources"]
    assert [g["id"] for g in emu.state()["groups"]] == [result.id]


def test_non_retryable_error_fails_at_once(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    props = copy.deepcopy(DECLARED)
    props["servers"][0]["server_id"] = "i-not-seeded"
    with pytest.raises(ProviderError) as info:
        create(provider, props)
    assert emu.actions() == ["CreateMasterSlaveServerGroup"]
    assert "Troubleshoot: https://api.aliyun.com/troubleshoot?q=" in str(info.value)
    assert "RequestId" in str(info.value)


@pytest.mark.parametrize("kind", ["drop_after", "drop_before"])
def test_lost_connection_on_create_leaves_exactly_one_group(emu: EmulatorProcess, kind: str) -> None:
    provider = configured(emu)
    emu.add_fault(kind=kind, action="CreateMasterSlaveServerGroup", count=1)
    result = create(provider)
    groups = emu.state()["groups"]
    assert [g["id"] for g in groups] == [result.id]
    assert "DescribeMasterSlaveServerGroups" in emu.actions(), "an unknown outcome is settled before re-sending"
    expected_creates = 1 if kind == "drop_after" else 2
    assert emu.actions().count("CreateMasterSlaveServerGroup") == expected_creates


def test_sts_credentials_are_accepted(emu: EmulatorProcess) -> None:
    provider = configured(emu, **{"alicloud:accessKey": "STS.emulator-demo", "alicloud:secretKey": "emulator-sts-secret",
                                  "alicloud:securityToken": "emulator-sts-token"})
    assert create(provider).id.startswith("rsp-")
    assert emu.requests()[0]["params"].get("SecurityToken") == "***"


def test_sdk_environment_override_cannot_hijack_credentials(emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "hijacker")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "hijacker-secret")
    provider = configured(emu)
    create(provider)
    assert emu.requests()[0]["params"]["AccessKeyId"] == DEMO_KEY


def test_secret_never_in_error_text(emu: EmulatorProcess) -> None:
    token = "emulator-sts-token"
    provider = configured(emu, **{"alicloud:accessKey": "STS.emulator-demo", "alicloud:secretKey": "wrong-secret-value",
                                  "alicloud:securityToken": token})
    with pytest.raises(ProviderError) as info:
        create(provider)
    text = str(info.value)
    assert "SignatureDoesNotMatch" in text or "InvalidAccessKeySecret" in text
    assert "wrong-secret-value" not in text and token not in text


def test_missing_credentials_name_both_ways(emu: EmulatorProcess) -> None:
    provider = configured(emu, **{"alicloud:accessKey": "", "alicloud:secretKey": ""})
    with pytest.raises(ProviderError) as info:
        provider.read("rsp-x", {})
    assert "alicloud:secretKey" in str(info.value) and "ALICLOUD_SECRET_KEY" in str(info.value)
    assert emu.actions() == []


def test_https_unless_the_endpoint_says_http(emu: EmulatorProcess) -> None:
    provider = configured(emu, **{"slb-master-slave:endpoint": str(emu.url).replace("http://", ""),
                                  "slb-master-slave:timeoutSeconds": "1"})
    with pytest.raises(ProviderError, match="TlsHandshakeFailed"):
        provider.read("rsp-x", {})
    assert emu.actions() == [], "a TLS handshake against the plain-http emulator never becomes a request"


def test_adoption_takes_over_a_matching_group_without_creating(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    existing = create(provider, {**DECLARED, "tags": {}, "owner": None})  # made outside any stack: no owner
    emu.clear_requests()
    adopted = create(provider, {**DECLARED, "adopt_id": existing.id})
    assert adopted.id == existing.id
    assert "CreateMasterSlaveServerGroup" not in emu.actions()
    assert len(emu.state()["groups"]) == 1
    assert {k: v for k, v in emu.state()["groups"][0]["tags"].items() if k != IDEMPOTENCY_TAG_KEY} == {"env": "dev"}


def test_adoption_of_a_mismatching_group_reports_every_difference(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    existing = create(provider, {**DECLARED, "owner": None})
    emu.clear_requests()
    declared = copy.deepcopy(DECLARED)
    declared.update(name="other", adopt_id=existing.id)
    declared["servers"][1]["port"] = 8080
    with pytest.raises(ProviderError) as info:
        create(provider, declared)
    text = str(info.value)
    assert "name: declared 'other'" in text
    assert "i-demo-web-2:8080 is declared but not in the group" in text
    assert "i-demo-web-2:80 is in the group but not declared" in text
    assert emu.actions() == ["DescribeMasterSlaveServerGroupAttribute"]


def test_adoption_of_a_missing_group_says_so(emu: EmulatorProcess) -> None:
    provider = configured(emu)
    with pytest.raises(ProviderError, match="adopt_id: group rsp-nothere does not exist"):
        create(provider, {**DECLARED, "adopt_id": "rsp-nothere"})
    assert emu.state()["groups"] == []
