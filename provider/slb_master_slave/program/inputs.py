"""The program's argument types, pulumi-alicloud's shape, and what the program side does with
them before registering a group.

The types (keyword-only `@pulumi.input_type` classes `BackendServerArgs` and
`MasterSlaveServerGroupArgs`, their `...ArgsDict` TypedDicts) are generated from the field
table into generated_types.py (`python -m tools.generate_types`); they are imported from here
and from the package as before. They carry the user's values as written: normalization and
validation happen in the provider's check(), where a preview can report them with their paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from .generated_types import (
    GROUP_CAMEL_CASE_KEYS,
    SERVER_CAMEL_CASE_KEYS,
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupArgsDict,
    ServerInput,
)

__all__ = [
    "BackendServerArgs",
    "BackendServerArgsDict",
    "MasterSlaveServerGroupArgs",
    "MasterSlaveServerGroupArgsDict",
    "MasterSlaveServerGroupServerArgs",
    "MasterSlaveServerGroupServerArgsDict",
    "ServerInput",
    "camel_case_hint",
    "server_inputs",
    "warn_camel_case_servers",
]

# pulumi-alicloud's names for the same two (alicloud.slb.MasterSlaveServerGroupServerArgs and its
# ArgsDict): a program moved from alicloud.slb changes little more than its import.
MasterSlaveServerGroupServerArgs = BackendServerArgs
MasterSlaveServerGroupServerArgsDict = BackendServerArgsDict


def server_inputs(servers: Any) -> Any:
    """Typed args become plain dicts; anything else passes through for check() to judge."""
    if isinstance(servers, (list, tuple)):
        return [s.to_input() if isinstance(s, BackendServerArgs) else s for s in servers]
    return servers


def warn_camel_case_servers(resource_name: str, servers: Any) -> None:
    """A warning for each camelCase key in a server dict (`serverId`), naming the key to use.

    check() refuses such a key at preview (`InvalidParameter.Servers` at `servers[0].serverId`);
    the warning says the same earlier, and also under unit-test mocks, where check() never runs.
    Servers not yet known (Outputs) are left to check()."""
    if not isinstance(servers, (list, tuple)):
        return
    for i, server in enumerate(servers):
        if not isinstance(server, Mapping):
            continue
        for key in server:
            snake = SERVER_CAMEL_CASE_KEYS.get(key) if isinstance(key, str) else None
            if snake:
                pulumi.log.warn(f"MasterSlaveServerGroup {resource_name!r}: servers[{i}] has the camelCase key "
                                f"'{key}'; servers take snake_case keys: use '{snake}'.")


def camel_case_hint(key: str) -> str:
    """`key`, and the argument to use instead when it is a camelCase spelling of one."""
    snake = GROUP_CAMEL_CASE_KEYS.get(key)
    return f"{key} (use {snake})" if snake else key
