"""The lifecycle against SLB: create (or adopt), read, update tags, delete.

Kept apart from the provider class (`__init__.py`) so a provider process that only previews never imports the
gateway or the SDK. The gateway speaks in domain types (`LiveGroup`), never the API's
field names; every SLB error leaves here as a ProviderError with the gateway's text
(already scrubbed of the secret and the token, and saying what to do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..client.api_error import LISTENER_HOLDS_GROUP, SlbApiError
from ..client.gateway import SlbGateway
from ..client.gone import confirmed_gone
from ..client.settings import Settings
from ..domain.fields import OWNER_TAG_OUTPUT
from ..domain.model import GroupSpec, LiveGroup, group_outputs, user_tags
from ..domain.normalize import (
    PROTECTION_FLAG,
    normalize_flag,
    normalize_servers,
    normalize_tags,
)
from ..errors import ProviderError
from ..ownership import sweep, tagging
from ..ownership.adoption import adopt
from ..ownership.create import create_owned, create_unowned
from ..ownership.tag import owner_value
from . import protection


def _gateway(settings: Settings, region: Any) -> SlbGateway:
    """Every call for a group goes to the region recorded for it, whatever the config says now."""
    if isinstance(region, str) and region:
        settings = dataclasses.replace(settings, region=region)
    return SlbGateway(settings)


def create(settings: Settings, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The declaration normalized once into a GroupSpec and passed down: adopt the group `adopt_id`
    names (ownership/adoption.py), or create one exactly once (ownership/create.py)."""
    spec = GroupSpec.from_props(props, settings.region)
    gateway = _gateway(settings, spec.region_id)
    try:
        if spec.adopt_id:
            group_id = adopt(gateway, spec)
        elif spec.owner is None:  # no program-side identity (the provider used directly)
            group_id = create_unowned(gateway, spec)
        else:
            group_id = create_owned(gateway, spec, spec.owner)
    except SlbApiError as error:
        raise ProviderError(str(error)) from None
    return group_id, _outputs(spec)


def read(settings: Settings, group_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The live group as outputs, or None when its absence is confirmed.

    A group from an earlier release whose owner state knows is brought to the current
    ownership tag in place (tagging.bring_to_current_form); `owner_tag` records the value
    the group carries, so a Diff sees what an `up` still has to rewrite."""
    gateway = _gateway(settings, props.get("region_id"))
    try:
        live = gateway.describe_group(group_id)
    except SlbApiError as error:
        if confirmed_gone(gateway, group_id, props.get("load_balancer_id"), error):
            return None
        raise ProviderError(str(error)) from None
    outputs = _outputs_from_live(live, props, gateway.settings.region)
    owner = props.get("owner")
    if live.tags is None:  # the answer said nothing about tags: keep what state recorded
        if props.get(OWNER_TAG_OUTPUT):
            outputs[OWNER_TAG_OUTPUT] = props[OWNER_TAG_OUTPUT]
    elif isinstance(owner, str) and owner:
        value = tagging.bring_to_current_form(gateway, group_id, live.tags, owner)
        if value is not None:
            outputs[OWNER_TAG_OUTPUT] = value
    return outputs


def update(settings: Settings, group_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """Only tags change in place: the API has no Modify call for name or servers. The
    ownership tag is rewritten when state's `owner_tag` is not the current owner's value (a
    group from an earlier release, a renamed stack or resource)."""
    gateway = _gateway(settings, olds.get("region_id"))
    spec = GroupSpec.from_props(news, settings.region)
    recorded = olds.get(OWNER_TAG_OUTPUT) if isinstance(olds.get(OWNER_TAG_OUTPUT), str) else None
    tagging.update(gateway, group_id, normalize_tags(olds.get("tags")), spec.tag_dict, spec.owner, recorded)
    outputs = _outputs(spec)
    if spec.owner is None and recorded:
        outputs[OWNER_TAG_OUTPUT] = recorded
    return outputs


def delete(settings: Settings, group_id: str, props: Mapping[str, Any]) -> None:
    """The group, then what interrupted creates of this stack left pending on its load
    balancer (ownership/sweep.py: a killed replacement, then `destroy`: nothing else would remove it).

    One gateway, so one deadline and one region, for the protection check, the delete and
    the sweep, whose listing is sent alongside the delete and used once the delete is done."""
    gateway = _gateway(settings, props.get("region_id"))
    protection.guard_delete(gateway, group_id, props)
    owner, load_balancer_id = props.get("owner"), props.get("load_balancer_id")
    sweeping = isinstance(owner, str) and bool(owner) and isinstance(load_balancer_id, str) and bool(load_balancer_id)
    listing = sweep.list_alongside(gateway, str(load_balancer_id)) if sweeping else None
    try:
        try:
            gateway.delete_group(group_id)
        except SlbApiError as error:
            if error.code == LISTENER_HOLDS_GROUP:
                raise ProviderError(_held_by_listeners(gateway, group_id, props, error)) from None
            if not confirmed_gone(gateway, group_id, props.get("load_balancer_id"), error):
                raise
        if listing is not None:
            sweep.sweep_abandoned(gateway, str(owner), str(load_balancer_id), deleted_id=group_id,
                                  listed=listing.result())
    except SlbApiError as error:
        raise ProviderError(str(error)) from None


def _outputs(spec: GroupSpec) -> dict[str, Any]:
    """What create, adopt and update store: the declaration, and the ownership tag's value the
    group now carries (none without an owner)."""
    return spec.to_outputs(owner_tag=owner_value(spec.owner) if spec.owner else None)


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
    return group_outputs(
        load_balancer_id=live.load_balancer_id or state.get("load_balancer_id"),
        region_id=state.get("region_id") or default_region,
        name=live.name or str(state.get("name", "")),
        servers=normalize_servers(servers),
        tags=user_tags(live.tags) if live.tags is not None else normalize_tags(state.get("tags")),
        delete_protection_validation=normalize_flag(state.get(PROTECTION_FLAG)),
        adopt_id=state.get("adopt_id"),  # ours, never the API's: kept from state
        owner=state.get("owner"),
    )


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
