"""The program's output types, pulumi-alicloud's shape, and the ONE translation into them.

State stores a group's servers as plain snake_case dicts (the state format of every
release); the program reads them as `MasterSlaveServerGroupServer`, an `@pulumi.output_type`
dict generated from the field table into generated_types.py (`python -m tools.generate_types`),
so `s.server_id` works as in pulumi-alicloud and `s["server_id"]` keeps working for programs
written against 0.3. The translation happens in ONE place, `servers_from_outputs`, for the
resource's `servers` output and the look-up's results alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain import fields
from ..domain.normalize import coerce_int
from .generated_types import MasterSlaveServerGroupServer

__all__ = ["MasterSlaveServerGroupServer", "server_from_output", "servers_from_outputs"]


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
