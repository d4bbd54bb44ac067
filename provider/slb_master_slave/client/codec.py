"""The SLB wire: the API's field names and shapes, here and nowhere else.

The server item's names come from the field table (fields.py). Builders turn domain types (`GroupSpec`, `BackendServer`) into request parameters;
parsers turn answers into `LiveGroup` and `LoadBalancer`; the problem validators name what
a 200 answer lacks, so the gateway treats it as an invalid answer instead of a fact (a
listing without its container taken for empty would "confirm" every group gone).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..domain import fields
from ..domain.model import BackendServer, GroupSpec, LiveGroup, LoadBalancer

RESOURCE_TYPE = "masterslaveservergroup"
# a server field's API name, from the one field table
_WIRE_NAMES: dict[str, str] = {f.name: str(f.wire) for f in fields.SERVER}


# -- requests ----------------------------------------------------------------------------
def tag_params(tags: Mapping[str, str]) -> dict[str, str]:
    """`Tag.N.Key` / `Tag.N.Value`, N from 1, as CreateMasterSlaveServerGroup,
    DescribeMasterSlaveServerGroups and TagResources all spell a tag list."""
    params: dict[str, str] = {}
    for n, (key, value) in enumerate(sorted(tags.items()), start=1):
        params[f"Tag.{n}.Key"] = key
        params[f"Tag.{n}.Value"] = value
    return params


def server_to_wire(server: BackendServer) -> dict[str, str]:
    """The API reference's item, from the field table's wire names: every value a string,
    ports and weights in decimal, optional text only when given."""
    item: dict[str, str] = {}
    for name, value in server.to_props().items():
        item[_WIRE_NAMES[name]] = str(int(value)) if name in fields.INT_SERVER_FIELDS else str(value)
    return item


def create_params(spec: GroupSpec, tags: Mapping[str, str]) -> dict[str, Any]:
    return {
        "LoadBalancerId": spec.load_balancer_id,
        "MasterSlaveServerGroupName": spec.name,
        "MasterSlaveBackendServers": json.dumps([server_to_wire(s) for s in spec.servers], separators=(",", ":")),
        **tag_params(tags),
    }


def list_params(load_balancer_id: str, *, include_listener: bool,
                tags: Mapping[str, str | None] | None) -> dict[str, Any]:
    """A listing's parameters; a tag given with the value None filters on its key alone (any value)."""
    params: dict[str, Any] = {"LoadBalancerId": load_balancer_id}
    for n, (key, value) in enumerate(sorted((tags or {}).items()), start=1):
        params[f"Tag.{n}.Key"] = key
        if value is not None:
            params[f"Tag.{n}.Value"] = value
    if include_listener:
        params["IncludeListener"] = "true"
    return params


def next_page_params(base: Mapping[str, Any], answer: Mapping[str, Any], page: int, listed: int,
                     on_page: int) -> dict[str, Any] | None:
    """The next page's parameters if the answer says there is one, by NextToken or by
    TotalCount beyond what was listed (PageNumber); None after the last page."""
    token = answer.get("NextToken")
    if token:
        return {**base, "NextToken": token}
    total = answer.get("TotalCount")
    if isinstance(total, int) and listed < total and on_page:
        return {**base, "PageNumber": page + 1, "PageSize": answer.get("PageSize") or on_page}
    return None


def tag_resource_params(group_id: str, tags: Mapping[str, str]) -> dict[str, Any]:
    return {"ResourceType": RESOURCE_TYPE, "ResourceId.1": group_id, **tag_params(tags)}


def untag_resource_params(group_id: str, keys: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {"ResourceType": RESOURCE_TYPE, "ResourceId.1": group_id}
    for n, key in enumerate(sorted(keys), start=1):
        params[f"TagKey.{n}"] = key
    return params


# -- answers -----------------------------------------------------------------------------
def server_from_wire(item: Mapping[str, Any]) -> BackendServer:
    """An answer's item, normalized like a declaration (defaults, ints, the API's spellings)."""
    return BackendServer.from_props({name: item.get(wire) for name, wire in _WIRE_NAMES.items()})


def items(container: Any, *names: str) -> list[Mapping[str, Any]]:
    """`{"Xs": {"X": [...]}}`, `{"Xs": {"X": {...}}}` or `{"Xs": [...]}`: the list of items."""
    if isinstance(container, list):
        return [i for i in container if isinstance(i, Mapping)]
    if not isinstance(container, Mapping):
        return []
    for name in names:
        if name in container:
            found = container[name]
            if isinstance(found, Mapping):
                return [found]
            return [i for i in found if isinstance(i, Mapping)] if isinstance(found, list) else []
    return []


def _api_servers(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The real nesting (singular inside) and the seed document's plural both read."""
    return items(entry.get("MasterSlaveBackendServers") or {}, "MasterSlaveBackendServer",
                 "MasterSlaveBackendServers")


def _api_tags(entry: Mapping[str, Any]) -> dict[str, str] | None:
    if "Tags" not in entry:
        return None
    tags = items(entry.get("Tags") or {}, "Tag")
    return {str(t.get("TagKey")): str(t.get("TagValue") or "") for t in tags if t.get("TagKey") is not None}


def _api_listeners(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """'tcp:80'-style names of the listeners that hold a group."""
    associated = entry.get("AssociatedObjects") or {}
    listeners = items(associated.get("Listeners") or {}, "Listener") if isinstance(associated, Mapping) else []
    return tuple(f"{str(item.get('Protocol', '?')).lower()}:{item.get('Port', '?')}" for item in listeners)


def live_group_from_api(entry: Mapping[str, Any], *, load_balancer_id: str | None = None) -> LiveGroup:
    """A group as the Attribute or the list answer describes it (lists carry no servers)."""
    return LiveGroup(
        id=str(entry.get("MasterSlaveServerGroupId") or ""),
        name=str(entry.get("MasterSlaveServerGroupName") or ""),
        load_balancer_id=str(entry.get("LoadBalancerId") or load_balancer_id or "") or None,
        servers=tuple(server_from_wire(item) for item in _api_servers(entry)),
        tags=_api_tags(entry),
        listeners=_api_listeners(entry),
        create_time=str(entry["CreateTime"]) if entry.get("CreateTime") else None,
    )


def listed_groups(answer: Mapping[str, Any], load_balancer_id: str) -> list[LiveGroup]:
    """The groups of one DescribeMasterSlaveServerGroups answer."""
    entries = items(answer.get("MasterSlaveServerGroups") or {}, "MasterSlaveServerGroup")
    return [live_group_from_api(entry, load_balancer_id=load_balancer_id) for entry in entries]


def load_balancer_from_api(answer: Mapping[str, Any], load_balancer_id: str) -> LoadBalancer:
    """A DescribeLoadBalancerAttribute answer as the attributes the provider reads."""
    spec = answer.get("LoadBalancerSpec")
    return LoadBalancer(
        id=str(answer.get("LoadBalancerId") or load_balancer_id),
        status=str(answer.get("LoadBalancerStatus") or "").lower(),
        spec=str(spec) if spec else None,
        charge_type=str(answer.get("InstanceChargeType") or ""),
        network_type=str(answer.get("NetworkType") or "").lower(),
        delete_protection=str(answer.get("DeleteProtection", "off")).lower() == "on",
        request_id=str(answer.get("RequestId") or "") or None,
    )


# -- what a 200 answer must carry ---------------------------------------------------------
def created_problem(answer: Mapping[str, Any]) -> str | None:
    group_id = answer.get("MasterSlaveServerGroupId")
    if isinstance(group_id, str) and group_id.startswith("rsp-"):
        return None
    return "the answer carries no MasterSlaveServerGroupId"


def group_problem(group_id: str, answer: Mapping[str, Any]) -> str | None:
    """A 200 that does not describe the group asked for is an invalid answer, not a fact."""
    servers = _api_servers(answer)
    if answer.get("MasterSlaveServerGroupId") not in (None, group_id) or len(servers) != 2 or not all(
            s.get("ServerId") and s.get("Port") is not None for s in servers):
        return f"the answer for {group_id} does not describe its two servers"
    return None


def listing_problem(answer: Mapping[str, Any]) -> str | None:
    """A listing without its container is invalid: taken for empty, it would "confirm" that
    every group is gone."""
    if not isinstance(answer.get("MasterSlaveServerGroups"), (Mapping, list)):
        return "the answer carries no MasterSlaveServerGroups"
    return None
