"""MasterSlaveServerGroup: what a user writes in a stack.

Inputs keep the snake_case keys of the contract so the property bag that reaches check()
is exactly what the user wrote, plus `owner`: the resource's URN. Only the program side
knows project, stack, type, parent and name (the provider process receives no URN), and
the provider needs them for the ownership tag that makes creates idempotent and keeps two
resources from managing one group. A `name` left out is chosen by check() (the resource
name, once, then kept), so all normalization happens in the provider, where preview can
report it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Union, cast

import pulumi
import pulumi.dynamic

from .provider import MasterSlaveServerGroupProvider
from .spec import SERVER_FIELDS

_PROVIDER = MasterSlaveServerGroupProvider()


@dataclass
class BackendServerArgs:
    """One server of the pair. Ports and weights may be ints or numeric strings."""

    server_id: pulumi.Input[str]
    port: pulumi.Input[int | str]
    weight: pulumi.Input[int | str] | None = None
    server_type: pulumi.Input[str] | None = None
    type: pulumi.Input[str] | None = None
    description: pulumi.Input[str] | None = None
    server_ip: pulumi.Input[str] | None = None

    def to_input(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value is not None}


class _BackendServerRequired(TypedDict):
    server_id: pulumi.Input[str]
    port: pulumi.Input[int | str]


class BackendServerArgsDict(_BackendServerRequired, total=False):
    """The dict form of BackendServerArgs, for type checkers (pulumi-alicloud's *ArgsDict style)."""

    weight: pulumi.Input[int | str]
    server_type: pulumi.Input[str]
    type: pulumi.Input[str]
    description: pulumi.Input[str]
    server_ip: pulumi.Input[str]


ServerInput = Union[BackendServerArgs, BackendServerArgsDict, Mapping[str, Any]]


def _server_inputs(servers: Any) -> Any:
    """Typed args become plain dicts; anything else passes through for check() to judge."""
    if isinstance(servers, (list, tuple)):
        return [s.to_input() if isinstance(s, BackendServerArgs) else s for s in servers]
    return servers


class MasterSlaveServerGroup(pulumi.dynamic.Resource, module="slb", name="MasterSlaveServerGroup"):
    """An SLB active/standby server group: one Master and one Slave behind a listener.

    Name and servers cannot change in place (the API has no Modify call): changing them
    replaces the group, creating the new one before deleting the old so a listener can
    be moved over. Tags change in place. `adopt_id` takes over an existing group.
    """

    load_balancer_id: pulumi.Output[str]
    region_id: pulumi.Output[str]
    name: pulumi.Output[str]
    servers: pulumi.Output[list[dict[str, Any]]]
    tags: pulumi.Output[dict[str, str]]
    adopt_id: pulumi.Output[str | None]
    owner: pulumi.Output[str]
    delete_protection_validation: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        load_balancer_id: pulumi.Input[str],
        servers: pulumi.Input[Sequence[ServerInput]],
        name: pulumi.Input[str] | None = None,
        region_id: pulumi.Input[str] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        delete_protection_validation: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "load_balancer_id": load_balancer_id,
            "servers": _server_inputs(servers),
            "name": name,
            "region_id": region_id,
            "tags": tags,
            "adopt_id": adopt_id,
            # The URN pulumi.dynamic.Resource will register under (same type token, same parent).
            "owner": _owner_urn(resource_name, f"pulumi-python:{self._resource_type_name}",
                                opts.parent if opts else None),
            "delete_protection_validation": delete_protection_validation,
        }
        self._init_with_typed_outputs(resource_name, props, opts)

    def _init_with_typed_outputs(self, resource_name: str, props: dict[str, Any],
                                 opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(_PROVIDER, resource_name, props, opts)
        # Every number crosses the engine as a float: give the program the ints the README promises.
        self.servers = self.servers.apply(typed_servers)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None,
            region_id: pulumi.Input[str] | None = None) -> MasterSlaveServerGroup:
        """Read an existing group into the program without managing it (the engine's Read of an
        external resource): outputs as for a managed group. The region is `region_id`, else
        `alicloud:region` / the environment, as for the resource."""
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        group = MasterSlaveServerGroup.__new__(MasterSlaveServerGroup)
        props: dict[str, Any] = {key: None for key in ("load_balancer_id", "servers", "name", "tags", "adopt_id",
                                                       "owner", "delete_protection_validation")}
        props["region_id"] = region_id
        group._init_with_typed_outputs(resource_name, props, opts)
        return group


def _owner_urn(resource_name: str, type_: str, parent: pulumi.Resource | None) -> pulumi.Output[str]:
    """The resource's URN, as a value without a dependency on the parent.

    create_urn() builds it from the parent's URN, and an Output carries the resources it
    came from: the owner input would then depend on the parent. A component parent stands
    for its children, this resource among them, so the SDK would refuse the program with
    "a circular dependency". The URN is only a name: its value is kept, the dependency
    dropped (the parent is registered before its children anyway).
    """
    urn = pulumi.create_urn(resource_name, type_, parent=parent)
    if parent is None:
        return urn
    value = cast("Awaitable[str]", urn.future())  # a URN is never None once known
    return pulumi.Output(set(), value, urn.is_known(), urn.is_secret())


def typed_servers(servers: Any) -> Any:
    """Servers as the README states them: port and weight ints, the documented keys only."""
    if not isinstance(servers, (list, tuple)):
        return servers
    typed = []
    for server in servers:
        if not isinstance(server, Mapping):
            typed.append(server)
            continue
        entry = {key: server[key] for key in SERVER_FIELDS if server.get(key) is not None}
        for key in ("port", "weight"):
            if isinstance(entry.get(key), float) and entry[key].is_integer():
                entry[key] = int(entry[key])
        typed.append(entry)
    return typed
