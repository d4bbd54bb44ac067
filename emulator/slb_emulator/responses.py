"""The SLB actions on the wire: one function per action, parameters in, body out (moto's
responses.py).

Owns the action table (ACTIONS), what each action reads from the request and in which order
(so which error wins when several apply), and the rendering of model objects into the API's
answers (lists nested as ``{"Items": {"Item": [...]}}``, no ServerIp). Each handler takes the
backend and the request's Parameters and returns the body without ``RequestId``; errors are
raised as exceptions.SlbError. Imports parameters.py (the one parser), backend.py,
models.py, server_list.py, rules.py, wire.py (the JSON type) and exceptions.py; the HTTP
side is slb_api.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from . import exceptions as exc
from .backend import RequestTags, SlbBackend
from .models import Group, Listener, Server
from .parameters import Parameters
from .rules import (
    LISTENER_GROUP_SWITCH,
    LISTENER_PROTOCOLS,
    MAX_BANDWIDTH,
    MAX_PORT,
    MAX_RESOURCE_IDS,
    MAX_TAG_PAGE_SIZE,
    MAX_TAGS,
    MIN_BANDWIDTH,
    MIN_PORT,
    MIN_TAG_PAGE_SIZE,
    RESOURCE_TYPE,
    TAG_PAGE_SIZE,
)
from .server_list import parse_server_list
from .wire import JsonObject

ActionHandler = Callable[[SlbBackend, Parameters], JsonObject]
_NEXT_TOKEN = re.compile(r"emu-([0-9]{1,9})")


# --- reading the parameters that several actions share ------------------------------------

def request_tags(params: Parameters) -> RequestTags:
    """``Tag.N.Key``/``Tag.N.Value`` pairs as a list of (key or None, value or None)."""
    return [(tag.get("Key"), tag.get("Value"))
            for tag in params.indexed_members("Tag", ("Key", "Value"))]


def tag_filter(params: Parameters) -> list[tuple[str, str | None]]:
    """The Tag.N filter of a list call: keys required, values optional."""
    tags = request_tags(params)
    if len(tags) > MAX_TAGS:
        raise exc.InvalidTagNum()
    result: list[tuple[str, str | None]] = []
    for key, value in tags:
        if not key:
            raise exc.InvalidTagKey()
        result.append((key, value))
    return result


def _resource_ids(params: Parameters, required: bool = True) -> list[str]:
    ids = params.indexed("ResourceId")
    if not ids and required:
        raise exc.MissingParameter("ResourceId.1")
    if len(ids) > MAX_RESOURCE_IDS:
        raise exc.TooManyResourceIds()
    return ids


def _check_resource_type(params: Parameters) -> None:
    if params.required("ResourceType").strip().lower() != RESOURCE_TYPE:
        raise exc.InvalidResourceType()


def _page_start(params: Parameters) -> int:
    """Where a ListTagResources page starts: 0, or the offset in a NextToken we issued."""
    token = params.get("NextToken")
    if not token:
        return 0
    m = _NEXT_TOKEN.fullmatch(token.strip())
    if not m:
        raise exc.InvalidParameter("NextToken")
    return int(m.group(1))


def _listener_port(params: Parameters) -> int:
    return params.integer("ListenerPort", MIN_PORT, MAX_PORT)


# --- rendering ------------------------------------------------------------------------------

def render_servers(servers: Sequence[Server]) -> JsonObject:
    return {"MasterSlaveBackendServer": [
        {"ServerId": s.server_id, "Port": s.port, "Weight": s.weight,
         "ServerType": s.server_type, "Type": s.type, "Description": s.description}
        for s in servers]}


def render_tags(tags: Mapping[str, str]) -> JsonObject:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}


def render_group_item(group: Group, listeners: Sequence[Listener] | None) -> JsonObject:
    """A DescribeMasterSlaveServerGroups item: no server list (the real answer has none, SDK
    model of the response body; clients read the servers with the Attribute call), and the
    bound listeners when they were asked for."""
    item: JsonObject = {"MasterSlaveServerGroupId": group.id,
                        "MasterSlaveServerGroupName": group.name,
                        "CreateTime": group.create_time,
                        "Tags": render_tags(group.tags)}
    if listeners is not None:
        item["AssociatedObjects"] = {"Listeners": {"Listener": [
            {"Protocol": listener.protocol, "Port": listener.port} for listener in listeners]}}
    return item


# --- actions ------------------------------------------------------------------------------

def create_master_slave_server_group(backend: SlbBackend, params: Parameters) -> JsonObject:
    region_id = params.required("RegionId")
    load_balancer_id = params.required("LoadBalancerId")
    servers_text = params.required("MasterSlaveBackendServers")
    group = backend.create_group(
        region_id, load_balancer_id, lambda: parse_server_list(servers_text),
        params.get("MasterSlaveServerGroupName"), request_tags(params))
    return {"MasterSlaveServerGroupId": group.id,
            "MasterSlaveBackendServers": render_servers(group.servers)}


def delete_master_slave_server_group(backend: SlbBackend, params: Parameters) -> JsonObject:
    backend.delete_group(params.get("RegionId"), params.required("MasterSlaveServerGroupId"))
    return {}


def describe_master_slave_server_group_attribute(backend: SlbBackend,
                                                 params: Parameters) -> JsonObject:
    group = backend.describe_group(params.get("RegionId"),
                                   params.required("MasterSlaveServerGroupId"))
    return {"MasterSlaveServerGroupId": group.id,
            "MasterSlaveServerGroupName": group.name,
            "LoadBalancerId": group.load_balancer_id,
            "CreateTime": group.create_time,
            "MasterSlaveBackendServers": render_servers(group.servers),
            "Tags": render_tags(group.tags)}


def describe_master_slave_server_groups(backend: SlbBackend, params: Parameters) -> JsonObject:
    include = params.flag("IncludeListener")
    groups = backend.describe_groups(params.get("RegionId"), params.required("LoadBalancerId"),
                                     tag_filter(params), include)
    return {"MasterSlaveServerGroups": {"MasterSlaveServerGroup": [
        render_group_item(group, listeners if include else None) for group, listeners in groups]}}


def tag_resources(backend: SlbBackend, params: Parameters) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params)
    tags = request_tags(params)
    if not tags:
        raise exc.MissingParameter("Tag.1.Key")
    backend.tag_groups(params.get("RegionId"), ids, tags)
    return {}


def untag_resources(backend: SlbBackend, params: Parameters) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params)
    keys = params.indexed("TagKey")
    # All=true removes every tag only when no TagKey.N is given (API reference).
    remove_all = params.flag("All") and not keys
    if not keys and not remove_all:
        raise exc.MissingParameter("TagKey.1")
    backend.untag_groups(params.get("RegionId"), ids, keys, remove_all)
    return {}


def list_tag_resources(backend: SlbBackend, params: Parameters) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params, required=False)
    tags = tag_filter(params)
    if not ids and not tags:
        raise exc.MissingParameter("ResourceId.1", message=(
            'The input parameter "ResourceId.N" or "Tag.N" that is mandatory for '
            "processing this request is not supplied."))
    size = params.optional_integer("MaxResult", MIN_TAG_PAGE_SIZE, MAX_TAG_PAGE_SIZE) \
        or TAG_PAGE_SIZE
    start = _page_start(params)
    rows = backend.list_group_tags(params.get("RegionId"), ids, tags)
    page = rows[start:start + size]
    next_token = "emu-%d" % (start + size) if start + size < len(rows) else ""
    return {"NextToken": next_token,
            "TagResources": {"TagResource": [
                {"ResourceId": tag.resource_id, "ResourceType": RESOURCE_TYPE,
                 "TagKey": tag.key, "TagValue": tag.value} for tag in page]}}


def describe_load_balancer_attribute(backend: SlbBackend, params: Parameters) -> JsonObject:
    lb, listeners = backend.describe_load_balancer(params.get("RegionId"),
                                                   params.required("LoadBalancerId"))
    return {"LoadBalancerId": lb.load_balancer_id,
            "LoadBalancerName": lb.name,
            "RegionId": lb.region_id,
            "Address": lb.address,
            "LoadBalancerStatus": lb.status,
            "DeleteProtection": lb.delete_protection,
            "LoadBalancerSpec": lb.spec,
            "AddressType": lb.address_type,
            "NetworkType": lb.network_type,
            "ListenerPorts": {"ListenerPort": [listener.port for listener in listeners]},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": [
                {"ListenerPort": listener.port, "ListenerProtocol": listener.protocol}
                for listener in listeners]}}


def _create_listener(protocol: str) -> ActionHandler:
    def handler(backend: SlbBackend, params: Parameters) -> JsonObject:
        load_balancer_id = params.required("LoadBalancerId")
        port = _listener_port(params)
        group_id = params.optional("MasterSlaveServerGroupId")
        vserver_group_id = params.optional("VServerGroupId")
        if group_id and vserver_group_id:
            raise exc.InvalidParameter(message="You cannot set both VServerGroupId and "
                                               "MasterSlaveServerGroupId.")
        # BackendServerPort: required unless a server group is given (SDK request model).
        if group_id or vserver_group_id:
            backend_port = params.optional_integer("BackendServerPort", MIN_PORT, MAX_PORT)
        else:
            backend_port = params.integer("BackendServerPort", MIN_PORT, MAX_PORT)
        # Bandwidth: required; -1 (unlimited) or 1..5120 Mbit/s.
        bandwidth = params.integer("Bandwidth", MIN_BANDWIDTH, MAX_BANDWIDTH)
        if bandwidth == 0:
            raise exc.InvalidParameter("Bandwidth")
        backend.create_listener(params.get("RegionId"), Listener(
            load_balancer_id, protocol, port, backend_port, bandwidth, group_id,
            vserver_group_id))
        return {}
    return handler


def _set_listener(protocol: str) -> ActionHandler:
    def handler(backend: SlbBackend, params: Parameters) -> JsonObject:
        load_balancer_id = params.required("LoadBalancerId")
        port = _listener_port(params)
        switch = params.choice("MasterSlaveServerGroup", LISTENER_GROUP_SWITCH)
        group_id = params.optional("MasterSlaveServerGroupId")
        if switch is None and group_id:
            switch = "on"
        if switch == "on" and not group_id:
            raise exc.MissingParameter("MasterSlaveServerGroupId")
        backend.set_listener_group(params.get("RegionId"), load_balancer_id, protocol,
                                   port, switch, group_id)
        return {}
    return handler


def delete_load_balancer_listener(backend: SlbBackend, params: Parameters) -> JsonObject:
    protocol = None
    if params.optional("ListenerProtocol"):   # an empty one is no protocol
        protocol = params.choice("ListenerProtocol", LISTENER_PROTOCOLS)
    backend.delete_listener(params.get("RegionId"), params.required("LoadBalancerId"),
                            _listener_port(params), protocol)
    return {}


ACTIONS: dict[str, ActionHandler] = {
    "CreateMasterSlaveServerGroup": create_master_slave_server_group,
    "DeleteMasterSlaveServerGroup": delete_master_slave_server_group,
    "DescribeMasterSlaveServerGroupAttribute": describe_master_slave_server_group_attribute,
    "DescribeMasterSlaveServerGroups": describe_master_slave_server_groups,
    "TagResources": tag_resources,
    "UntagResources": untag_resources,
    "ListTagResources": list_tag_resources,
    "DescribeLoadBalancerAttribute": describe_load_balancer_attribute,
    "CreateLoadBalancerTCPListener": _create_listener("tcp"),
    "CreateLoadBalancerUDPListener": _create_listener("udp"),
    "SetLoadBalancerTCPListenerAttribute": _set_listener("tcp"),
    "SetLoadBalancerUDPListenerAttribute": _set_listener("udp"),
    "DeleteLoadBalancerListener": delete_load_balancer_listener,
}
