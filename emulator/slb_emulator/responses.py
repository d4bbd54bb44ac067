"""Wire parsing and rendering, one function per action (moto style).

Each handler takes the backend and the merged request parameters (strings) and returns
the response body without ``RequestId``; errors are raised as ``SlbError``.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

from . import exceptions as exc

VERSION = "2014-05-15"
RESOURCE_TYPE = "masterslaveservergroup"
MAX_INDEX = 1000
MAX_RESOURCE_IDS = 20        # "You can specify up to 20 resources" (SDK request models)
TAG_PAGE_SIZE = 50           # ListTagResources page size without MaxResult


# --- XML (Format=XML) -----------------------------------------------------------------

def _xml_value(name: str, value: Any, out: list[str]) -> None:
    """One element; a list repeats the element once per item (the API's XML shape:
    ``{"X": {"Y": [a, b]}}`` is ``<X><Y>a</Y><Y>b</Y></X>``)."""
    if isinstance(value, list):
        for item in value:
            _xml_value(name, item, out)
        return
    out.append("<%s>" % name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(key, item, out)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif value is not None:
        out.append(escape(str(value)))
    out.append("</%s>" % name)


def to_xml(root: str, body: dict) -> str:
    """A response body as the API's XML: ``<ActionResponse>`` on success, ``<Error>``
    on failure (the common response structure of Alibaba Cloud RPC APIs)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _xml_value(root, body, out)
    return "".join(out)


# --- the server list: strict JSON or the single-quoted pseudo-JSON peers send --------

class _ParseError(Exception):
    pass


class _LenientParser:
    """JSON plus: strings in single quotes, and a missing comma between two object
    members (the API reference's own example has one: ``'100''ServerType'``)."""

    MAX_DEPTH = 8
    ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f",
               "n": "\n", "r": "\r", "t": "\t"}
    NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?")

    def __init__(self, text):
        self.s = text
        self.i = 0

    def parse(self):
        value = self.value(0)
        self.ws()
        if self.i != len(self.s):
            raise _ParseError("trailing data")
        return value

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self):
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def value(self, depth):
        if depth > self.MAX_DEPTH:
            raise _ParseError("too deep")
        ch = self.peek()
        if ch == "{":
            return self.obj(depth)
        if ch == "[":
            return self.arr(depth)
        if ch in ("'", '"'):
            return self.string()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return val
        m = self.NUMBER.match(self.s, self.i)
        if m and m.group(0):
            self.i = m.end()
            if m.group(2) or m.group(3):
                return float(m.group(0))
            return int(m.group(0))
        raise _ParseError("unexpected character")

    def string(self):
        quote = self.s[self.i]
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                raise _ParseError("unterminated string")
            ch = self.s[self.i]
            self.i += 1
            if ch == quote:
                return "".join(out)
            if ch == "\\":
                if self.i >= len(self.s):
                    raise _ParseError("bad escape")
                esc = self.s[self.i]
                self.i += 1
                if esc in self.ESCAPES:
                    out.append(self.ESCAPES[esc])
                elif esc == "u":
                    hexa = self.s[self.i:self.i + 4]
                    if len(hexa) != 4 or not all(h in "0123456789abcdefABCDEF" for h in hexa):
                        raise _ParseError("bad unicode escape")
                    code = int(hexa, 16)
                    if 0xD800 <= code <= 0xDFFF:
                        raise _ParseError("surrogate escape")
                    out.append(chr(code))
                    self.i += 4
                else:
                    raise _ParseError("bad escape")
            elif ch < " ":
                raise _ParseError("control character in string")
            else:
                out.append(ch)

    def obj(self, depth):
        self.i += 1
        result = {}
        if self.peek() == "}":
            self.i += 1
            return result
        while True:
            if self.peek() not in ("'", '"'):
                raise _ParseError("expected a key")
            key = self.string()
            if self.peek() != ":":
                raise _ParseError("expected ':'")
            self.i += 1
            result[key] = self.value(depth + 1)
            ch = self.peek()
            if ch == ",":
                self.i += 1
            elif ch == "}":
                self.i += 1
                return result
            elif ch in ("'", '"'):
                continue  # a missing comma before the next key: tolerated
            else:
                raise _ParseError("expected ',' or '}'")

    def arr(self, depth):
        self.i += 1
        result = []
        if self.peek() == "]":
            self.i += 1
            return result
        while True:
            result.append(self.value(depth + 1))
            ch = self.peek()
            if ch == ",":
                self.i += 1
            elif ch == "]":
                self.i += 1
                return result
            else:
                raise _ParseError("expected ',' or ']'")


def parse_server_list(text):
    try:
        return _LenientParser(text).parse()
    except (_ParseError, RecursionError, ValueError):
        raise exc.InvalidServerList()


# --- parameter helpers --------------------------------------------------------------

def required(params, name):
    value = params.get(name)
    if value is None or value == "":
        raise exc.MissingParameter(name)
    return value


_INT = re.compile(r"-?[0-9]{1,9}$")


def int_param(params, name, low, high, default=None, required_=True):
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


def bool_param(params, name):
    return str(params.get(name, "")).strip().lower() == "true"


def indexed(params, prefix):
    """Values of ``prefix.N`` parameters (N from 1), in N order."""
    found = {}
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


def tag_params(params):
    """``Tag.N.Key``/``Tag.N.Value`` pairs as a list of (key or None, value or None)."""
    found = {}
    for name, value in params.items():
        m = _TAG.match(name)
        if m:
            n = int(m.group(1))
            if not 1 <= n <= MAX_INDEX:
                raise exc.InvalidParameter(name)
            found.setdefault(n, {})[m.group(2)] = value
    return [(found[n].get("Key"), found[n].get("Value")) for n in sorted(found)]


def tag_filter(params):
    tags = tag_params(params)
    if len(tags) > 20:
        raise exc.InvalidTagNum()
    for key, _ in tags:
        if not key:
            raise exc.InvalidTagKey()
    return tags


def render_servers(servers):
    return {"MasterSlaveBackendServer": [
        {"ServerId": s["ServerId"], "Port": s["Port"], "Weight": s["Weight"],
         "ServerType": s["ServerType"], "Type": s["Type"],
         "Description": s.get("Description", "")}
        for s in servers]}


def render_tags(tags):
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}


def _check_resource_type(params):
    if required(params, "ResourceType").strip().lower() != RESOURCE_TYPE:
        raise exc.InvalidResourceType()


# --- actions ------------------------------------------------------------------------

def create_master_slave_server_group(backend, params):
    region_id = required(params, "RegionId")
    load_balancer_id = required(params, "LoadBalancerId")
    servers_text = required(params, "MasterSlaveBackendServers")
    group = backend.create_group(
        region_id, load_balancer_id, lambda: parse_server_list(servers_text),
        params.get("MasterSlaveServerGroupName"), tag_params(params))
    return {"MasterSlaveServerGroupId": group["id"],
            "MasterSlaveBackendServers": render_servers(group["servers"])}


def delete_master_slave_server_group(backend, params):
    backend.delete_group(params.get("RegionId"), required(params, "MasterSlaveServerGroupId"))
    return {}


def describe_master_slave_server_group_attribute(backend, params):
    group = backend.describe_group(params.get("RegionId"),
                                   required(params, "MasterSlaveServerGroupId"))
    return {"MasterSlaveServerGroupId": group["id"],
            "MasterSlaveServerGroupName": group["name"],
            "LoadBalancerId": group["load_balancer_id"],
            "CreateTime": group["create_time"],
            "MasterSlaveBackendServers": render_servers(group["servers"]),
            "Tags": render_tags(group["tags"])}


def describe_master_slave_server_groups(backend, params):
    include = bool_param(params, "IncludeListener")
    groups = backend.describe_groups(params.get("RegionId"),
                                     required(params, "LoadBalancerId"),
                                     tag_filter(params), include)
    items = []
    for g in groups:
        item = {"MasterSlaveServerGroupId": g["id"],
                "MasterSlaveServerGroupName": g["name"],
                "CreateTime": g["create_time"],
                "Tags": render_tags(g["tags"])}
        # No server list: the real answer has none (SDK model of the response body);
        # clients read the servers with DescribeMasterSlaveServerGroupAttribute.
        if include:
            item["AssociatedObjects"] = {"Listeners": {"Listener": g["listeners"]}}
        items.append(item)
    return {"MasterSlaveServerGroups": {"MasterSlaveServerGroup": items}}


def _resource_ids(params: dict[str, str], required_: bool = True) -> list[str]:
    ids = indexed(params, "ResourceId")
    if not ids and required_:
        raise exc.MissingParameter("ResourceId.1")
    if len(ids) > MAX_RESOURCE_IDS:
        raise exc.TooManyResourceIds()
    return ids


def tag_resources(backend, params):
    _check_resource_type(params)
    ids = _resource_ids(params)
    tags = tag_params(params)
    if not tags:
        raise exc.MissingParameter("Tag.1.Key")
    backend.tag_groups(params.get("RegionId"), ids, tags)
    return {}


def untag_resources(backend, params):
    _check_resource_type(params)
    ids = _resource_ids(params)
    keys = indexed(params, "TagKey")
    # All=true removes every tag only when no TagKey.N is given (API reference).
    remove_all = bool_param(params, "All") and not keys
    if not keys and not remove_all:
        raise exc.MissingParameter("TagKey.1")
    backend.untag_groups(params.get("RegionId"), ids, keys, remove_all)
    return {}


def list_tag_resources(backend, params):
    _check_resource_type(params)
    ids = _resource_ids(params, required_=False)
    tags = tag_filter(params)
    if not ids and not tags:
        raise exc.MissingParameter("ResourceId.1", message=(
            'The input parameter "ResourceId.N" or "Tag.N" that is mandatory for '
            "processing this request is not supplied."))
    size = int_param(params, "MaxResult", 1, 1000, default=TAG_PAGE_SIZE, required_=False)
    token = params.get("NextToken") or ""
    start = 0
    if token:
        m = re.fullmatch(r"emu-([0-9]{1,9})", token.strip())
        if not m:
            raise exc.InvalidParameter("NextToken")
        start = int(m.group(1))
    rows = backend.list_group_tags(params.get("RegionId"), ids, tags)
    page = rows[start:start + size]
    next_token = "emu-%d" % (start + size) if start + size < len(rows) else ""
    return {"NextToken": next_token,
            "TagResources": {"TagResource": [
                {"ResourceId": rid, "ResourceType": RESOURCE_TYPE, "TagKey": k,
                 "TagValue": v} for rid, k, v in page]}}


def describe_load_balancer_attribute(backend, params):
    lb = backend.describe_load_balancer(params.get("RegionId"),
                                        required(params, "LoadBalancerId"))
    return {"LoadBalancerId": lb["load_balancer_id"],
            "LoadBalancerName": lb["name"],
            "RegionId": lb["region_id"],
            "Address": lb["address"],
            "LoadBalancerStatus": lb["status"],
            "DeleteProtection": lb["delete_protection"],
            "LoadBalancerSpec": lb["spec"],
            "AddressType": lb["address_type"],
            "NetworkType": lb["network_type"],
            "ListenerPorts": {"ListenerPort": [l["port"] for l in lb["listeners"]]},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": [
                {"ListenerPort": l["port"], "ListenerProtocol": l["protocol"]}
                for l in lb["listeners"]]}}


def _create_listener(protocol):
    def handler(backend, params):
        load_balancer_id = required(params, "LoadBalancerId")
        port = int_param(params, "ListenerPort", 1, 65535)
        group_id = params.get("MasterSlaveServerGroupId") or None
        vserver_group_id = params.get("VServerGroupId") or None
        if group_id and vserver_group_id:
            raise exc.InvalidParameter(message="You cannot set both VServerGroupId and "
                                               "MasterSlaveServerGroupId.")
        # BackendServerPort: required unless a server group is given (SDK request model).
        backend_port = int_param(params, "BackendServerPort", 1, 65535,
                                 required_=not (group_id or vserver_group_id))
        # Bandwidth: required; -1 (unlimited) or 1..5120 Mbit/s.
        bandwidth = int_param(params, "Bandwidth", -1, 5120)
        if bandwidth == 0:
            raise exc.InvalidParameter("Bandwidth")
        backend.create_listener(params.get("RegionId"), load_balancer_id, protocol, port,
                                backend_port, bandwidth, group_id, vserver_group_id)
        return {}
    return handler


def _set_listener(protocol):
    def handler(backend, params):
        load_balancer_id = required(params, "LoadBalancerId")
        port = int_param(params, "ListenerPort", 1, 65535)
        switch = params.get("MasterSlaveServerGroup")
        group_id = params.get("MasterSlaveServerGroupId") or None
        if switch is not None:
            switch = switch.strip().lower()
            if switch not in ("on", "off"):
                raise exc.InvalidParameter("MasterSlaveServerGroup")
        elif group_id:
            switch = "on"
        if switch == "on" and not group_id:
            raise exc.MissingParameter("MasterSlaveServerGroupId")
        backend.set_listener_group(params.get("RegionId"), load_balancer_id, protocol,
                                   port, switch, group_id)
        return {}
    return handler


def delete_load_balancer_listener(backend, params):
    protocol = params.get("ListenerProtocol") or None
    if protocol is not None:
        protocol = protocol.strip().lower()
        if protocol not in ("tcp", "udp", "http", "https"):
            raise exc.InvalidParameter("ListenerProtocol")
    backend.delete_listener(params.get("RegionId"), required(params, "LoadBalancerId"),
                            int_param(params, "ListenerPort", 1, 65535), protocol)
    return {}


ACTIONS = {
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
