"""Look-ups in the program process: pulumi-alicloud's `get_master_slave_server_groups`, ours.

`get_master_slave_server_groups(ids, load_balancer_id, name_regex, output_file, opts, *, region_id,
tags)` (pulumi-alicloud's names and order, `ids=` by keyword too; a text first argument is the
load balancer id, the form of releases 0.2 and 0.3) lists a load balancer's
active/standby groups through the same gateway the
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
import json
import re
import zlib
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from ..client.gone import load_balancer_gone
from ..client.settings import (
    CONFIG_KEYS,
    Settings,
    SettingsError,
    resolve_region,
    resolve_settings,
)
from ..domain.model import LiveGroup, user_tags
from ..domain.normalize import in_api_order
from ..errors import ProviderError
from .lookup_mocks import (
    LOOKUP_TOKEN,
    MockAnswerError,
    invoke_mocks,
    mocks_active,
    result_fields,
)
from .outputs import MasterSlaveServerGroupServer, servers_from_outputs

__all__ = [
    "LOOKUP_TOKEN",
    "AwaitableGetMasterSlaveServerGroupsResult",
    "GetMasterSlaveServerGroupsGroupResult",
    "GetMasterSlaveServerGroupsGroupServerResult",
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


# One server of a group: the resource's `servers` output type (s.server_id, s["server_id"]);
# `instance_id` is the same value under pulumi-alicloud's look-up name.
ServerInfo = MasterSlaveServerGroupServer
# pulumi-alicloud's name for it (alicloud.slb.outputs.GetMasterSlaveServerGroupsGroupServerResult).
GetMasterSlaveServerGroupsGroupServerResult = MasterSlaveServerGroupServer


@dataclass(frozen=True)
class MasterSlaveServerGroupInfo:
    id: str
    name: str
    load_balancer_id: str
    servers: list[MasterSlaveServerGroupServer]
    tags: dict[str, str]


# pulumi-alicloud's name for a group of the result (alicloud.slb.outputs.GetMasterSlaveServerGroupsGroupResult).
GetMasterSlaveServerGroupsGroupResult = MasterSlaveServerGroupInfo


@dataclass(frozen=True)
class GetMasterSlaveServerGroupsResult:
    """What pulumi-alicloud's result has (id, ids, names, groups, name_regex, output_file),
    plus the resolved region. `id` stands for the set of groups found, as the data source's
    id does (a hash of the ids)."""

    load_balancer_id: str
    region_id: str
    ids: list[str]
    names: list[str]
    groups: list[MasterSlaveServerGroupInfo]
    name_regex: str | None = None
    id: str = ""
    output_file: str | None = None


@dataclass(frozen=True)
class AwaitableGetMasterSlaveServerGroupsResult(GetMasterSlaveServerGroupsResult):
    """The result, awaitable as pulumi-alicloud's: `await get_master_slave_server_groups(...)`
    gives a plain GetMasterSlaveServerGroupsResult, which is not awaitable itself. Pulumi awaits
    whatever is awaitable until it is not (`Output.from_input`, `Output.all`, `apply`,
    `pulumi.export`): a result that gave itself back was awaited forever."""

    def __await__(self) -> Generator[Any, None, GetMasterSlaveServerGroupsResult]:
        yield from ()  # nothing to wait for: the look-up has answered
        return GetMasterSlaveServerGroupsResult(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(GetMasterSlaveServerGroupsResult)})


def result_id(ids: Sequence[str]) -> str:
    """The data source's id: a hash of the ids found, as pulumi-alicloud's (Terraform's) is."""
    return str(zlib.crc32("".join(ids).encode()))


def group_from_live(live: LiveGroup, load_balancer_id: str) -> MasterSlaveServerGroupInfo:
    """The ONE adapter from the gateway's LiveGroup (a list item or an Attribute answer) to the
    look-up's result type; servers are empty when the answer had none (the real list's items)."""
    return MasterSlaveServerGroupInfo(
        id=live.id,
        name=live.name,
        load_balancer_id=live.load_balancer_id or load_balancer_id,
        servers=servers_from_outputs([s.to_props() for s in in_api_order(live.servers)]),
        tags=user_tags(live.tags or {}),
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


def _lookup_arguments(first: Any, load_balancer_id: Any, ids: Any) -> tuple[Any, Any]:
    """(load_balancer_id, ids) from either order.

    pulumi-alicloud's order puts `ids` first: `(ids, load_balancer_id, ...)` or keywords. A
    text first argument is the load balancer id of the 0.2/0.3 form `(load_balancer_id,
    ids, ...)`, whose second positional argument is then the ids."""
    if isinstance(first, str):
        if ids is None and not isinstance(load_balancer_id, str):
            ids = load_balancer_id
        elif load_balancer_id is not None:
            raise LookupFailed("get_master_slave_server_groups: load_balancer_id given twice "
                               f"({first!r} and {load_balancer_id!r}); pass it once.")
        return first, ids
    if first is not None and ids is not None:
        raise LookupFailed("get_master_slave_server_groups: ids given twice (first argument and ids=); pass them once.")
    return load_balancer_id, ids if ids is not None else first


def get_master_slave_server_groups(
    ids_or_load_balancer_id: Sequence[str] | str | None = None,
    /,
    load_balancer_id: str | Sequence[str] | None = None,
    name_regex: str | None = None,
    output_file: str | None = None,
    opts: pulumi.InvokeOptions | None = None,
    *,
    ids: Sequence[str] | None = None,
    region_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> AwaitableGetMasterSlaveServerGroupsResult:
    """The groups of one load balancer, filtered by ids, name_regex and tags (all given must match).

    `output_file` writes the groups found there as JSON (pulumi-alicloud's option); `opts`
    reaches the invoke under unit-test mocks (the look-up itself is HTTP from the program)."""
    lb, wanted_ids = _lookup_arguments(ids_or_load_balancer_id, load_balancer_id, ids)
    pattern, tag_filter = _validated(lb, wanted_ids, name_regex, region_id, tags)
    if mocks_active():  # a unit test: Mocks.call answers, nothing is read or sent
        result = _answered_by_mocks(lb, wanted_ids, name_regex, region_id, tag_filter if tags is not None else None,
                                    opts)
    else:
        resolved = _resolved_settings(lb, settings, region_id)
        groups = _groups(resolved, lb, wanted_ids, pattern, tag_filter)
        result = AwaitableGetMasterSlaveServerGroupsResult(
            load_balancer_id=lb, region_id=str(resolved.region), ids=[g.id for g in groups],
            names=[g.name for g in groups], groups=groups, name_regex=name_regex)
    result = dataclasses.replace(result, id=result.id or result_id(result.ids), output_file=output_file)
    if output_file:
        _write_output_file(output_file, result)
    return result


def _resolved_settings(load_balancer_id: str, settings: Settings | None, region_id: str | None) -> Settings:
    resolved = settings if settings is not None else program_settings()
    if region_id:
        resolved = dataclasses.replace(resolved, region=region_id)
    try:
        resolved.require_region(own_setting="pass `region_id=` to get_master_slave_server_groups")
        resolved.require_credentials()
    except SettingsError as error:
        raise LookupFailed(f"get_master_slave_server_groups({load_balancer_id}): {error}") from None
    return resolved


def _groups(settings: Settings, load_balancer_id: str, ids: Sequence[str] | None, pattern: re.Pattern[str] | None,
            tag_filter: dict[str, str]) -> list[MasterSlaveServerGroupInfo]:
    """The matching groups, each with its servers: one listing of every page, then one
    Attribute call per group whose list item carried no servers (the real list's never do)."""
    from ..client.api_error import SlbApiError
    from ..client.gateway import SlbGateway

    gateway = SlbGateway(settings)
    wanted = set(ids) if ids is not None else None
    try:
        listed = [group_from_live(item, load_balancer_id)
                  for item in gateway.list_groups(load_balancer_id, tags=tag_filter or None)]
        matching = [g for g in listed
                    if (wanted is None or g.id in wanted) and (pattern is None or pattern.search(g.name))]
        return [g if g.servers else dataclasses.replace(
                    g, servers=group_from_live(gateway.describe_group(g.id), load_balancer_id).servers)
                for g in matching]
    except SlbApiError as error:
        where = f"get_master_slave_server_groups({load_balancer_id})"
        if load_balancer_gone(error):
            raise LookupFailed(
                f"{where}: load balancer {load_balancer_id} does not exist in region {settings.region} "
                f"({error.code}, RequestId {error.request_id}); check load_balancer_id, and region_id or alicloud:region."
            ) from None
        raise LookupFailed(f"{where}: {error}") from None  # the gateway's text, already scrubbed


def _write_output_file(path: str, result: GetMasterSlaveServerGroupsResult) -> None:
    """The groups found, as JSON, as pulumi-alicloud's `output_file` writes them."""
    try:
        Path(path).write_text(json.dumps([dataclasses.asdict(g) for g in result.groups], indent=2) + "\n",
                              encoding="utf-8")
    except OSError as error:
        raise LookupFailed(f"get_master_slave_server_groups: output_file {path!r} could not be written "
                           f"({error.strerror}); give a writable path.") from None


def _answered_by_mocks(load_balancer_id: str, ids: Sequence[str] | None, name_regex: str | None,
                       region_id: str | None, tags: dict[str, str] | None,
                       opts: pulumi.InvokeOptions | None) -> AwaitableGetMasterSlaveServerGroupsResult:
    """The look-up as an invoke of LOOKUP_TOKEN, answered by the user's `Mocks.call`
    (lookup_mocks.py has the contract), in the real look-up's result types."""
    arguments = {"load_balancer_id": load_balancer_id, "ids": list(ids) if ids is not None else None,
                 "name_regex": name_regex, "region_id": region_id, "tags": tags}
    region = region_id or resolve_region(program_config()) or ""
    try:
        fields = result_fields(invoke_mocks(arguments, opts), load_balancer_id=load_balancer_id, region_id=region,
                               name_regex=name_regex)
    except MockAnswerError as error:
        raise LookupFailed(
            f"get_master_slave_server_groups({load_balancer_id}): Mocks.call answered {LOOKUP_TOKEN} with a value "
            f"that is not the look-up's result: {error}. Answer with a dict shaped like "
            "GetMasterSlaveServerGroupsResult (README: 'Look-ups in unit tests')."
        ) from None
    groups = [MasterSlaveServerGroupInfo(**{**g, "servers": servers_from_outputs(g["servers"])})
              for g in fields.pop("groups")]
    return AwaitableGetMasterSlaveServerGroupsResult(groups=groups, **fields)


def get_master_slave_server_groups_output(
    ids_or_load_balancer_id: pulumi.Input[Sequence[pulumi.Input[str]]] | pulumi.Input[str] | None = None,
    /,
    load_balancer_id: pulumi.Input[str] | None = None,
    name_regex: pulumi.Input[str] | None = None,
    output_file: pulumi.Input[str] | None = None,
    opts: pulumi.InvokeOptions | None = None,
    *,
    ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    region_id: pulumi.Input[str] | None = None,
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
) -> pulumi.Output[GetMasterSlaveServerGroupsResult]:
    """The Output form: runs once every argument is known (during preview too, when they are);
    same names and order as the plain form."""
    def run(args: list[Any]) -> GetMasterSlaveServerGroupsResult:
        first, second, regex, file, region, tag_map, named_ids = args
        return get_master_slave_server_groups(first, second, regex, file, opts, ids=named_ids, region_id=region,
                                              tags=tag_map)

    return pulumi.Output.all(
        pulumi.Output.from_input(ids_or_load_balancer_id),
        pulumi.Output.from_input(load_balancer_id),
        pulumi.Output.from_input(name_regex),
        pulumi.Output.from_input(output_file),
        pulumi.Output.from_input(region_id),
        pulumi.Output.from_input(tags),
        pulumi.Output.from_input(ids),
    ).apply(run)
