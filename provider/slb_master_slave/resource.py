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

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

import pulumi
import pulumi.dynamic

from .provider import MasterSlaveServerGroupProvider

_PROVIDER = MasterSlaveServerGroupProvider()


@dataclass
class BackendServerArgs:
    """One server of the pair. Ports and weights may be ints or numeric strings."""

    server_id: pulumi.Input[str]
    port: pulumi.Input[Union[int, str]]
    weight: Optional[pulumi.Input[Union[int, str]]] = None
    server_type: Optional[pulumi.Input[str]] = None
    type: Optional[pulumi.Input[str]] = None
    description: Optional[pulumi.Input[str]] = None
    server_ip: Optional[pulumi.Input[str]] = None

    def to_input(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value is not None}


ServerInput = Union[BackendServerArgs, Mapping[str, Any]]


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
    servers: pulumi.Output[list]
    tags: pulumi.Output[dict]
    adopt_id: pulumi.Output[Optional[str]]
    owner: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        load_balancer_id: pulumi.Input[str],
        servers: pulumi.Input[Sequence[ServerInput]],
        name: Optional[pulumi.Input[str]] = None,
        region_id: Optional[pulumi.Input[str]] = None,
        tags: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        adopt_id: Optional[pulumi.Input[str]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {
            "load_balancer_id": load_balancer_id,
            "servers": _server_inputs(servers),
            "name": name,
            "region_id": region_id,
            "tags": tags,
            "adopt_id": adopt_id,
            # The URN pulumi.dynamic.Resource will register under (same type token, same parent).
            "owner": pulumi.create_urn(resource_name, f"pulumi-python:{self._resource_type_name}",
                                       parent=opts.parent if opts else None),
        }
        super().__init__(_PROVIDER, resource_name, props, opts)
