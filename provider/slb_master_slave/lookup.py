"""Look-ups in the program process: pulumi-alicloud's `get_master_slave_server_groups`, ours.

`get_master_slave_server_groups(load_balancer_id, ids=None, name_regex=None, region_id=None,
tags=None)` lists a load balancer's active/standby groups through the same gateway the
provider uses, with the same credentials, region and endpoint resolution (stack config
`alicloud:*` / `slb-master-slave:*` read here with `pulumi.Config`, then the environment).
It is read-only, so it runs during preview as well as during up, like pulumi-alicloud's
invokes. `get_master_slave_server_groups_output(...)` takes Inputs and returns an Output.
Under `pulumi.runtime.set_mocks` (a unit test) neither form reads settings or sends a
request: the look-up is an invoke of `LOOKUP_TOKEN` that `Mocks.call` answers
(lookup_mocks.py), as pulumi-alicloud's are.

Every failure is a `LookupFailed` (a `pulumi.RunError`, which Pulumi reports as its message
alone, without a stack trace) naming the argument or setting, the API code and RequestId,
and the fix; no secret is ever in it.

The API's answer becomes our result types in ONE place, `group_from_live`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from .errors import ProviderError
from .lookup_mocks import (
    LOOKUP_TOKEN,
    MockAnswerError,
    invoke_mocks,
    mocks_active,
    result_fields,
)
from .ownership import without_owner
from .settings import (
    CONFIG_KEYS,
    Settings,
    SettingsError,
    resolve_region,
    resolve_settings,
)
from .spec import LiveGroup

__all__ = [
    "LOOKUP_TOKEN",
    "GetMasterSlaveServerGroupsResult",
    "LookupFailed",
    "MasterSlaveServerGroupInfo",
    "ServerInfo",
    "get_master_slave_server_groups",
    "get_master_slave_server_groups_output",
    "program_settings",
]

class LookupFailed(ProviderError, pulumi.RunError):
    """A look-up that could not answer; Pulumi shows the message only (no stack trace)."""


@dataclass(frozen=True)
class ServerInfo:
    """One server of a group, with every field the API returns (and the resource's key names)."""

    server_id: str
    port: int
    weight: int
    server_type: str
    type: str
    description: str | None = None
    server_ip: str | None = None


@dataclass(frozen=True)
class MasterSlaveServerGroupInfo:
    id: str
    name: str
    load_balancer_id: str
    servers: list[ServerInfo]
    tags: dict[str, str]


@dataclass(frozen=True)
class GetMasterSlaveServerGroupsResult:
    """What pulumi-alicloud's result has (ids, names, groups), plus the resolved region."""

    load_balancer_id: str
    region_id: str
    ids: list[str]
    names: list[str]
    groups: list[MasterSlaveServerGroupInfo]
    name_regex: str | None = None


def group_from_live(live: LiveGroup, load_balancer_id: str) -> MasterSlaveServerGroupInfo:
    """The ONE adapter from the gateway's LiveGroup (a list item or an Attribute answer) to the
    look-up's result type; servers are empty when the answer had none (the real list's items)."""
    parsed = sorted(live.servers, key=lambda s: s.server_type != "Master")
    return MasterSlaveServerGroupInfo(
        id=live.id,
        name=live.name,
        load_balancer_id=live.load_balancer_id or load_balancer_id,
        servers=[ServerInfo(s.server_id, s.port, s.weight, s.server_type, s.type, s.description, s.server_ip)
                 for s in parsed],
        tags=without_owner(live.tags or {}),
    )


def program_config() -> dict[str, str]:
    """The provider's config keys as the program's stack config has them."""
    values: dict[str, str] = {}
    for key in CONFIG_KEYS:
        namespace, name = key.split(":", 1)
        value = pulumi.Config(namespace).get(name)
        if value is not None:
            values[key] = value
    return values


def program_settings() -> Settings:
    """Settings resolved exactly as the provider resolves them: stack config, then environment."""
    try:
        return resolve_settings(program_config())
    except SettingsError as error:
        raise LookupFailed(f"get_master_slave_server_groups: {error}") from None


def _validated(load_balancer_id: Any, ids: Any, name_regex: Any, region_id: Any,
               tags: Any) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    where = "get_master_slave_server_groups"
    if not isinstance(load_balancer_id, str) or not load_balancer_id.strip():
        raise LookupFailed(f"{where}: load_balancer_id is required (the SLB instance id, lb-...); got {load_balancer_id!r}.")
    if ids is not None and (not isinstance(ids, (list, tuple)) or not all(isinstance(i, str) for i in ids)):
        raise LookupFailed(f"{where}: ids must be a list of group ids (rsp-...); got {ids!r}.")
    pattern = None
    if name_regex is not None:
        try:
            pattern = re.compile(str(name_regex))
        except re.error as error:
            raise LookupFailed(f"{where}: name_regex {name_regex!r} is not a regular expression ({error}); fix the pattern.") from None
    if region_id is not None and (not isinstance(region_id, str) or not region_id.strip()):
        raise LookupFailed(f"{where}: region_id must be a region id such as cn-hangzhou; got {region_id!r}.")
    if tags is not None and not isinstance(tags, Mapping):
        raise LookupFailed(f"{where}: tags must be a mapping of tag key to value; got {tags!r}.")
    return pattern, ({str(k): str(v) for k, v in tags.items()} if tags else {})


def get_master_slave_server_groups(
    load_balancer_id: str,
    ids: Sequence[str] | None = None,
    name_regex: str | None = None,
    region_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    *,
    settings: Settings | None = None,
) -> GetMasterSlaveServerGroupsResult:
    """The groups of one load balancer, filtered by ids, name_regex and tags (all given must match)."""
    from .api import SlbApiError, SlbGateway

    pattern, tag_filter = _validated(load_balancer_id, ids, name_regex, region_id, tags)
    if mocks_active():  # a unit test: Mocks.call answers, nothing is read or sent
        return _answered_by_mocks(load_balancer_id, ids, name_regex, region_id, tag_filter if tags is not None else None)
    resolved = settings if settings is not None else program_settings()
    if region_id:
        resolved = dataclasses.replace(resolved, region=region_id)
    where = f"get_master_slave_server_groups({load_balancer_id})"
    try:
        resolved.require_region(own_setting="pass `region_id=` to get_master_slave_server_groups")
        resolved.require_credentials()
    except SettingsError as error:
        raise LookupFailed(f"{where}: {error}") from None
    gateway = SlbGateway(resolved)
    try:
        listed = [group_from_live(item, load_balancer_id)
                  for item in gateway.list_groups_all_pages(load_balancer_id, tags=tag_filter or None)]
        wanted = set(ids) if ids is not None else None
        groups = []
        for group in listed:
            if wanted is not None and group.id not in wanted:
                continue
            if pattern is not None and not pattern.search(group.name):
                continue
            if not group.servers:  # the real list has no servers: one Attribute call for this group
                group = dataclasses.replace(group, servers=group_from_live(gateway.describe_group(group.id), load_balancer_id).servers)
            groups.append(group)
    except SlbApiError as error:
        if error.code == "InvalidLoadBalancerId.NotFound":
            raise LookupFailed(
                f"{where}: load balancer {load_balancer_id} does not exist in region {resolved.region} "
                f"({error.code}, RequestId {error.request_id}); check load_balancer_id, and region_id or alicloud:region."
            ) from None
        raise LookupFailed(f"{where}: {error}") from None  # the gateway's text, already scrubbed
    return GetMasterSlaveServerGroupsResult(
        load_balancer_id=load_balancer_id,
        region_id=str(resolved.region),
        ids=[g.id for g in groups],
        names=[g.name for g in groups],
        groups=groups,
        name_regex=name_regex,
    )


def _answered_by_mocks(load_balancer_id: str, ids: Sequence[str] | None, name_regex: str | None,
                       region_id: str | None, tags: dict[str, str] | None) -> GetMasterSlaveServerGroupsResult:
    """The look-up as an invoke of LOOKUP_TOKEN, answered by the user's `Mocks.call`
    (lookup_mocks.py has the contract), in the real look-up's result types."""
    arguments = {"load_balancer_id": load_balancer_id, "ids": list(ids) if ids is not None else None,
                 "name_regex": name_regex, "region_id": region_id, "tags": tags}
    region = region_id or resolve_region(program_config()) or ""
    try:
        fields = result_fields(invoke_mocks(arguments), load_balancer_id=load_balancer_id, region_id=region,
                               name_regex=name_regex)
    except MockAnswerError as error:
        raise LookupFailed(
            f"get_master_slave_server_groups({load_balancer_id}): Mocks.call answered {LOOKUP_TOKEN} with a value "
            f"that is not the look-up's result: {error}. Answer with a dict shaped like "
            "GetMasterSlaveServerGroupsResult (README: 'Look-ups in unit tests')."
        ) from None
    groups = [MasterSlaveServerGroupInfo(**{**g, "servers": [ServerInfo(**s) for s in g["servers"]]})
              for g in fields.pop("groups")]
    return GetMasterSlaveServerGroupsResult(groups=groups, **fields)


def get_master_slave_server_groups_output(
    load_balancer_id: pulumi.Input[str],
    ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    name_regex: pulumi.Input[str] | None = None,
    region_id: pulumi.Input[str] | None = None,
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
) -> pulumi.Output[GetMasterSlaveServerGroupsResult]:
    """The Output form: runs once every argument is known (during preview too, when they are)."""
    return pulumi.Output.all(
        pulumi.Output.from_input(load_balancer_id),
        pulumi.Output.from_input(ids),
        pulumi.Output.from_input(name_regex),
        pulumi.Output.from_input(region_id),
        pulumi.Output.from_input(tags),
    ).apply(lambda args: get_master_slave_server_groups(*args))
