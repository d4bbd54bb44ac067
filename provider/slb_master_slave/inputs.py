"""The program's argument types, pulumi-alicloud's shape: keyword-only `@pulumi.input_type`
classes and their `...ArgsDict` TypedDicts.

They carry the field table's names (fields.py; tests/test_field_table.py keeps them equal)
and the user's values as written: normalization and validation happen in the provider's
check(), where a preview can report them with their paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

import pulumi

from . import fields


@pulumi.input_type
class BackendServerArgs:
    """One server of the pair (pulumi-alicloud: `MasterSlaveServerGroupServerArgs`)."""

    def __init__(
        self,
        *,
        server_id: pulumi.Input[str],
        port: pulumi.Input[int | str],
        weight: pulumi.Input[int | str] | None = None,
        server_type: pulumi.Input[str] | None = None,
        type: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        server_ip: pulumi.Input[str] | None = None,
    ) -> None:
        pulumi.set(self, "server_id", server_id)
        pulumi.set(self, "port", port)
        if weight is not None:
            pulumi.set(self, "weight", weight)
        if server_type is not None:
            pulumi.set(self, "server_type", server_type)
        if type is not None:
            pulumi.set(self, "type", type)
        if description is not None:
            pulumi.set(self, "description", description)
        if server_ip is not None:
            pulumi.set(self, "server_ip", server_ip)

    @property
    @pulumi.getter
    def server_id(self) -> pulumi.Input[str]:
        """The ECS instance, ENI or ECI id (i-..., eni-..., eci-...)."""
        return cast("pulumi.Input[str]", pulumi.get(self, "server_id"))

    @server_id.setter
    def server_id(self, value: pulumi.Input[str]) -> None:
        pulumi.set(self, "server_id", value)

    @property
    @pulumi.getter
    def port(self) -> pulumi.Input[int | str]:
        """The backend port, 1-65535; an int or a numeric string."""
        return cast("pulumi.Input[int | str]", pulumi.get(self, "port"))

    @port.setter
    def port(self, value: pulumi.Input[int | str]) -> None:
        pulumi.set(self, "port", value)

    @property
    @pulumi.getter
    def weight(self) -> pulumi.Input[int | str] | None:
        """0-100, default 100; an int or a numeric string."""
        return cast("pulumi.Input[int | str] | None", pulumi.get(self, "weight"))

    @weight.setter
    def weight(self, value: pulumi.Input[int | str] | None) -> None:
        pulumi.set(self, "weight", value)

    @property
    @pulumi.getter
    def server_type(self) -> pulumi.Input[str] | None:
        """`Master` (default) or `Slave`."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "server_type"))

    @server_type.setter
    def server_type(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "server_type", value)

    @property
    @pulumi.getter
    def type(self) -> pulumi.Input[str] | None:
        """`ecs` (default), `eni` or `eci`."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "type"))

    @type.setter
    def type(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "type", value)

    @property
    @pulumi.getter
    def description(self) -> pulumi.Input[str] | None:
        """1-80 letters, digits, Chinese characters, `-`, `/`, `.`, `_`."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "description"))

    @description.setter
    def description(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "description", value)

    @property
    @pulumi.getter
    def server_ip(self) -> pulumi.Input[str] | None:
        """The ENI's or ECI's private IP address."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "server_ip"))

    @server_ip.setter
    def server_ip(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "server_ip", value)

    def to_input(self) -> dict[str, Any]:
        """The plain dict check() receives: the given keys only."""
        return {key: value for key, value in self.items()}

    def items(self) -> list[tuple[str, Any]]:
        return [(key, value) for key in SERVER_KEYS if (value := getattr(self, key)) is not None]


class _BackendServerArgsDictRequired(TypedDict):
    server_id: pulumi.Input[str]
    port: pulumi.Input[int | str]


class BackendServerArgsDict(_BackendServerArgsDictRequired, total=False):
    """The dict form of BackendServerArgs, for type checkers."""

    weight: pulumi.Input[int | str]
    server_type: pulumi.Input[str]
    type: pulumi.Input[str]
    description: pulumi.Input[str]
    server_ip: pulumi.Input[str]


# pulumi-alicloud's names for the same two (alicloud.slb.MasterSlaveServerGroupServerArgs and its
# ArgsDict): a program moved from alicloud.slb changes little more than its import.
MasterSlaveServerGroupServerArgs = BackendServerArgs
MasterSlaveServerGroupServerArgsDict = BackendServerArgsDict

ServerInput = BackendServerArgs | BackendServerArgsDict | Mapping[str, Any]
SERVER_KEYS = fields.SERVER_FIELD_NAMES


def server_inputs(servers: Any) -> Any:
    """Typed args become plain dicts; anything else passes through for check() to judge."""
    if isinstance(servers, (list, tuple)):
        return [s.to_input() if isinstance(s, BackendServerArgs) else s for s in servers]
    return servers


@pulumi.input_type
class MasterSlaveServerGroupArgs:
    """The group's arguments, for `MasterSlaveServerGroup(name, args, opts)`."""

    def __init__(
        self,
        *,
        load_balancer_id: pulumi.Input[str],
        servers: pulumi.Input[Sequence[ServerInput]],
        name: pulumi.Input[str] | None = None,
        region_id: pulumi.Input[str] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        delete_protection_validation: pulumi.Input[bool] | None = None,
    ) -> None:
        pulumi.set(self, "load_balancer_id", load_balancer_id)
        pulumi.set(self, "servers", servers)
        if name is not None:
            pulumi.set(self, "name", name)
        if region_id is not None:
            pulumi.set(self, "region_id", region_id)
        if tags is not None:
            pulumi.set(self, "tags", tags)
        if adopt_id is not None:
            pulumi.set(self, "adopt_id", adopt_id)
        if delete_protection_validation is not None:
            pulumi.set(self, "delete_protection_validation", delete_protection_validation)

    @property
    @pulumi.getter
    def load_balancer_id(self) -> pulumi.Input[str]:
        """The SLB instance (lb-...); changing it replaces the group."""
        return cast("pulumi.Input[str]", pulumi.get(self, "load_balancer_id"))

    @load_balancer_id.setter
    def load_balancer_id(self, value: pulumi.Input[str]) -> None:
        pulumi.set(self, "load_balancer_id", value)

    @property
    @pulumi.getter
    def servers(self) -> pulumi.Input[Sequence[ServerInput]]:
        """Exactly two servers, one Master and one Slave; changing them replaces the group."""
        return cast("pulumi.Input[Sequence[ServerInput]]", pulumi.get(self, "servers"))

    @servers.setter
    def servers(self, value: pulumi.Input[Sequence[ServerInput]]) -> None:
        pulumi.set(self, "servers", value)

    @property
    @pulumi.getter
    def name(self) -> pulumi.Input[str] | None:
        """The group's name, 1-80 characters; default: the resource name. Changing it replaces the group."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "name"))

    @name.setter
    def name(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "name", value)

    @property
    @pulumi.getter
    def region_id(self) -> pulumi.Input[str] | None:
        """Default: `alicloud:region`, then `ALICLOUD_REGION`."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "region_id"))

    @region_id.setter
    def region_id(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "region_id", value)

    @property
    @pulumi.getter
    def tags(self) -> pulumi.Input[Mapping[str, pulumi.Input[str]]] | None:
        """At most 19 tags (the 20th slot holds the ownership tag); they change in place."""
        return cast("pulumi.Input[Mapping[str, pulumi.Input[str]]] | None", pulumi.get(self, "tags"))

    @tags.setter
    def tags(self, value: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None) -> None:
        pulumi.set(self, "tags", value)

    @property
    @pulumi.getter
    def adopt_id(self) -> pulumi.Input[str] | None:
        """An existing group (rsp-...) to take over instead of creating one."""
        return cast("pulumi.Input[str] | None", pulumi.get(self, "adopt_id"))

    @adopt_id.setter
    def adopt_id(self, value: pulumi.Input[str] | None) -> None:
        pulumi.set(self, "adopt_id", value)

    @property
    @pulumi.getter
    def delete_protection_validation(self) -> pulumi.Input[bool] | None:
        """Refuse to delete while the load balancer has DeleteProtection on (pulumi-alicloud's switch)."""
        return cast("pulumi.Input[bool] | None", pulumi.get(self, "delete_protection_validation"))

    @delete_protection_validation.setter
    def delete_protection_validation(self, value: pulumi.Input[bool] | None) -> None:
        pulumi.set(self, "delete_protection_validation", value)

    def to_props(self) -> dict[str, Any]:
        """The keyword form's arguments (None for each one left out)."""
        return {key: getattr(self, key) for key in GROUP_KEYS}


class _MasterSlaveServerGroupArgsDictRequired(TypedDict):
    load_balancer_id: pulumi.Input[str]
    servers: pulumi.Input[Sequence[ServerInput]]


class MasterSlaveServerGroupArgsDict(_MasterSlaveServerGroupArgsDictRequired, total=False):
    """The dict form of MasterSlaveServerGroupArgs, for type checkers."""

    name: pulumi.Input[str]
    region_id: pulumi.Input[str]
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    adopt_id: pulumi.Input[str]
    delete_protection_validation: pulumi.Input[bool]


GROUP_KEYS = fields.GROUP_FIELD_NAMES
