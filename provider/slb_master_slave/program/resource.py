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

from collections.abc import Awaitable, Mapping
from typing import Any, cast

import pulumi
import pulumi.dynamic

from ..domain import fields
from ..provider import MasterSlaveServerGroupProvider
from .generated_types import MasterSlaveServerGroupShape
from .inputs import BackendServerArgs as BackendServerArgs
from .inputs import BackendServerArgsDict as BackendServerArgsDict
from .inputs import (
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupArgsDict,
    camel_case_hint,
    server_inputs,
    warn_camel_case_servers,
)
from .outputs import servers_from_outputs

_PROVIDER = MasterSlaveServerGroupProvider()
_REQUIRED = tuple(f.name for f in fields.GROUP if f.required)


class MasterSlaveServerGroup(MasterSlaveServerGroupShape, pulumi.dynamic.Resource, module="slb",
                             name="MasterSlaveServerGroup"):
    """An SLB active/standby server group: one Master and one Slave behind a listener.

    Name and servers cannot change in place (the API has no Modify call): changing them
    replaces the group, creating the new one before deleting the old so a listener can
    be moved over. Tags change in place. `adopt_id` takes over an existing group.

    Its keyword signature, both call forms and its `pulumi.Output` attributes come from
    MasterSlaveServerGroupShape, generated from the field table (generated_types.py).
    """

    def _init_from_arguments(
        self,
        resource_name: str,
        args: MasterSlaveServerGroupArgs | MasterSlaveServerGroupArgsDict | pulumi.ResourceOptions | None,
        opts: pulumi.ResourceOptions | None,
        arguments: dict[str, Any],
    ) -> None:
        if isinstance(args, pulumi.ResourceOptions):  # pulumi-alicloud's `(name, opts, **kwargs)` form
            args, opts = None, args
        given = _arguments_of(args, arguments)
        warn_camel_case_servers(resource_name, given["servers"])
        props = {
            **given,
            "servers": server_inputs(given["servers"]),
            # The URN pulumi.dynamic.Resource will register under (same type token, same parent).
            fields.OWNER.name: _owner_urn(resource_name, f"pulumi-python:{self._resource_type_name}",
                                          opts.parent if opts else None),
        }
        self._init_with_typed_outputs(resource_name, props, opts)

    def _init_with_typed_outputs(self, resource_name: str, props: dict[str, Any],
                                 opts: pulumi.ResourceOptions | None) -> None:
        # MasterSlaveServerGroupShape comes first in the bases (its __init__ is the signature):
        # registration is pulumi.dynamic.Resource's.
        pulumi.dynamic.Resource.__init__(self, _PROVIDER, resource_name, props, opts)
        # State keeps plain dicts; the program reads typed servers (s.server_id, ints for numbers).
        # This is the one conversion: Pulumi reads output types from annotations on the resource's
        # own class only, and the outputs are annotated on MasterSlaveServerGroupShape.
        self.servers = self.servers.apply(servers_from_outputs)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None,
            region_id: pulumi.Input[str] | None = None,
            load_balancer_id: pulumi.Input[str] | None = None) -> MasterSlaveServerGroup:
        """Read an existing group into the program without managing it (the engine's Read of an
        external resource): outputs as for a managed group. The region is `region_id`, else
        `alicloud:region` / the environment, as for the resource. `load_balancer_id`, when
        given, lets a read that finds no group confirm it is gone by listing that balancer."""
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        group = MasterSlaveServerGroup.__new__(MasterSlaveServerGroup)
        props: dict[str, Any] = {field.name: None for field in fields.RESOURCE_OUTPUTS}
        props["region_id"] = region_id
        props["load_balancer_id"] = load_balancer_id
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


def _arguments_of(args: MasterSlaveServerGroupArgs | Mapping[str, Any] | None,
                  arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The group's arguments from either form, every one present (None when left out); an
    unknown keyword or key is refused, naming the argument a camelCase one stands for."""
    if args is not None and arguments:
        raise TypeError("MasterSlaveServerGroup() takes either `args` or keyword arguments, not both")
    if isinstance(args, MasterSlaveServerGroupArgs):
        return args.to_props()
    given = dict(args if args is not None else arguments)
    unknown = sorted(set(given) - set(fields.GROUP_FIELD_NAMES), key=str)
    if unknown:
        what = "keys in args" if args is not None else "keyword arguments"
        raise TypeError(f"MasterSlaveServerGroup() got unexpected {what}: "
                        f"{', '.join(camel_case_hint(str(key)) for key in unknown)}")
    missing = [key for key in _REQUIRED if key not in given]
    if missing:
        raise TypeError(f"MasterSlaveServerGroup() missing required arguments: {', '.join(missing)}")
    return {key: given.get(key) for key in fields.GROUP_FIELD_NAMES}
