"""The lifecycle against SLB: create (or adopt), read, update tags, delete.

Kept apart from provider.py so a provider process that only previews never imports the
gateway or the SDK. The gateway speaks in domain types (`LiveGroup`), never the API's
field names; every SLB error leaves here as a ProviderError with the gateway's text
(already scrubbed of the secret and the token, and saying what to do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from . import protection
from .api import LISTENER_HOLDS_GROUP, SlbApiError, SlbGateway
from .errors import ProviderError
from .ownership import declaration_mismatches, ids_in_state, owner_of, remember_in_state, without_owner
from .settings import Settings
from .spec import (
    MAX_TAGS,
    OWNER_TAG_KEY,
    PROTECTION_FLAG,
    GroupSpec,
    LiveGroup,
    normalize_flag,
    normalize_servers,
    normalize_tags,
)


def _gateway(settings: Settings, region: Any) -> SlbGateway:
    """Every call for a group goes to the region recorded for it, whatever the config says now."""
    if isinstance(region, str) and region:
        settings = dataclasses.replace(settings, region=region)
    return SlbGateway(settings)


def create(settings: Settings, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    spec = GroupSpec.from_props(props, settings.region)
    gateway = _gateway(settings, spec.region_id)
    try:
        if spec.adopt_id:
            return spec.adopt_id, _adopt(gateway, spec)
        group_id = _create_once(gateway, spec)
    except SlbApiError as error:
        raise ProviderError(str(error)) from None
    return group_id, spec.to_outputs()


def _create_once(gateway: SlbGateway, spec: GroupSpec) -> str:
    """Take over the group this resource already owns for this declaration, else create it.

    The look-up costs one list call (plus one read per candidate carrying our ownership
    tag); it finds what a lost answer or a killed provider process left behind.
    """
    owner = spec.owner_tag
    if owner is None:  # no program-side identity (the provider used directly): nothing to look up
        return gateway.create_group(spec, spec.tag_dict, settle=lambda: None)
    tags = {**spec.tag_dict, OWNER_TAG_KEY: owner}
    found = _owned_group(gateway, spec, owner)
    if found is not None:  # left behind by an earlier attempt: bring its tags to the declared ones
        group_id, live_tags = found
        _reconcile_tags(gateway, group_id, without_owner(live_tags), spec.tag_dict)
        return group_id
    return gateway.create_group(spec, tags, settle=lambda: _settle(gateway, spec, owner))


def _settle(gateway: SlbGateway, spec: GroupSpec, owner: str) -> str | None:
    found = _owned_group(gateway, spec, owner)
    return found[0] if found else None


def _owned_group(gateway: SlbGateway, spec: GroupSpec, owner: str) -> tuple[str, dict[str, str]] | None:
    """A group on the load balancer carrying this owner's tag and this declaration, that is
    not the resource's group in state (the old generation of a replacement), with its tags."""
    in_state = ids_in_state(owner)
    for item in gateway.list_groups(spec.load_balancer_id):
        if not item.id or item.id in in_state or owner_of(item.tags or {}) != owner:
            continue
        live = gateway.describe_group(item.id)
        if not declaration_mismatches(spec, live):
            return item.id, live.tags if live.tags is not None else (item.tags or {})
    return None


def read(settings: Settings, group_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The live group as outputs, or None when its absence is confirmed."""
    remember_in_state(props.get("owner"), group_id)
    gateway = _gateway(settings, props.get("region_id"))
    try:
        live = gateway.describe_group(group_id)
    except SlbApiError as error:
        if _confirmed_gone(gateway, group_id, props, error):
            return None
        raise ProviderError(str(error)) from None
    return _outputs_from_live(live, props, gateway.settings.region)


def _confirmed_gone(gateway: SlbGateway, group_id: str, props: Mapping[str, Any], error: SlbApiError) -> bool:
    """Gone only when a listing of its load balancer (in the group's region) lacks the id, or
    the load balancer itself is gone. The not-found message text is not documented, so an
    answer alone never drops a group; without a load balancer to list (a `get`), only the
    exact not-found signature counts."""
    if not (error.not_found or error.code.startswith("InvalidParameter") or error.code.endswith(".NotFound")):
        return False
    load_balancer_id = props.get("load_balancer_id")
    if not isinstance(load_balancer_id, str) or not load_balancer_id:
        return error.not_found
    try:
        listed = gateway.list_groups(load_balancer_id)
    except SlbApiError as listing_error:
        return listing_error.code == "InvalidLoadBalancerId.NotFound"
    return all(item.id != group_id for item in listed)


def update(settings: Settings, group_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """Only tags change in place: the API has no Modify call for name or servers."""
    remember_in_state(olds.get("owner"), group_id)
    gateway = _gateway(settings, olds.get("region_id"))
    try:
        _reconcile_tags(gateway, group_id, normalize_tags(olds.get("tags")), normalize_tags(news.get("tags")))
    except SlbApiError as error:
        raise ProviderError(str(error)) from None
    outputs = GroupSpec.from_props(news, settings.region).to_outputs()
    if olds.get("owner"):
        outputs["owner"] = olds["owner"]
    return outputs


def delete(settings: Settings, group_id: str, props: Mapping[str, Any]) -> None:
    """One gateway, so one deadline and one region, for the protection check and the delete."""
    remember_in_state(props.get("owner"), group_id)
    gateway = _gateway(settings, props.get("region_id"))
    protection.guard_delete(gateway, group_id, props)
    try:
        gateway.delete_group(group_id)
    except SlbApiError as error:
        if error.code == LISTENER_HOLDS_GROUP:
            raise ProviderError(_held_by_listeners(gateway, group_id, props, error)) from None
        if _confirmed_gone(gateway, group_id, props, error):
            return
        raise ProviderError(str(error)) from None


def _adopt(gateway: SlbGateway, spec: GroupSpec) -> dict[str, Any]:
    """Take over a group made outside Pulumi, only if it is what the program declares, is
    owned by no other resource, and is not this resource's own group being replaced."""
    assert spec.adopt_id is not None
    owner = spec.owner_tag
    if owner is not None and spec.adopt_id in ids_in_state(owner):
        raise ProviderError(
            f"adopt_id: group {spec.adopt_id} is the group this resource manages now, and the change needs a new "
            "group (name and servers cannot change in place), so adopting it again would have the replacement "
            "delete it. Nothing was changed. Remove adopt_id to create a new group (the old one is deleted after), "
            "or undo the change."
        )
    try:
        live = gateway.describe_group(spec.adopt_id)
    except SlbApiError as error:
        if error.not_found:
            raise ProviderError(
                f"adopt_id: group {spec.adopt_id} does not exist in {spec.region_id}; "
                "check the id and region_id, or remove adopt_id to create a new group."
            ) from None
        raise
    live_tags = live.tags or {}
    current_owner = owner_of(live_tags)
    if current_owner is not None and current_owner != owner:
        raise ProviderError(
            f"adopt_id: group {spec.adopt_id} is managed by another resource ({current_owner}); nothing was changed. "
            "Two resources must never manage one group. To hand it over, remove it from that resource's stack "
            f"without deleting it (`pulumi state delete <urn>`), remove its tag {OWNER_TAG_KEY}, then run again."
        )
    mismatches = declaration_mismatches(spec, live)
    if mismatches:
        raise ProviderError(
            f"adopt_id: group {spec.adopt_id} does not match the declaration, nothing was changed:\n  - "
            + "\n  - ".join(mismatches)
            + "\nEdit the program to describe the group as it is (a group cannot be modified in place), then run again."
        )
    if owner is not None and current_owner is None:
        if len(live_tags) >= MAX_TAGS:
            raise ProviderError(
                f"adopt_id: group {spec.adopt_id} already has {len(live_tags)} tags, the most the API allows, so it "
                f"has no room for the ownership tag {OWNER_TAG_KEY}; nothing was changed. Remove one of its tags "
                "(the console or UntagResources), then run again."
            )
        gateway.tag_group(spec.adopt_id, {OWNER_TAG_KEY: owner})
    _reconcile_tags(gateway, spec.adopt_id, without_owner(live_tags), spec.tag_dict)
    return spec.to_outputs()


def _reconcile_tags(gateway: SlbGateway, group_id: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """User tags only (the ownership tag is never touched); untag first so 20 never overflow."""
    removed = [key for key in without_owner(old) if key not in new]
    to_set = {key: value for key, value in new.items() if old.get(key) != value}
    gateway.untag_group(group_id, removed)
    gateway.tag_group(group_id, to_set)


def _outputs_from_live(live: LiveGroup, state: Mapping[str, Any], default_region: str | None) -> dict[str, Any]:
    """What refresh stores: the live group, plus what the API never returns (server_ip, region)."""
    known_ips = {}
    for server in normalize_servers(state.get("servers")) or []:
        if isinstance(server, Mapping) and server.get("server_ip"):
            known_ips[(server.get("server_id"), server.get("port"))] = server["server_ip"]
    servers = []
    for live_server in live.servers:
        server = live_server.to_props()
        ip = known_ips.get((server["server_id"], server["port"]))
        if ip and "server_ip" not in server:
            server["server_ip"] = ip
        servers.append(server)
    outputs: dict[str, Any] = {
        "load_balancer_id": live.load_balancer_id or state.get("load_balancer_id"),
        "region_id": state.get("region_id") or default_region,
        "name": live.name or str(state.get("name", "")),
        "servers": normalize_servers(servers),
        "tags": without_owner(live.tags) if live.tags is not None else normalize_tags(state.get("tags")),
    }
    for kept in ("adopt_id", "owner"):  # ours, never the API's: kept from state
        if state.get(kept):
            outputs[kept] = state[kept]
    outputs[PROTECTION_FLAG] = normalize_flag(state.get(PROTECTION_FLAG))
    return outputs


def _held_by_listeners(gateway: SlbGateway, group_id: str, props: Mapping[str, Any], error: SlbApiError) -> str:
    """The API's answer on the first line; which listeners hold the group, and how to free it, on the next."""
    load_balancer_id = props.get("load_balancer_id")
    listeners = gateway.listeners_holding(load_balancer_id, group_id) if isinstance(load_balancer_id, str) else []
    held_by = "listener " + ", ".join(listeners) if listeners else "a listener"
    first = str(error.with_context(hint="")).splitlines()[0]
    return (
        f"{first}\nIt is still used by {held_by} on {load_balancer_id}. Release it first: point the listener "
        "at another group, turn MasterSlaveServerGroup off on it, or delete the listener; then run destroy again."
    )
