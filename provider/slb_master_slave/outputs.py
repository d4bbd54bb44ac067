"""The program's output types, pulumi-alicloud's shape: `@pulumi.output_type` classes.

State stores a group's servers as plain snake_case dicts (the state format of every
release); the program reads them through these types, so `s.server_id` works as in
pulumi-alicloud and `s["server_id"]` keeps working for programs written against 0.3. The
translation happens in ONE place, `servers_from_outputs`, for the resource's `servers`
output and the look-up's results alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import pulumi

from . import fields
from .spec import coerce_int


@pulumi.output_type
class MasterSlaveServerGroupServer(dict[str, Any]):
    """One server of a group, as the program reads it: attributes or keys, ints for numbers.

    A dict with the table's snake_case keys, so code comparing it with a dict, indexing it
    or copying it (`dataclasses.asdict`) behaves as with the dicts of earlier releases.
    """

    def __init__(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /, *,
                 server_id: str | None = None, port: int | None = None, weight: int | None = None,
                 server_type: str | None = None, type: str | None = None,
                 description: str | None = None, server_ip: str | None = None) -> None:
        super().__init__(entries)
        given = {"server_id": server_id, "port": port, "weight": weight, "server_type": server_type,
                 "type": type, "description": description, "server_ip": server_ip}
        for key, value in given.items():
            if value is not None:
                pulumi.set(self, key, value)

    def __eq__(self, other: object) -> bool:
        """Equal to a dict with the same items, as the dicts of earlier releases were
        (pulumi.output_type's own __eq__ wants the same type)."""
        return isinstance(other, Mapping) and dict(self) == dict(other)

    __hash__ = None  # mutable, like dict

    @property
    @pulumi.getter
    def server_id(self) -> str:
        """The ECS instance, ENI or ECI id."""
        return cast("str", pulumi.get(self, "server_id"))

    @property
    @pulumi.getter
    def port(self) -> int:
        """The backend port."""
        return cast("int", pulumi.get(self, "port"))

    @property
    @pulumi.getter
    def weight(self) -> int:
        """0-100."""
        return cast("int", pulumi.get(self, "weight"))

    @property
    @pulumi.getter
    def server_type(self) -> str:
        """`Master` or `Slave`."""
        return cast("str", pulumi.get(self, "server_type"))

    @property
    @pulumi.getter
    def type(self) -> str:
        """`ecs`, `eni` or `eci`."""
        return cast("str", pulumi.get(self, "type"))

    @property
    @pulumi.getter
    def description(self) -> str | None:
        """The server's description, when it has one."""
        return cast("str | None", self.get("description"))

    @property
    @pulumi.getter
    def server_ip(self) -> str | None:
        """The ENI's or ECI's private IP, when known."""
        return cast("str | None", self.get("server_ip"))

    @property
    def instance_id(self) -> str:
        """pulumi-alicloud's look-up names the server id `instance_id`: the same value."""
        return self.server_id


def server_from_output(server: Mapping[str, Any]) -> MasterSlaveServerGroupServer:
    """One stored server as the program reads it: the table's keys only, ints for numbers
    (every number crosses the engine's wire as a float)."""
    entry = {key: server[key] for key in fields.SERVER_FIELD_NAMES if server.get(key) is not None}
    for key in fields.INT_SERVER_FIELDS:
        if key in entry:
            entry[key] = coerce_int(entry[key])
    return MasterSlaveServerGroupServer(entry)


def servers_from_outputs(servers: Any) -> Any:
    """The `servers` output (or a look-up group's servers) as typed servers, in their order;
    anything that is not a list of mappings passes through unchanged."""
    if not isinstance(servers, (list, tuple)):
        return servers
    return [server_from_output(s) if isinstance(s, Mapping) else s for s in servers]
