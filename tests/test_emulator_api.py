"""The emulator's SLB actions and rules, driven through the official SDK over loopback."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkslb.request.v20140515 import (
    CreateLoadBalancerTCPListenerRequest,
    CreateLoadBalancerUDPListenerRequest,
    CreateMasterSlaveServerGroupRequest,
    DeleteLoadBalancerListenerRequest,
    DeleteMasterSlaveServerGroupRequest,
    DescribeLoadBalancerAttributeRequest,
    DescribeMasterSlaveServerGroupAttributeRequest,
    DescribeMasterSlaveServerGroupsRequest,
    ListTagResourcesRequest,
    SetLoadBalancerTCPListenerAttributeRequest,
    TagResourcesRequest,
    UntagResourcesRequest,
)

from harness.emulator_process import EmulatorProcess, raw_call, signed_params

from .emulator_sdk import LB, call

NOT_FOUND = "The specified MasterSlaveGroupId does not exist."


def servers(master: str = "i-demo-web-1", slave: str = "i-demo-web-2", **extra: Any) -> list[dict[str, Any]]:
    return [dict({"ServerId": master, "Port": 80, "ServerType": "Master"}, **extra),
            dict({"ServerId": slave, "Port": 80, "ServerType": "Slave"}, **extra)]


def create(client: Any, server_list: list[dict[str, Any]] | None = None, lb: str = LB, name: str | None = None,
           tags: dict[str, str] | None = None, raw: str | None = None) -> Any:
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(lb)
    r.set_MasterSlaveBackendServers(raw if raw is not None else json.dumps(
        server_list if server_list is not None else servers()))
    if name is not None:
        r.set_MasterSlaveServerGroupName(name)
    if tags:
        r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)


def describe(client: Any, group_id: str) -> Any:
    r = DescribeMasterSlaveServerGroupAttributeRequest.DescribeMasterSlaveServerGroupAttributeRequest()
    r.set_MasterSlaveServerGroupId(group_id)
    return call(client, r)


def delete(client: Any, group_id: str) -> Any:
    r = DeleteMasterSlaveServerGroupRequest.DeleteMasterSlaveServerGroupRequest()
    r.set_MasterSlaveServerGroupId(group_id)
    return call(client, r)


def list_groups(client: Any, lb: str = LB, include_listener: bool | None = None,
                tags: dict[str, str] | None = None) -> Any:
    r = DescribeMasterSlaveServerGroupsRequest.DescribeMasterSlaveServerGroupsRequest()
    r.set_LoadBalancerId(lb)
    if include_listener is not None:
        r.set_IncludeListener(include_listener)
    if tags:
        r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)["MasterSlaveServerGroups"]["MasterSlaveServerGroup"]


def fails(code: str, fn: Callable[..., Any], *args: Any, status: int = 400, **kwargs: Any) -> ServerException:
    with pytest.raises(ServerException) as info:
        fn(*args, **kwargs)
    assert info.value.error_code == code, info.value
    assert info.value.http_status == status
    return info.value


# --- create -------------------------------------------------------------------------

def test_create_strict_json_and_describe(client, emu):
    out = create(client, servers(Weight=50, ServerIp="192.168.0.11", Description="web"),
                 name="Group1")
    gid = out["MasterSlaveServerGroupId"]
    assert gid.startswith("rsp-") and len(gid) == 14
    assert gid[4:].isalnum() and gid[4:] == gid[4:].lower()
    assert out["RequestId"]
    assert out["MasterSlaveBackendServers"]["MasterSlaveBackendServer"] == [
        {"ServerId": "i-demo-web-1", "Port": 80, "Weight": 50, "ServerType": "Master",
         "Type": "ecs", "Description": "web"},
        {"ServerId": "i-demo-web-2", "Port": 80, "Weight": 50, "ServerType": "Slave",
         "Type": "ecs", "Description": "web"}]
    got = describe(client, gid)
    assert got["MasterSlaveServerGroupName"] == "Group1"
    assert got["LoadBalancerId"] == LB
    assert got["MasterSlaveBackendServers"] == out["MasterSlaveBackendServers"]
    assert "ServerIp" not in json.dumps(got)
    state = emu.state()
    assert state["groups"][0]["servers"][0]["ServerIp"] == "192.168.0.11"
    assert state["groups"][0]["region_id"] == "cn-hangzhou"


def test_create_pseudo_json_with_string_numbers_and_defaults(client):
    raw = ("[{'ServerId':'i-demo-web-2','Port':'8080','Weight':'0','ServerType':'Slave'},"
           "{'ServerId':'i-demo-web-1','Port':'8080'}]")
    out = create(client, raw=raw)
    got = out["MasterSlaveBackendServers"]["MasterSlaveBackendServer"]
    # Master first, defaults filled (Weight 100, ServerType Master, Type ecs).
    assert [(s["ServerId"], s["Port"], s["Weight"], s["ServerType"], s["Type"])
            for s in got] == [("i-demo-web-1", 8080, 100, "Master", "ecs"),
                              ("i-demo-web-2", 8080, 0, "Slave", "ecs")]


def test_create_eni_and_eci_servers(client):
    out = create(client, [
        {"ServerId": "eni-demo-1", "Port": 80, "Type": "eni"},
        {"ServerId": "eci-demo-1", "Port": 80, "Type": "eci", "ServerType": "Slave"}])
    assert [s["Type"] for s in
            out["MasterSlaveBackendServers"]["MasterSlaveBackendServer"]] == ["eni", "eci"]


def test_same_server_in_many_groups_and_name_limits(client):
    ids = {create(client, name=n)["MasterSlaveServerGroupId"] for n in ("", "x" * 80, "组")}
    assert len(ids) == 3
    assert len(list_groups(client)) == 3


def test_seed_document_example_verbatim(tmp_path):
    seed = {"accounts": [{"access_key_id": "doc-key", "access_key_secret": "doc-secret"}],
            "load_balancers": [{"load_balancer_id": "lb-bp1hv944r69al4j9jkmvx",
                                "region_id": "cn-hangzhou"}],
            "backend_servers": [{"server_id": "vm-233", "region_id": "cn-hangzhou", "type": "ecs"},
                                {"server_id": "vm-232", "region_id": "cn-hangzhou", "type": "ecs"}]}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess(seed=str(path)) as e:
        c = e.sdk_client("doc-key", "doc-secret")
        # Verbatim, including the missing comma before 'ServerType':'Slave' (accepted).
        raw = ("[{'ServerId':'vm-233','Port':'80','Weight':'100','ServerType':'Master'},"
               "{'ServerId':'vm-232','Port':'90','Weight':'100''ServerType':'Slave'}]")
        out = create(c, raw=raw, lb="lb-bp1hv944r69al4j9jkmvx")
        assert out["MasterSlaveBackendServers"]["MasterSlaveBackendServer"] == [
            {"ServerId": "vm-233", "Port": 80, "Weight": 100, "ServerType": "Master",
             "Type": "ecs", "Description": ""},
            {"ServerId": "vm-232", "Port": 90, "Weight": 100, "ServerType": "Slave",
             "Type": "ecs", "Description": ""}]
        # The demo key is not in this seed.
        fails("InvalidAccessKeyId.NotFound", describe, e.sdk_client(),
              out["MasterSlaveServerGroupId"], status=404)


# The seven error codes of the seed document, each in its situation.
DOC_ERRORS = [
    ("BACKEND_SERVERS_NUM_MUST_BE_TWO", servers()[:1]),
    ("BACKEND_SERVERS_NUM_MUST_BE_TWO", [*servers(), {"ServerId": "i-demo-web-3", "Port": 80}]),
    ("BACKEND_SERVERS_NUM_MUST_BE_TWO", []),
    ("BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID", servers(slave="i-demo-web-1")),
    ("BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE",
     [{"ServerId": "i-demo-web-1", "Port": 80}, {"ServerId": "i-demo-web-2", "Port": 80}]),
    ("BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE",
     [{"ServerId": "i-demo-web-1", "Port": 80, "ServerType": "Slave"},
      {"ServerId": "i-demo-web-2", "Port": 80, "ServerType": "Slave"}]),
    ("BACKEND_SERVER_ID_CAN_NOT_EMPTY", servers(master="")),
    ("BACKEND_SERVER_ID_CAN_NOT_EMPTY", [{"Port": 80}, servers()[1]]),
    ("INVALID_SERVER_TYPE", [dict(servers()[0], ServerType="Backup"), servers()[1]]),
    ("BACKEND_SERVER_PORT_CAN_NOT_EMPTY", [dict(servers()[0], Port=""), servers()[1]]),
    ("BACKEND_SERVER_PORT_CAN_NOT_EMPTY", [{"ServerId": "i-demo-web-1"}, servers()[1]]),
    ("RealServerPortNotSupport", [dict(servers()[0], Port=70000), servers()[1]]),
    ("RealServerPortNotSupport", [dict(servers()[0], Port=0), servers()[1]]),
    ("RealServerPortNotSupport", [dict(servers()[0], Port=80.0), servers()[1]]),
    ("RealServerPortNotSupport", [dict(servers()[0], Port="http"), servers()[1]]),
]
DOC_MESSAGES = {
    "BACKEND_SERVERS_NUM_MUST_BE_TWO": "Backend servers num must be 2.",
    "BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID": "Backend servers have same port and serverId.",
    "BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE":
        "Backend servers can only contain one master and one slave.",
    "BACKEND_SERVER_ID_CAN_NOT_EMPTY": "Backend server id can not empty.",
    "INVALID_SERVER_TYPE": "Invalid server type.",
    "BACKEND_SERVER_PORT_CAN_NOT_EMPTY": "Backend server port can not empty.",
    "RealServerPortNotSupport": "Real server port not support.",
}


@pytest.mark.parametrize("code,server_list", DOC_ERRORS, ids=[c for c, _ in DOC_ERRORS])
def test_seed_document_error_codes(client, emu, code, server_list):
    err = fails(code, create, client, server_list)
    assert err.message == DOC_MESSAGES[code]
    assert emu.state()["groups"] == []


def test_every_seed_document_code_is_covered():
    assert {c for c, _ in DOC_ERRORS} == set(DOC_MESSAGES)


OTHER_CREATE_ERRORS = [
    ("InvalidBackendServers.ServerIdNotExist", dict(server_list=servers(slave="i-nope"))),
    ("InvalidBackendServers.ServerIdNotExist", dict(server_list=servers(slave="i-demo-sh-1"))),
    ("InvalidBackendServers.ServerIdNotExist",
     dict(server_list=[{"ServerId": "eni-demo-1", "Port": 80}, servers()[1]])),
    ("InvalidParameter.Weight", dict(server_list=servers(Weight=101))),
    ("InvalidParameter.Weight", dict(server_list=servers(Weight="heavy"))),
    ("InvalidParameter.Weight", dict(server_list=servers(Weight=-1))),
    ("InvalidParameter.Type", dict(server_list=servers(Type="vm"))),
    ("InvalidParameter", dict(raw="[{'ServerId': 'i-demo-web-1'")),
    ("InvalidParameter", dict(raw="not json")),
    ("InvalidParameter", dict(raw='{"ServerId": "i-demo-web-1"}')),
    ("InvalidParameter", dict(raw='["a", "b"]')),
    ("InvalidTagKey", dict(tags={"aliyun-x": "v"})),
    ("InvalidTagKey", dict(tags={"acs:x": "v"})),
    ("InvalidTagKey", dict(tags={"see http://x": "v"})),
    ("InvalidTagKey", dict(tags={"k" * 65: "v"})),
    ("InvalidTagValue", dict(tags={"k": "v" * 129})),
    ("InvalidParameter.TagNum", dict(tags={"k%d" % i: "v" for i in range(21)})),
    ("InvalidParameter.MasterSlaveServerGroupName", dict(name="n" * 81)),
    ("InvalidLoadBalancerId.NotFound", dict(lb="lb-nope")),
    ("InvalidLoadBalancerId.NotFound", dict(lb="lb-demo-shanghai")),
]


@pytest.mark.parametrize("code,kwargs", OTHER_CREATE_ERRORS,
                         ids=["%s-%d" % (c, i) for i, (c, _) in enumerate(OTHER_CREATE_ERRORS)])
def test_other_create_rules(client, emu, code, kwargs):
    fails(code, create, client, **kwargs)
    assert emu.state()["groups"] == []


def test_malformed_list_message(client):
    err = fails("InvalidParameter", create, client, raw="[{")
    assert err.message == "The specified parameter MasterSlaveBackendServers is not valid."


def test_load_balancer_message_and_region(emu):
    sh = emu.sdk_client(region="cn-shanghai")
    err = fails("InvalidLoadBalancerId.NotFound", create, sh, lb=LB)
    assert err.message == "The specified LoadBalancerId does not exist."
    out = create(sh, servers("i-demo-sh-1", "i-demo-sh-2"), lb="lb-demo-shanghai")
    assert emu.state()["groups"][0]["region_id"] == "cn-shanghai"
    # A group is regional: another region does not see it.
    fails("InvalidParameter", describe, emu.sdk_client(), out["MasterSlaveServerGroupId"])


def test_twenty_tags_accepted(client):
    tags = {"k%d" % i: "v" for i in range(20)}
    gid = create(client, tags=tags)["MasterSlaveServerGroupId"]
    assert len(describe(client, gid)["Tags"]["Tag"]) == 20


def test_missing_parameter(emu, client):
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(LB)
    err = fails("MissingParameter", call, client, r)
    assert err.message == ('The input parameter "MasterSlaveBackendServers" that is '
                           "mandatory for processing this request is not supplied.")


# --- delete / describe --------------------------------------------------------------

def test_delete_and_not_found(client, emu):
    gid = create(client)["MasterSlaveServerGroupId"]
    assert set(delete(client, gid)) == {"RequestId"}
    assert emu.state()["groups"] == []
    err = fails("InvalidParameter", delete, client, gid)
    assert err.message == NOT_FOUND
    err = fails("InvalidParameter", describe, client, gid)
    assert err.message == NOT_FOUND
    fails("InvalidParameter", describe, client, "rsp-doesnotexist")


def test_describe_groups_and_tag_filter(client):
    a = create(client, name="a", tags={"env": "dev", "team": "x"})["MasterSlaveServerGroupId"]
    b = create(client, name="b", tags={"env": "prod"})["MasterSlaveServerGroupId"]
    groups = list_groups(client)
    assert [g["MasterSlaveServerGroupId"] for g in groups] == [a, b]
    first = groups[0]
    assert first["MasterSlaveServerGroupName"] == "a"
    assert first["CreateTime"].endswith("Z")
    assert first["Tags"]["Tag"] == [{"TagKey": "env", "TagValue": "dev"},
                                    {"TagKey": "team", "TagValue": "x"}]
    # The real list items carry no servers (SDK response model): only the Attribute call does.
    assert "MasterSlaveBackendServers" not in first
    assert "AssociatedObjects" not in first
    assert [g["MasterSlaveServerGroupId"] for g in list_groups(client, tags={"env": "prod"})] == [b]
    assert [g["MasterSlaveServerGroupId"] for g in
            list_groups(client, tags={"env": "dev", "team": "x"})] == [a]
    assert list_groups(client, tags={"env": "dev", "team": "y"}) == []
    assert list_groups(client, lb="lb-demo-hangzhou", tags={"nope": "x"}) == []
    fails("InvalidLoadBalancerId.NotFound", list_groups, client, lb="lb-nope")
    fails("InvalidLoadBalancerId.NotFound", list_groups, client, lb="lb-demo-shanghai")


# --- tags ---------------------------------------------------------------------------

def tag(client: Any, ids: list[str], tags: dict[str, str], resource_type: str = "masterslaveservergroup") -> Any:
    r = TagResourcesRequest.TagResourcesRequest()
    r.set_ResourceType(resource_type)
    r.set_ResourceIds(ids)
    r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)


def untag(client: Any, ids: list[str], keys: list[str] | None = None, all_: bool | None = None) -> Any:
    r = UntagResourcesRequest.UntagResourcesRequest()
    r.set_ResourceType("MasterSlaveServerGroup")
    r.set_ResourceIds(ids)
    if keys:
        r.set_TagKeys(keys)
    if all_ is not None:
        r.set_All(all_)
    return call(client, r)


def list_tags(client: Any, ids: list[str] | None = None, tags: dict[str, str] | None = None) -> Any:
    r = ListTagResourcesRequest.ListTagResourcesRequest()
    r.set_ResourceType("masterslaveservergroup")
    if ids:
        r.set_ResourceIds(ids)
    if tags:
        r.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    return call(client, r)


def test_tag_untag_list(client):
    gid = create(client, tags={"a": "1"})["MasterSlaveServerGroupId"]
    other = create(client)["MasterSlaveServerGroupId"]
    tag(client, [gid], {"b": "2", "a": "one"})
    out = list_tags(client, [gid])
    assert out["NextToken"] == ""
    assert sorted((t["TagKey"], t["TagValue"]) for t in out["TagResources"]["TagResource"]) == [
        ("a", "one"), ("b", "2")]
    assert {t["ResourceId"] for t in out["TagResources"]["TagResource"]} == {gid}
    assert {t["ResourceType"] for t in out["TagResources"]["TagResource"]} == {
        "masterslaveservergroup"}
    assert {t["ResourceId"] for t in list_tags(client, tags={"b": "2"})["TagResources"]["TagResource"]} == {gid}
    untag(client, [gid], keys=["a"])
    assert [t["TagKey"] for t in describe(client, gid)["Tags"]["Tag"]] == ["b"]
    untag(client, [gid], all_=True)
    assert describe(client, gid)["Tags"]["Tag"] == []
    assert list_tags(client, [other])["TagResources"]["TagResource"] == []


def test_tag_errors(client):
    gid = create(client, tags={"k%d" % i: "v" for i in range(19)})["MasterSlaveServerGroupId"]
    fails("InvalidResourceId.NotFound", tag, client, ["rsp-nope"], {"a": "b"})
    fails("InvalidResourceId.NotFound", list_tags, client, ["rsp-nope"])
    fails("InvalidParameter.ResourceType", tag, client, [gid], {"a": "b"}, resource_type="instance")
    fails("InvalidTagKey", tag, client, [gid], {"aliyun:x": "b"})
    fails("InvalidTagValue", tag, client, [gid], {"a": "b" * 129})
    tag(client, [gid], {"k0": "overwritten"})  # still 19 tags
    fails("InvalidTagCount", tag, client, [gid], {"x": "1", "y": "2"})
    tag(client, [gid], {"x": "1"})  # exactly 20
    assert len(describe(client, gid)["Tags"]["Tag"]) == 20


# --- listeners ----------------------------------------------------------------------

def tcp_listener(client: Any, port: int = 80, group_id: str | None = None, lb: str = LB, udp: bool = False) -> Any:
    mod = CreateLoadBalancerUDPListenerRequest if udp else CreateLoadBalancerTCPListenerRequest
    r = (mod.CreateLoadBalancerUDPListenerRequest() if udp
         else mod.CreateLoadBalancerTCPListenerRequest())
    r.set_LoadBalancerId(lb)
    r.set_ListenerPort(port)
    r.set_Bandwidth(-1)
    if group_id:
        r.set_MasterSlaveServerGroupId(group_id)
    else:
        r.set_BackendServerPort(port)
    return call(client, r)


def set_tcp(client: Any, port: int, switch: str, group_id: str | None = None) -> Any:
    r = SetLoadBalancerTCPListenerAttributeRequest.SetLoadBalancerTCPListenerAttributeRequest()
    r.set_LoadBalancerId(LB)
    r.set_ListenerPort(port)
    r.set_MasterSlaveServerGroup(switch)
    if group_id:
        r.set_MasterSlaveServerGroupId(group_id)
    return call(client, r)


def delete_listener(client: Any, port: int, protocol: str | None = None) -> Any:
    r = DeleteLoadBalancerListenerRequest.DeleteLoadBalancerListenerRequest()
    r.set_LoadBalancerId(LB)
    r.set_ListenerPort(port)
    if protocol:
        r.set_ListenerProtocol(protocol)
    return call(client, r)


def test_listener_binding_blocks_delete(client, emu):
    gid = create(client)["MasterSlaveServerGroupId"]
    tcp_listener(client, 80, gid)
    err = fails("RspoolVipExist", delete, client, gid)
    assert err.message == "there are vips associating with this vServer group."
    groups = list_groups(client, include_listener=True)
    assert groups[0]["AssociatedObjects"] == {"Listeners": {"Listener": [
        {"Protocol": "tcp", "Port": 80}]}}
    assert emu.state()["listeners"] == [{"load_balancer_id": LB, "protocol": "tcp", "port": 80,
                                         "master_slave_server_group_id": gid}]
    set_tcp(client, 80, "off")
    assert list_groups(client, include_listener=True)[0]["AssociatedObjects"] == {
        "Listeners": {"Listener": []}}
    set_tcp(client, 80, "on", gid)
    fails("RspoolVipExist", delete, client, gid)
    delete_listener(client, 80, "tcp")
    delete(client, gid)
    assert emu.state() == {"groups": [], "listeners": []}


def test_listener_rules(client):
    gid = create(client)["MasterSlaveServerGroupId"]
    tcp_listener(client, 80)
    fails("ListenerAlreadyExists", tcp_listener, client, 80)
    tcp_listener(client, 80, udp=True)  # same port, other protocol
    err = fails("InvalidParameter", tcp_listener, client, 81, "rsp-nope")
    assert "does not belong" in err.message
    err = fails("InvalidParameter", set_tcp, client, 9999, "on", gid)
    assert err.message == "The specified listener does not exist."
    fails("MissingParameter", set_tcp, client, 80, "on")
    fails("InvalidLoadBalancerId.NotFound", tcp_listener, client, 82, lb="lb-nope")
    fails("InvalidParameter", delete_listener, client, 9999)
    delete_listener(client, 80)  # both protocols
    assert list_groups(client, include_listener=True)[0]["AssociatedObjects"]["Listeners"][
        "Listener"] == []


def test_group_of_another_load_balancer_cannot_be_bound(emu, client):
    sh = emu.sdk_client(region="cn-shanghai")
    other = create(sh, servers("i-demo-sh-1", "i-demo-sh-2"),
                   lb="lb-demo-shanghai")["MasterSlaveServerGroupId"]
    err = fails("InvalidParameter", tcp_listener, client, 80, other)
    assert "does not belong" in err.message


def test_describe_load_balancer_attribute(client):
    gid = create(client)["MasterSlaveServerGroupId"]
    tcp_listener(client, 443, gid)
    r = DescribeLoadBalancerAttributeRequest.DescribeLoadBalancerAttributeRequest()
    r.set_LoadBalancerId(LB)
    out = call(client, r)
    assert out["LoadBalancerId"] == LB and out["RegionId"] == "cn-hangzhou"
    assert out["LoadBalancerStatus"] == "active"
    assert out["ListenerPortsAndProtocol"]["ListenerPortAndProtocol"] == [
        {"ListenerPort": 443, "ListenerProtocol": "tcp"}]
    r = DescribeLoadBalancerAttributeRequest.DescribeLoadBalancerAttributeRequest()
    r.set_LoadBalancerId("lb-nope")
    fails("InvalidLoadBalancerId.NotFound", call, client, r)


# --- protocol -----------------------------------------------------------------------

def test_unknown_action_is_404(emu):
    status, body = raw_call(emu.url, query=signed_params("NoSuchAction"))
    assert status == 404 and body["Code"] == "InvalidAction.NotFound"
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["Recommend"] == ("https://api.aliyun.com/troubleshoot?"
                                 "q=InvalidAction.NotFound&product=Slb")


def test_version_is_required_and_checked(emu):
    params = signed_params("DescribeLoadBalancerAttribute", {"LoadBalancerId": LB})
    del params["Version"]
    status, body = raw_call(emu.url, query=params)
    assert (status, body["Code"]) == (400, "MissingParameter")
    params = signed_params("DescribeLoadBalancerAttribute", {"LoadBalancerId": LB},
                           version="2099-01-01")
    status, body = raw_call(emu.url, query=params)
    assert (status, body["Code"]) == (400, "InvalidVersion")


def test_get_and_form_body_requests(emu):
    params = signed_params("DescribeLoadBalancerAttribute", {"LoadBalancerId": LB},
                           method="GET")
    status, body = raw_call(emu.url, method="GET", query=params)
    assert status == 200 and body["LoadBalancerId"] == LB
    # Common parameters in the query, the rest in a form body: both are signed.
    params = signed_params("DescribeLoadBalancerAttribute", {"LoadBalancerId": LB})
    body_part = {"LoadBalancerId": params.pop("LoadBalancerId")}
    status, body = raw_call(emu.url, query=params, body=body_part)
    assert status == 200 and body["LoadBalancerId"] == LB
