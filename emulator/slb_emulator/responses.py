"""Wire parsing and rendering, one function per action (moto style).

Each handler takes the backend and the merged request parameters (strings) and returns
the response body without ``RequestId``; errors are raised as ``SlbError``. The answers are
rendered from model objects (models.py); the actions are backend.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from . import exceptions as exc
from .backend import RequestTags, SlbBackend
from .models import Group, Listener, Server
from .rules import (
    API_VERSION,
    LISTENER_GROUP_SWITCH,
    LISTENER_PROTOCOLS,
    MAX_BANDWIDTH,
    MAX_INDEX,
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

VERSION = API_VERSION   # the name server.py has always read

Params = Mapping[str, str]
ActionHandler = Callable[[SlbBackend, Params], JsonObject]


_NEXT_TOKEN = re.compile(r"emu-([0-9]{1,9})")


# --- parameter helpers ------------------------------------------------------------------

def required(params: Params, name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise exc.MissingParameter(name)
    return value


_INT = re.compile(r"-?[0-9]{1,9}$")


def int_param(params: Params, name: str, low: int, high: int, default: int | None = None,
              required_: bool = True) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required_:
            raise exc.MissingParameter(name)
        return default
    text = value.strip()
    if not _INT.match(text):
        raise exc.InvalidParameter(name)
    number = int(text)
    if not low <= number <= high:
        raise exc.InvalidParameter(name)
    return number


def bool_param(params: Params, name: str) -> bool:
    return str(params.get(name, "")).strip().lower() == "true"


def indexed(params: Params, prefix: str) -> list[str]:
    """Values of ``prefix.N`` parameters (N from 1), in N order."""
    found: dict[int, str] = {}
    pattern = re.compile(re.escape(prefix) + r"\.([0-9]{1,6})$")
    for key, value in params.items():
        m = pattern.match(key)
        if m:
            n = int(m.group(1))
            if not 1 <= n <= MAX_INDEX:
                raise exc.InvalidParameter(key)
            found[n] = value
    return [found[n] for n in sorted(found)]


_TAG = re.compile(r"Tag\.([0-9]{1,6})\.(Key|Value)$")


def tag_params(params: Params) -> RequestTags:
    """``Tag.N.Key``/``Tag.N.Value`` pairs as a list of (key or None, value or None)."""
    found: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        m = _TAG.match(name)
        if m:
            n = int(m.group(1))
            if not 1 <= n <= MAX_INDEX:
                raise exc.InvalidParameter(name)
            found.setdefault(n, {})[m.group(2)] = value
    return [(found[n].get("Key"), found[n].get("Value")) for n in sorted(found)]


def tag_filter(params: Params) -> list[tuple[str, str | None]]:
    """The Tag.N filter of a list call: keys required, values optional."""
    tags = tag_params(params)
    if len(tags) > MAX_TAGS:
        raise exc.InvalidTagNum()
    result: list[tuple[str, str | None]] = []
    for key, value in tags:
        if not key:
            raise exc.InvalidTagKey()
        result.append((key, value))
    return result


def _resource_ids(params: Params, required_: bool = True) -> list[str]:
    ids = indexed(params, "ResourceId")
    if not ids and required_:
        raise exc.MissingParameter("ResourceId.1")
    if len(ids) > MAX_RESOURCE_IDS:
        raise exc.TooManyResourceIds()
    return ids


def _check_resource_type(params: Params) -> None:
    if required(params, "ResourceType").strip().lower() != RESOURCE_TYPE:
        raise exc.InvalidResourceType()


def _page_start(params: Params) -> int:
    """Where a ListTagResources page starts: 0, or the offset in a NextToken we issued."""
    token = params.get("NextToken")
    if not token:
        return 0
    m = _NEXT_TOKEN.fullmatch(token.strip())
    if not m:
        raise exc.InvalidParameter("NextToken")
    return int(m.group(1))


def required_int(params: Params, name: str, low: int, high: int) -> int:
    number = int_param(params, name, low, high)
    if number is None:  # int_param raised MissingParameter already; this tells the type checker
        raise exc.MissingParameter(name)
    return number


def _listener_port(params: Params) -> int:
    return required_int(params, "ListenerPort", MIN_PORT, MAX_PORT)


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

def create_master_slave_server_group(backend: SlbBackend, params: Params) -> JsonObject:
    region_id = required(params, "RegionId")
    load_balancer_id = required(params, "LoadBalancerId")
    servers_text = required(params, "MasterSlaveBackendServers")
    group = backend.create_group(
        region_id, load_balancer_id, lambda: parse_server_list(servers_text),
        params.get("MasterSlaveServerGroupName"), tag_params(params))
    return {"MasterSlaveServerGroupId": group.id,
            "MasterSlaveBackendServers": render_servers(group.servers)}


def delete_master_slave_server_group(backend: SlbBackend, params: Params) -> JsonObject:
    backend.delete_group(params.get("RegionId"), required(params, "MasterSlaveServerGroupId"))
    return {}


def describe_master_slave_server_group_attribute(backend: SlbBackend,
                                                 params: Params) -> JsonObject:
    group = backend.describe_group(params.get("RegionId"),
                                   required(params, "MasterSlaveServerGroupId"))
    return {"MasterSlaveServerGroupId": group.id,
            "MasterSlaveServerGroupName": group.name,
            "LoadBalancerId": group.load_balancer_id,
            "CreateTime": group.create_time,
            "MasterSlaveBackendServers": render_servers(group.servers),
            "Tags": render_tags(group.tags)}


def describe_master_slave_server_groups(backend: SlbBackend, params: Params) -> JsonObject:
    include = bool_param(params, "IncludeListener")
    groups = backend.describe_groups(params.get("RegionId"), required(params, "LoadBalancerId"),
                                     tag_filter(params), include)
    return {"MasterSlaveServerGroups": {"MasterSlaveServerGroup": [
        render_group_item(group, listeners if include else None) for group, listeners in groups]}}


def tag_resources(backend: SlbBackend, params: Params) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params)
    tags = tag_params(params)
    if not tags:
        raise exc.MissingParameter("Tag.1.Key")
    backend.tag_groups(params.get("RegionId"), ids, tags)
    return {}


def untag_resources(backend: SlbBackend, params: Params) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params)
    keys = indexed(params, "TagKey")
    # All=true removes every tag only when no TagKey.N is given (API reference).
    remove_all = bool_param(params, "All") and not keys
    if not keys and not remove_all:
        raise exc.MissingParameter("TagKey.1")
    backend.untag_groups(params.get("RegionId"), ids, keys, remove_all)
    return {}


def list_tag_resources(backend: SlbBackend, params: Params) -> JsonObject:
    _check_resource_type(params)
    ids = _resource_ids(params, required_=False)
    tags = tag_filter(params)
    if not ids and not tags:
        raise exc.MissingParameter("ResourceId.1", message=(
            'The input parameter "ResourceId.N" or "Tag.N" that is mandatory for '
            "processing this request is not supplied."))
    size = int_param(params, "MaxResult", MIN_TAG_PAGE_SIZE, MAX_TAG_PAGE_SIZE,
                     default=TAG_PAGE_SIZE, required_=False) or TAG_PAGE_SIZE
    start = _page_start(params)
    rows = backend.list_group_tags(params.get("RegionId"), ids, tags)
    page = rows[start:start + size]
    next_token = "emu-%d" % (start + size) if start + size < len(rows) else ""
    return {"NextToken": next_token,
            "TagResources": {"TagResource": [
                {"ResourceId": tag.resource_id, "ResourceType": RESOURCE_TYPE,
                 "TagKey": tag.key, "TagValue": tag.value} for tag in page]}}


def describe_load_balancer_attribute(backend: SlbBackend, params: Params) -> JsonObject:
    lb, listeners = backend.describe_load_balancer(params.get("RegionId"),
                                                   required(params, "LoadBalancerId"))
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
    def handler(backend: SlbBackend, params: Params) -> JsonObject:
        load_balancer_id = required(params, "LoadBalancerId")
        port = _listener_port(params)
        group_id = params.get("MasterSlaveServerGroupId") or None
        vserver_group_id = params.get("VServerGroupId") or None
        if group_id and vserver_group_id:
            raise exc.InvalidParameter(message="You cannot set both VServerGroupId and "
                                               "MasterSlaveServerGroupId.")
        # BackendServerPort: required unless a server group is given (SDK request model).
        backend_port = int_param(params, "BackendServerPort", MIN_PORT, MAX_PORT,
                                 required_=not (group_id or vserver_group_id))
        # Bandwidth: required; -1 (unlimited) or 1..5120 Mbit/s.
        bandwidth = required_int(params, "Bandwidth", MIN_BANDWIDTH, MAX_BANDWIDTH)
        if bandwidth == 0:
            raise exc.InvalidParameter("Bandwidth")
        backend.create_listener(params.get("RegionId"), Listener(
            load_balancer_id, protocol, port, backend_port, bandwidth, group_id,
            vserver_group_id))
        return {}
    return handler


def _set_listener(protocol: str) -> ActionHandler:
    def handler(backend: SlbBackend, params: Params) -> JsonObject:
        load_balancer_id = required(params, "LoadBalancerId")
        port = _listener_port(params)
        switch = params.get("MasterSlaveServerGroup")
        group_id = params.get("MasterSlaveServerGroupId") or None
        if switch is not None:
            switch = switch.strip().lower()
            if switch not in LISTENER_GROUP_SWITCH:
                raise exc.InvalidParameter("MasterSlaveServerGroup")
        elif group_id:
            switch = "on"
        if switch == "on" and not group_id:
            raise exc.MissingParameter("MasterSlaveServerGroupId")
        backend.set_listener_group(params.get("RegionId"), load_balancer_id, protocol,
                                   port, switch, group_id)
        return {}
    return handler


def delete_load_balancer_listener(backend: SlbBackend, params: Params) -> JsonObject:
    protocol = params.get("ListenerProtocol") or None
    if protocol is not None:
        protocol = protocol.strip().lower()
        if protocol not in LISTENER_PROTOCOLS:
            raise exc.InvalidParameter("ListenerProtocol")
    backend.delete_listener(params.get("RegionId"), required(params, "LoadBalancerId"),
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
