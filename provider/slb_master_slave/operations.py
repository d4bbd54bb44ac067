"""The lifecycle against SLB: create (or adopt), read, update tags, delete.

Kept apart from provider.py so a provider process that only previews never imports the
gateway or the SDK. Every SLB error leaves here as a ProviderError whose text is scrubbed
of the secret and the token, and says what to do.
"""

from __future__ import annotations

from typing import Any, Mapping

from .api import IDEMPOTENCY_TAG_KEY, LISTENER_HOLDS_GROUP, MAX_TAGS, SlbApiError, SlbGateway, scrub
from .errors import ProviderError
from .settings import Settings
from .spec import BackendServer, GroupSpec, api_servers, api_tags, normalize_servers, normalize_tags


def create(settings: Settings, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    gateway = SlbGateway(settings)
    spec = GroupSpec.from_props(props, settings.region)
    try:
        if spec.adopt_id:
            return spec.adopt_id, _adopt(gateway, spec)
        group_id = gateway.create_group(spec)
    except SlbApiError as error:
        raise ProviderError(_scrubbed(error, settings)) from None
    return group_id, spec.to_outputs()


def read(settings: Settings, group_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The live group as outputs, or None when the API answers with an exact not-found."""
    gateway = SlbGateway(settings)
    try:
        live = gateway.describe_group(group_id)
    except SlbApiError as error:
        if error.not_found:
            return None
        raise ProviderError(_scrubbed(error, settings)) from None
    return _outputs_from_live(live, props, settings.region)


def update(settings: Settings, group_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """Only tags change in place: the API has no Modify call for name or servers."""
    gateway = SlbGateway(settings)
    try:
        _reconcile_tags(gateway, group_id, normalize_tags(olds.get("tags")), normalize_tags(news.get("tags")))
    except SlbApiError as error:
        raise ProviderError(_scrubbed(error, settings)) from None
    return GroupSpec.from_props(news, settings.region).to_outputs()


def delete(settings: Settings, group_id: str, props: Mapping[str, Any]) -> None:
    gateway = SlbGateway(settings)
    try:
        gateway.delete_group(group_id)
    except SlbApiError as error:
        if error.code == LISTENER_HOLDS_GROUP:
            raise ProviderError(_held_by_listeners(gateway, group_id, props, error)) from None
        raise ProviderError(_scrubbed(error, settings)) from None


def _adopt(gateway: SlbGateway, spec: GroupSpec) -> dict[str, Any]:
    """Take over a group made outside Pulumi, only if it is what the program declares."""
    assert spec.adopt_id is not None
    try:
        live = gateway.describe_group(spec.adopt_id)
    except SlbApiError as error:
        if error.not_found:
            raise ProviderError(
                f"adopt_id: group {spec.adopt_id} does not exist in {spec.region_id}; "
                "check the id and region_id, or remove adopt_id to create a new group."
            ) from None
        raise
    mismatches = _adoption_mismatches(spec, live)
    if mismatches:
        raise ProviderError(
            f"adopt_id: group {spec.adopt_id} does not match the declaration, nothing was changed:\n  - "
            + "\n  - ".join(mismatches)
            + "\nEdit the program to describe the group as it is (a group cannot be modified in place), then run again."
        )
    live_tags = {k: v for k, v in api_tags(live).items() if k != IDEMPOTENCY_TAG_KEY}
    _reconcile_tags(gateway, spec.adopt_id, live_tags, spec.tag_dict)
    return spec.to_outputs()


def _scrubbed(error: SlbApiError, settings: Settings) -> str:
    return scrub(str(error), settings.secrets())


def _reconcile_tags(gateway: SlbGateway, group_id: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Untag first so a full set of 20 never overflows; then the create token yields its slot too."""
    removed = [key for key in old if key not in new]
    to_set = {key: value for key, value in new.items() if old.get(key) != value}
    token_must_go = len(new) >= MAX_TAGS and bool(to_set)
    if removed or token_must_go:
        gateway.untag_group(group_id, removed + ([IDEMPOTENCY_TAG_KEY] if token_must_go else []))
    gateway.tag_group(group_id, to_set)


def _outputs_from_live(live: Mapping[str, Any], state: Mapping[str, Any], default_region: str | None) -> dict[str, Any]:
    """What refresh stores: the live group, plus what the API never returns (server_ip, region)."""
    known_ips = {}
    for server in normalize_servers(state.get("servers")) or []:
        if isinstance(server, Mapping) and server.get("server_ip"):
            known_ips[(server.get("server_id"), server.get("port"))] = server["server_ip"]
    servers = []
    for item in api_servers(live):
        server = BackendServer.from_api(item).to_props()
        ip = known_ips.get((server["server_id"], server["port"]))
        if ip and "server_ip" not in server:
            server["server_ip"] = ip
        servers.append(server)
    outputs: dict[str, Any] = {
        "load_balancer_id": live.get("LoadBalancerId") or state.get("load_balancer_id"),
        "region_id": state.get("region_id") or default_region,
        "name": live.get("MasterSlaveServerGroupName", state.get("name", "")),
        "servers": normalize_servers(servers),
        "tags": ({k: v for k, v in api_tags(live).items() if k != IDEMPOTENCY_TAG_KEY}
                 if "Tags" in live else normalize_tags(state.get("tags"))),
    }
    for kept in ("adopt_id", "owner"):  # ours, never the API's: kept from state
        if state.get(kept):
            outputs[kept] = state[kept]
    return outputs


def _adoption_mismatches(spec: GroupSpec, live: Mapping[str, Any]) -> list[str]:
    mismatches = []
    live_lb = live.get("LoadBalancerId")
    if live_lb and live_lb != spec.load_balancer_id:
        mismatches.append(f"load_balancer_id: declared {spec.load_balancer_id}, the group belongs to {live_lb}")
    live_name = live.get("MasterSlaveServerGroupName", "")
    if live_name != spec.name:
        mismatches.append(f"name: declared {spec.name!r}, the group is named {live_name!r}")
    declared = {s.key: s for s in spec.servers}
    actual = {s.key: s for s in (BackendServer.from_api(i) for i in api_servers(live))}
    for key in sorted(set(declared) | set(actual)):
        where = f"server {key[0]}:{key[1]}"
        if key not in actual:
            mismatches.append(f"servers: {where} is declared but not in the group")
        elif key not in declared:
            mismatches.append(f"servers: {where} is in the group but not declared")
        else:
            for field in ("weight", "server_type", "type"):
                want, have = getattr(declared[key], field), getattr(actual[key], field)
                if want != have:
                    mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches


def _held_by_listeners(gateway: SlbGateway, group_id: str, props: Mapping[str, Any], error: SlbApiError) -> str:
    load_balancer_id = props.get("load_balancer_id")
    listeners = gateway.listeners_holding(load_balancer_id, group_id) if isinstance(load_balancer_id, str) else []
    held_by = ", ".join(listeners) if listeners else "a listener"
    return (
        f"group {group_id} is still used by {held_by} on {load_balancer_id} ({error.code}, "
        f"{error.attempts} attempts). Release it first: point the listener at another group, "
        "turn MasterSlaveServerGroup off on it, or delete the listener; then run destroy again. "
        f"(RequestId {error.request_id})"
    )
