"""API rules closer to the documented API: tags, server descriptions, listener
parameters, load balancer attributes (seed and admin API), through the SDK over HTTP."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkslb.request.v20140515 import (
    CreateLoadBalancerTCPListenerRequest,
    CreateMasterSlaveServerGroupRequest,
    DescribeMasterSlaveServerGroupsRequest,
    ListTagResourcesRequest,
    TagResourcesRequest,
    UntagResourcesRequest,
)

from harness.emulator_process import EmulatorProcess, raw_call, signed_params

from .emulator_sdk import LB, call, describe_lb


def fails(code: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> ServerException:
    with pytest.raises(ServerException) as info:
        fn(*args, **kwargs)
    assert info.value.error_code == code, info.value.message
    return info.value


def create(client: Any, tags: dict[str, str] | None = None, description: str | None = None,
           port: int | str = 80, weight: int | str | None = None) -> Any:
    servers: list[dict[str, Any]] = [{"ServerId": "i-demo-web-1", "Port": port, "ServerType": "Master"},
               {"ServerId": "i-demo-web-2", "Port": port, "ServerType": "Slave"}]
    for s in servers:
        if description is not None:
            s["Description"] = description
        if weight is not None:
            s["Weight"] = weight
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(LB)
    r.set_MasterSlaveBackendServers(json.dumps(servers))
    if tags:
        r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)


def tag(client: Any, ids: list[str], tags: dict[str, str]) -> Any:
    r = TagResourcesRequest.TagResourcesRequest()
    r.set_ResourceType("masterslaveservergroup")
    r.set_ResourceIds(ids)
    r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)


def list_tags(client: Any, ids: list[str] | None = None, tags: dict[str, str] | None = None,
              next_token: str | None = None, max_result: int | None = None) -> Any:
    params = {"ResourceType": "masterslaveservergroup"}
    for n, rid in enumerate(ids or [], 1):
        params["ResourceId.%d" % n] = rid
    for n, (k, v) in enumerate((tags or {}).items(), 1):
        params["Tag.%d.Key" % n] = k
        params["Tag.%d.Value" % n] = v
    if next_token:
        params["NextToken"] = next_token
    if max_result:
        params["MaxResult"] = str(max_result)
    r = ListTagResourcesRequest.ListTagResourcesRequest()
    for k, v in params.items():
        r.add_query_param(k, v)
    return call(client, r)


# --- tags --------------------------------------------------------------------------

def test_tag_values_must_not_start_with_aliyun_or_acs(client):
    for bad in ("aliyun-x", "acs:thing", "see http://x"):
        fails("InvalidTagValue", create, client, tags={"k": bad})
    gid = create(client)["MasterSlaveServerGroupId"]
    fails("InvalidTagValue", tag, client, [gid], {"k": "acs:x"})
    # The provider's ownership tag: a key prefix slb-master-slave: is an ordinary key.
    tag(client, [gid], {"slb-master-slave:owner": "proj/stack/res"})
    r = DescribeMasterSlaveServerGroupsRequest.DescribeMasterSlaveServerGroupsRequest()
    r.set_LoadBalancerId(LB)
    r.set_Tags([{"Key": "slb-master-slave:owner", "Value": "proj/stack/res"}])
    found = call(client, r)["MasterSlaveServerGroups"]["MasterSlaveServerGroup"]
    assert [g["MasterSlaveServerGroupId"] for g in found] == [gid]


def test_at_most_20_resource_ids(client):
    gid = create(client)["MasterSlaveServerGroupId"]
    ids = [gid] + ["rsp-x%02d" % n for n in range(20)]
    err = fails("InvalidParameter", tag, client, ids, {"k": "v"})
    assert "20" in err.message
    fails("InvalidParameter", list_tags, client, ids)


def test_list_tag_resources_needs_ids_or_tags_and_pages(client):
    err = fails("MissingParameter", list_tags, client)
    assert "ResourceId.N" in err.message and "Tag.N" in err.message
    gids = [create(client, tags={"owner": "me", "n": str(i)})["MasterSlaveServerGroupId"]
            for i in range(3)]
    seen, token, pages = [], None, 0
    while True:
        page = list_tags(client, tags={"owner": "me"}, next_token=token, max_result=4)
        rows = page["TagResources"]["TagResource"]
        assert len(rows) <= 4
        seen += [(r["ResourceId"], r["TagKey"]) for r in rows]
        pages += 1
        token = page["NextToken"]
        if not token:
            break
    assert pages == 2 and len(seen) == 6 and {g for g, _ in seen} == set(gids)
    fails("InvalidParameter", list_tags, client, tags={"owner": "me"}, next_token="garbage")


def test_untag_all_applies_only_without_tag_keys(client):
    gid = create(client, tags={"a": "1", "b": "2"})["MasterSlaveServerGroupId"]

    def untag(keys: list[str] | None, all_: bool) -> Any:
        r = UntagResourcesRequest.UntagResourcesRequest()
        r.set_ResourceType("masterslaveservergroup")
        r.set_ResourceIds([gid])
        if keys:
            r.set_TagKeys(keys)
        r.set_All(all_)
        return call(client, r)

    untag(["a"], True)  # All is ignored: only a goes
    assert {r["TagKey"] for r in list_tags(client, [gid])["TagResources"]["TagResource"]} == {"b"}
    untag(None, True)
    assert list_tags(client, [gid])["TagResources"]["TagResource"] == []


# --- servers ----------------------------------------------------------------------

def test_server_description_rule(client, emu):
    gid = create(client, description="web-1/a.b_c中文")["MasterSlaveServerGroupId"]
    assert emu.state()["groups"][0]["servers"][0]["Description"] == "web-1/a.b_c中文"
    for bad in ("has space", "x" * 81, "semi;colon", "<b>"):
        err = fails("InvalidParameter", create, client, description=bad)
        assert "Description" in err.message
    assert [g["id"] for g in emu.state()["groups"]] == [gid]


def test_ports_and_weights_as_decimal_strings(client, emu):
    out = create(client, port="8080", weight="50")
    assert [(s["Port"], s["Weight"]) for s in
            out["MasterSlaveBackendServers"]["MasterSlaveBackendServer"]] == [(8080, 50)] * 2
    fails("RealServerPortNotSupport", create, client, port="80.0")


# --- listeners ----------------------------------------------------------------------

def listener(client: Any, port: int, bandwidth: int | None = None, backend_port: int | None = None,
             group_id: str | None = None) -> Any:
    r = CreateLoadBalancerTCPListenerRequest.CreateLoadBalancerTCPListenerRequest()
    r.set_LoadBalancerId(LB)
    r.set_ListenerPort(port)
    if bandwidth is not None:
        r.set_Bandwidth(bandwidth)
    if backend_port is not None:
        r.set_BackendServerPort(backend_port)
    if group_id is not None:
        r.set_MasterSlaveServerGroupId(group_id)
    return call(client, r)


def test_listener_parameters_as_in_the_sdk_models(client):
    for bad in (0, 5121, -2):
        fails("InvalidParameter", listener, client, 81, bandwidth=bad, backend_port=80)
    fails("MissingParameter", listener, client, 81, backend_port=80)  # Bandwidth required
    err = fails("MissingParameter", listener, client, 81, bandwidth=-1)
    assert "BackendServerPort" in err.message
    listener(client, 81, bandwidth=5120, backend_port=80)
    gid = create(client)["MasterSlaveServerGroupId"]
    listener(client, 82, bandwidth=1, group_id=gid)  # no BackendServerPort with a group


# --- load balancers -----------------------------------------------------------------

def test_describe_load_balancer_attribute_fields(client):
    lb = describe_lb(client)
    assert {k: lb[k] for k in ("LoadBalancerId", "RegionId", "LoadBalancerStatus",
                               "AddressType", "LoadBalancerSpec", "DeleteProtection")} == {
        "LoadBalancerId": LB, "RegionId": "cn-hangzhou", "LoadBalancerStatus": "active",
        "AddressType": "internet", "LoadBalancerSpec": "slb.s1.small",
        "DeleteProtection": "off"}


def test_seed_sets_status_spec_and_delete_protection(tmp_path):
    seed = {"accounts": [{"access_key_id": "k", "access_key_secret": "s"}],
            "load_balancers": [
                {"load_balancer_id": "lb-locked", "region_id": "cn-hangzhou",
                 "delete_protection": "on", "status": "locked", "spec": "slb.s3.large",
                 "address_type": "intranet"},
                {"load_balancer_id": "lb-plain", "region_id": "cn-hangzhou"}],
            "backend_servers": []}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess(seed=path) as emu:
        c = emu.sdk_client("k", "s")
        lb = describe_lb(c, "lb-locked")
        assert (lb["DeleteProtection"], lb["LoadBalancerStatus"], lb["LoadBalancerSpec"],
                lb["AddressType"]) == ("on", "locked", "slb.s3.large", "intranet")
        plain = describe_lb(c, "lb-plain")
        assert (plain["DeleteProtection"], plain["LoadBalancerStatus"]) == ("off", "active")
    bad = dict(seed, load_balancers=[{"load_balancer_id": "x", "region_id": "r",
                                      "status": "sleeping"}])
    path.write_text(json.dumps(bad))
    with pytest.raises(RuntimeError, match="status must be one of"):
        EmulatorProcess(seed=path).start()


def test_admin_api_adds_protects_and_deletes_load_balancers(client, emu):
    emu._admin("POST", "/load_balancers", {"load_balancer_id": "lb-new",
                                            "region_id": "cn-hangzhou", "status": "inactive"})
    assert describe_lb(client, "lb-new")["LoadBalancerStatus"] == "inactive"
    emu._admin("PATCH", "/load_balancers/lb-new", {"delete_protection": "on"})
    assert describe_lb(client, "lb-new")["DeleteProtection"] == "on"
    with pytest.raises(RuntimeError, match="400"):
        emu._admin("POST", "/load_balancers", {"load_balancer_id": "lb-bad"})
    # Deleting a load balancer takes its groups and listeners with it (what a refresh sees).
    gid = create(client)["MasterSlaveServerGroupId"]
    listener(client, 80, bandwidth=-1, group_id=gid)
    emu._admin("DELETE", "/load_balancers/" + LB)
    fails("InvalidLoadBalancerId.NotFound", describe_lb, client)
    assert emu.state() == {"groups": [], "listeners": []}
    ids = [lb["load_balancer_id"] for lb in emu._admin("GET", "/load_balancers")["load_balancers"]]
    assert LB not in ids and "lb-new" in ids
    with pytest.raises(RuntimeError, match="404"):
        emu._admin("DELETE", "/load_balancers/" + LB)
    emu.reset()  # the seed comes back
    assert describe_lb(client)["LoadBalancerId"] == LB


def test_admin_api_sets_a_groups_create_time(client, emu):
    """What decides by age (the audit's window) is tested with a group made long ago."""
    gid = create(client)["MasterSlaveServerGroupId"]
    emu._admin("PATCH", "/groups/" + gid, {"create_time": "2026-01-02T03:04:05Z"})
    r = DescribeMasterSlaveServerGroupsRequest.DescribeMasterSlaveServerGroupsRequest()
    r.set_LoadBalancerId(LB)
    [listed] = call(client, r)["MasterSlaveServerGroups"]["MasterSlaveServerGroup"]
    assert listed["CreateTime"] == "2026-01-02T03:04:05Z"
    emu.set_create_time(gid, 3600)
    created = calendar.timegm(time.strptime(emu.groups_by_id()[gid]["create_time"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(time.time() - created - 3600) < 5
    for bad in ({"create_time": "yesterday"}, {"create_time": 5}, {}):
        with pytest.raises(RuntimeError, match="400"):
            emu._admin("PATCH", "/groups/" + gid, bad)
    with pytest.raises(RuntimeError, match="404"):
        emu._admin("PATCH", "/groups/rsp-nosuchgroup", {"create_time": "2026-01-02T03:04:05Z"})


def test_raw_ports_as_json_numbers_or_strings(emu):
    for port in (80, "80"):
        text = json.dumps([{"ServerId": "i-demo-web-1", "Port": port, "ServerType": "Master"},
                           {"ServerId": "i-demo-web-2", "Port": port, "ServerType": "Slave"}])
        status, body = raw_call(emu.url, query=signed_params(
            "CreateMasterSlaveServerGroup", {"LoadBalancerId": LB,
                                             "MasterSlaveBackendServers": text}))
        assert status == 200, body


def test_listener_refuses_both_group_kinds(emu):
    status, body = raw_call(emu.url, query=signed_params("CreateLoadBalancerTCPListener", {
        "LoadBalancerId": LB, "ListenerPort": "90", "Bandwidth": "-1",
        "MasterSlaveServerGroupId": "rsp-x", "VServerGroupId": "rsg-x"}))
    assert (status, body["Code"]) == (400, "InvalidParameter") and "both" in body["Message"]


def test_provider_reads_servers_per_group_when_the_list_has_none(emu):
    """List items carry no servers (as the real API): taking over what a killed create left
    needs the provider's per-group Attribute read of the groups carrying that create's exact
    pending value (the journal names it), which this exercises against the real answer shape."""
    from slb_master_slave.ownership import journal
    from slb_master_slave.ownership.tag import OWNER_TAG_KEY, pending_value
    from slb_master_slave.provider import MasterSlaveServerGroupProvider

    from harness.makers import gone_maker_token

    provider = MasterSlaveServerGroupProvider()
    provider._config = {"alicloud:accessKey": "emulator-demo-key",
                        "alicloud:secretKey": "emulator-demo-secret",
                        "alicloud:region": "cn-hangzhou",
                        "slb-master-slave:endpoint": emu.url,
                        "slb-master-slave:timeoutSeconds": "8"}
    owner = "urn:pulumi:dev::p::pulumi-python:dynamic/slb:MasterSlaveServerGroup::web"
    props = {"load_balancer_id": LB, "name": "web",
             "servers": [{"server_id": "i-demo-web-1", "port": 80},
                         {"server_id": "i-demo-web-2", "port": "80", "server_type": "Slave"}],
             "tags": {"k%d" % i: "v" for i in range(19)}, "owner": owner}
    checked = provider.check({}, props)
    assert checked.failures == []
    left = pending_value(owner, gone_maker_token())  # a create whose provider process was killed
    servers = [{"ServerId": "i-demo-web-1", "Port": "80", "ServerType": "Master"},
               {"ServerId": "i-demo-web-2", "Port": "80", "ServerType": "Slave"}]
    made = emu.call("CreateMasterSlaveServerGroup", LoadBalancerId=LB, MasterSlaveServerGroupName="web",
                    MasterSlaveBackendServers=json.dumps(servers), **{"Tag.1.Key": OWNER_TAG_KEY, "Tag.1.Value": left})
    journal.record(journal.UnfinishedCreate(left, journal.Place.of(LB, "cn-hangzhou", emu.url, "emulator-demo-key"),
                                            started=0.0 + time.time()))
    emu.clear_requests()
    result = provider.create(checked.inputs)
    assert result.id == made["MasterSlaveServerGroupId"], "taken over, not made twice"
    assert emu.actions()[:2] == ["DescribeMasterSlaveServerGroups", "DescribeMasterSlaveServerGroupAttribute"]
    assert [g["id"] for g in emu.state()["groups"]] == [result.id]