"""The new-generation SDK (alibabacloud_slb20140515, V3 signatures by default) against a
real emulator process, raw V3 requests signed by a separate implementation, millisecond
timestamps and Format=XML."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from aliyunsdkslb.request.v20140515 import DescribeLoadBalancerAttributeRequest

from harness.emulator_process import EmulatorProcess, raw_call, signed_params

sdk = pytest.importorskip("alibabacloud_slb20140515.client")
# The new-generation SDK ships no type information (no py.typed): its names are Any here.
from alibabacloud_slb20140515 import models as m  # type: ignore[import-untyped]  # noqa: E402
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException  # type: ignore[import-untyped]  # noqa: E402

try:
    from alibabacloud_tea_openapi.utils_models import Config  # type: ignore[import-untyped]
except ImportError:  # older alibabacloud_tea_openapi
    from alibabacloud_tea_openapi.models import Config  # type: ignore[import-untyped]

LB = "lb-demo-hangzhou"
KEY, SECRET = "emulator-demo-key", "emulator-demo-secret"
STS_KEY, STS_SECRET, STS_TOKEN = "STS.emulator-demo", "emulator-sts-secret", "emulator-sts-token"
SERVERS: list[dict[str, Any]] = [{"ServerId": "i-demo-web-1", "Port": "80", "Weight": "100", "ServerType": "Master"},
           {"ServerId": "i-demo-web-2", "Port": 80, "Weight": 90, "ServerType": "Slave"}]


def new_client(emu: EmulatorProcess, key: str = KEY, secret: str = SECRET, token: str | None = None,
               algorithm: str | None = None) -> Any:
    """A new-generation SDK client pointed at the emulator (endpoint host:port, http)."""
    config = Config(access_key_id=key, access_key_secret=secret, security_token=token,
                    endpoint=urlsplit(emu.url).netloc, protocol="http",
                    region_id="cn-hangzhou")
    if algorithm:
        config.signature_algorithm = algorithm
    return sdk.Client(config)


def create(client: Any, tags: dict[str, str] | None = None, servers: list[dict[str, Any]] = SERVERS) -> Any:
    request = m.CreateMasterSlaveServerGroupRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, master_slave_server_group_name="v3",
        master_slave_backend_servers=json.dumps(servers),
        tag=[m.CreateMasterSlaveServerGroupRequestTag(key=k, value=v)
             for k, v in (tags or {}).items()])
    return client.create_master_slave_server_group(request).body


def describe_lb(client: Any) -> Any:
    return client.describe_load_balancer_attribute(m.DescribeLoadBalancerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id=LB)).body


def sdk_error(call: Callable[..., Any], *args: Any) -> Any:
    """The AlibabaCloudException the call raises (Any: the SDK is untyped)."""
    with pytest.raises(AlibabaCloudException) as info:
        call(*args)
    return info.value


# --- every action through the new SDK, V3 by default ---------------------------------

def test_every_action_with_the_new_sdk_over_v3(emu):
    c = new_client(emu)
    owner = "slb-master-slave:owner"
    created = create(c, {owner: "stack/res", "env": "dev"})
    gid = created.master_slave_server_group_id
    assert [s.port for s in created.master_slave_backend_servers.master_slave_backend_server] == [80, 80]

    attr = c.describe_master_slave_server_group_attribute(
        m.DescribeMasterSlaveServerGroupAttributeRequest(
            region_id="cn-hangzhou", master_slave_server_group_id=gid)).body
    assert attr.load_balancer_id == LB and attr.create_time.endswith("Z")
    assert [s.weight for s in attr.master_slave_backend_servers.master_slave_backend_server] == [100, 90]

    def groups(**kw: Any) -> Any:
        return c.describe_master_slave_server_groups(m.DescribeMasterSlaveServerGroupsRequest(
            region_id="cn-hangzhou", load_balancer_id=LB, **kw)).body.to_map()[
            "MasterSlaveServerGroups"]["MasterSlaveServerGroup"]

    listed = groups(tag=[m.DescribeMasterSlaveServerGroupsRequestTag(key=owner, value="stack/res")])
    assert [g["MasterSlaveServerGroupId"] for g in listed] == [gid]
    assert "MasterSlaveBackendServers" not in listed[0]
    assert listed[0]["CreateTime"] == attr.create_time

    c.tag_resources(m.TagResourcesRequest(
        region_id="cn-hangzhou", resource_type="masterslaveservergroup", resource_id=[gid],
        tag=[m.TagResourcesRequestTag(key="team", value="x")]))
    listed_tags = c.list_tag_resources(m.ListTagResourcesRequest(
        region_id="cn-hangzhou", resource_type="masterslaveservergroup",
        resource_id=[gid])).body.tag_resources.tag_resource
    assert {(t.tag_key, t.tag_value) for t in listed_tags} == {
        (owner, "stack/res"), ("env", "dev"), ("team", "x")}
    c.untag_resources(m.UntagResourcesRequest(
        region_id="cn-hangzhou", resource_type="masterslaveservergroup", resource_id=[gid],
        tag_key=["team"]))
    assert set(emu.state()["groups"][0]["tags"]) == {owner, "env"}

    lb = describe_lb(c)
    assert (lb.load_balancer_id, lb.delete_protection, lb.load_balancer_status) == (
        LB, "off", "active")

    c.create_load_balancer_tcplistener(m.CreateLoadBalancerTCPListenerRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, listener_port=80, bandwidth=-1,
        master_slave_server_group_id=gid))
    c.create_load_balancer_udplistener(m.CreateLoadBalancerUDPListenerRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, listener_port=53, bandwidth=10,
        backend_server_port=53))
    c.set_load_balancer_udplistener_attribute(m.SetLoadBalancerUDPListenerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, listener_port=53,
        master_slave_server_group="on", master_slave_server_group_id=gid))
    bound = groups(include_listener=True)[0]["AssociatedObjects"]["Listeners"]["Listener"]
    assert sorted((item["Protocol"], item["Port"]) for item in bound) == [("tcp", 80), ("udp", 53)]
    err = sdk_error(c.delete_master_slave_server_group, m.DeleteMasterSlaveServerGroupRequest(
        region_id="cn-hangzhou", master_slave_server_group_id=gid))
    assert err.code == "RspoolVipExist"
    assert "there are vips associating with this vServer group." in err.message
    c.set_load_balancer_tcplistener_attribute(m.SetLoadBalancerTCPListenerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, listener_port=80,
        master_slave_server_group="off"))
    c.delete_load_balancer_listener(m.DeleteLoadBalancerListenerRequest(
        region_id="cn-hangzhou", load_balancer_id=LB, listener_port=53,
        listener_protocol="udp"))
    c.delete_master_slave_server_group(m.DeleteMasterSlaveServerGroupRequest(
        region_id="cn-hangzhou", master_slave_server_group_id=gid))
    assert emu.state()["groups"] == []

    log = emu.requests()
    assert len(log) == 15 and {r["signature"] for r in log} == {"v3"}
    assert {r["action"] for r in log} == {
        "CreateMasterSlaveServerGroup", "DescribeMasterSlaveServerGroupAttribute",
        "DescribeMasterSlaveServerGroups", "TagResources", "ListTagResources",
        "UntagResources", "DescribeLoadBalancerAttribute", "CreateLoadBalancerTCPListener",
        "CreateLoadBalancerUDPListener", "SetLoadBalancerUDPListenerAttribute",
        "SetLoadBalancerTCPListenerAttribute", "DeleteLoadBalancerListener",
        "DeleteMasterSlaveServerGroup"}


def test_new_sdk_with_an_sts_token(emu):
    assert describe_lb(new_client(emu, STS_KEY, STS_SECRET, STS_TOKEN)).load_balancer_id == LB
    err = sdk_error(describe_lb, new_client(emu, STS_KEY, STS_SECRET, "not-the-token"))
    assert (err.code, err.status_code) == ("InvalidSecurityToken.Mismatch", 400)
    err = sdk_error(describe_lb, new_client(emu, STS_KEY, STS_SECRET))
    assert err.code == "InvalidSecurityToken.Malformed"


def test_new_sdk_with_a_wrong_secret(emu):
    err = sdk_error(describe_lb, new_client(emu, secret="wrong-secret"))
    assert (err.code, err.status_code) == ("SignatureDoesNotMatch", 400)
    assert "ACS3-HMAC-SHA256\n" in err.message
    err = sdk_error(describe_lb, new_client(emu, key="no-such-key"))
    assert err.code == "InvalidAccessKeyId.NotFound"


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available,
                    reason="this Python's OpenSSL has no SM3: ACS3-HMAC-SM3 is not offered")
def test_new_sdk_with_sm3(emu):
    assert describe_lb(new_client(emu, algorithm="ACS3-HMAC-SM3")).load_balancer_id == LB
    err = sdk_error(describe_lb, new_client(emu, secret="x", algorithm="ACS3-HMAC-SM3"))
    assert err.code == "SignatureDoesNotMatch"


def test_new_sdk_in_v2_mode_signs_version_1(emu):
    assert describe_lb(new_client(emu, algorithm="v2")).load_balancer_id == LB
    assert emu.requests()[-1]["signature"] == "v1"


# --- raw V3 requests, signed by a separate implementation ----------------------------

def _enc(value: str) -> str:
    return quote(value, safe="~")


def v3_call(emu: EmulatorProcess, action: str, query: dict[str, str] | None = None, *, body: bytes = b"",
            secret: str = SECRET, key: str = KEY, token: str | None = None, date: str | None = None,
            nonce: str | None = None, content_hash: str | None = None, unsigned: tuple[str, ...] = (),
            extra_headers: dict[str, str] | None = None, tamper_query: dict[str, str] | None = None,
            method: str = "POST", content_type: str | None = None) -> tuple[int, Any]:
    """Send one V3-signed request; returns (status, parsed body)."""
    query = dict(query or {})
    host = urlsplit(str(emu.url)).netloc
    headers: dict[str, str] = {
        "host": host, "x-acs-action": action, "x-acs-version": "2014-05-15",
        "x-acs-date": date or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": content_hash or hashlib.sha256(body).hexdigest(),
    }
    if token:
        headers["x-acs-security-token"] = token
    if content_type:  # sent as Content-Type (raw_call's spelling) and signed
        headers["content-type"] = content_type
    headers.update(extra_headers or {})
    signed = sorted(h for h in headers if h not in unsigned)
    canonical = "\n".join([
        method, "/", "&".join("%s=%s" % (_enc(k), _enc(v)) for k, v in sorted(query.items())),
        "".join("%s:%s\n" % (h, headers[h].strip()) for h in signed), ";".join(signed),
        headers["x-acs-content-sha256"]])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = ("ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s"
                                % (key, ";".join(signed), signature))
    query.update(tamper_query or {})
    if "content-type" in headers:
        headers["Content-Type"] = headers.pop("content-type")
    return raw_call(emu.url, method=method, query=query, body=body or None, headers=headers)


def test_raw_v3_query_and_form_body(emu):
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute",
                           {"RegionId": "cn-hangzhou", "LoadBalancerId": LB})
    assert (status, body["LoadBalancerId"]) == (200, LB)
    # Parameters in a form body: the body is covered by x-acs-content-sha256 only.
    form = ("RegionId=cn-hangzhou&LoadBalancerId=%s" % LB).encode()
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute", body=form,
                           content_type="application/x-www-form-urlencoded")
    assert (status, body.get("LoadBalancerId")) == (200, LB)


def test_raw_v3_content_hash_is_checked_against_the_body(emu):
    form = ("RegionId=cn-hangzhou&LoadBalancerId=%s" % LB).encode()
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute", body=form,
                           content_hash=hashlib.sha256(b"something else").hexdigest(),
                           content_type="application/x-www-form-urlencoded")
    assert (status, body["Code"]) == (400, "InvalidParameter")
    assert "x-acs-content-sha256" in body["Message"]


def test_raw_v3_tampering_and_unsigned_headers(emu):
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute",
                           {"RegionId": "cn-hangzhou", "LoadBalancerId": LB},
                           tamper_query={"LoadBalancerId": "lb-demo-shanghai"})
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute",
                           {"RegionId": "cn-hangzhou", "LoadBalancerId": LB},
                           unsigned=("x-acs-action",))
    assert (status, body["Code"]) == (400, "IncompleteSignature")
    # A header outside the must-sign set may be left out (the Node SDK signs fewer).
    status, _ = v3_call(emu, "DescribeLoadBalancerAttribute",
                        {"RegionId": "cn-hangzhou", "LoadBalancerId": LB},
                        extra_headers={"user-agent": "x"}, unsigned=("user-agent",))
    assert status == 200


def test_raw_v3_timestamp_nonce_and_token_rules(emu):
    q = {"RegionId": "cn-hangzhou", "LoadBalancerId": LB}
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 16 * 60))
    assert v3_call(emu, "DescribeLoadBalancerAttribute", q, date=old)[1]["Code"] == \
        "InvalidTimeStamp.Expired"
    millis = time.strftime("%Y-%m-%dT%H:%M:%S.123Z", time.gmtime())
    assert v3_call(emu, "DescribeLoadBalancerAttribute", q, date=millis)[0] == 200
    assert v3_call(emu, "DescribeLoadBalancerAttribute", q, nonce="n-1")[0] == 200
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute", q, nonce="n-1")
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    status, body = v3_call(emu, "DescribeLoadBalancerAttribute", q, key=STS_KEY,
                           secret=STS_SECRET, token=STS_TOKEN)
    assert status == 200
    entry = emu.requests()[-1]
    assert entry["signature"] == "v3" and STS_TOKEN not in json.dumps(entry)


# --- millisecond timestamps (npm aliyun-sdk) and Format=XML --------------------------

def test_signature_1_with_millisecond_timestamp(emu):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".027Z"
    status, body = raw_call(emu.url, query=signed_params(
        "DescribeLoadBalancerAttribute", {"LoadBalancerId": LB}, timestamp=stamp))
    assert (status, body["LoadBalancerId"]) == (200, LB)
    status, body = raw_call(emu.url, query=signed_params(
        "DescribeLoadBalancerAttribute", {"LoadBalancerId": LB},
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S.1234567Z", time.gmtime())))
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Format")


def test_format_xml_success_and_error(emu):
    status, raw = raw_call(emu.url, query=signed_params("CreateMasterSlaveServerGroup", {
        "LoadBalancerId": LB, "Format": "XML", "MasterSlaveBackendServers": json.dumps(SERVERS)}))
    assert status == 200 and raw.startswith(b"<?xml")
    root = ET.fromstring(raw)
    assert root.tag == "CreateMasterSlaveServerGroupResponse"
    assert (root.findtext("MasterSlaveServerGroupId") or "").startswith("rsp-")
    assert root.findtext("RequestId")
    servers = root.findall("MasterSlaveBackendServers/MasterSlaveBackendServer")
    assert [(s.findtext("ServerId"), s.findtext("Port"), s.findtext("ServerType"))
            for s in servers] == [("i-demo-web-1", "80", "Master"), ("i-demo-web-2", "80", "Slave")]
    status, raw = raw_call(emu.url, query=signed_params(
        "DescribeMasterSlaveServerGroupAttribute",
        {"MasterSlaveServerGroupId": "rsp-nope", "Format": "xml"}))
    error = ET.fromstring(raw)
    assert status == 400 and error.tag == "Error"
    assert error.findtext("Code") == "InvalidParameter"
    assert {c.tag for c in error} == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_old_sdk_asks_for_xml(emu):
    client = emu.sdk_client()
    r = DescribeLoadBalancerAttributeRequest.DescribeLoadBalancerAttributeRequest()
    r.set_LoadBalancerId(LB)
    r.set_accept_format("XML")
    status, _headers, body, error = client._implementation_of_do_action(r)
    assert error is None and status == 200
    root = ET.fromstring(body)
    assert root.tag == "DescribeLoadBalancerAttributeResponse"
    assert root.findtext("DeleteProtection") == "off"
