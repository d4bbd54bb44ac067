"""Pulumi dynamic provider for Alibaba Cloud SLB active/standby (master/slave) server groups.

`from slb_master_slave import MasterSlaveServerGroup` is the public entry point. The
provider class lives in `slb_master_slave.provider` and is pickled into state by
reference: its module path and name are part of the state format.

The package is laid out in rooms by side, each importing only the rooms below it:
`program` (runs in the user's program) -> `provider` (the dynamic provider process) ->
`ownership` (which group belongs to which resource; also used by `audit`, the audit
command) -> `client` (the SLB client) -> `domain` (the group as data); `errors` holds the
error a user reads, which every room may raise. `resource.py`, `inputs.py`, `outputs.py` and
`lookup.py` only keep the import paths of releases up to 0.4, for programs written for them
(docs/ARCHITECTURE.md).

The public names are imported on first use (PEP 562): the engine's provider process
imports `slb_master_slave.provider`, which runs this file first, and must not pay for the
program side (the resource and args classes, the look-up and its mocks) on every cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .program.inputs import (
        MasterSlaveServerGroupArgs,
        MasterSlaveServerGroupArgsDict,
        MasterSlaveServerGroupServerArgs,
        MasterSlaveServerGroupServerArgsDict,
    )
    from .program.lookup import (
        LOOKUP_TOKEN,
        AwaitableGetMasterSlaveServerGroupsResult,
        GetMasterSlaveServerGroupsGroupResult,
        GetMasterSlaveServerGroupsGroupServerResult,
        GetMasterSlaveServerGroupsResult,
        LookupFailed,
        get_master_slave_server_groups,
        get_master_slave_server_groups_output,
    )
    from .program.outputs import MasterSlaveServerGroupServer
    from .program.resource import (
        BackendServerArgs,
        BackendServerArgsDict,
        MasterSlaveServerGroup,
    )
    from .provider import MasterSlaveServerGroupProvider

# public name -> the module that holds it
_HOMES = {
    "MasterSlaveServerGroupArgs": "program.inputs",
    "MasterSlaveServerGroupArgsDict": "program.inputs",
    "MasterSlaveServerGroupServerArgs": "program.inputs",  # pulumi-alicloud's name for BackendServerArgs
    "MasterSlaveServerGroupServerArgsDict": "program.inputs",  # and for BackendServerArgsDict
    "LOOKUP_TOKEN": "program.lookup",
    "AwaitableGetMasterSlaveServerGroupsResult": "program.lookup",
    "GetMasterSlaveServerGroupsGroupResult": "program.lookup",  # pulumi-alicloud's name for a group of the result
    "GetMasterSlaveServerGroupsGroupServerResult": "program.lookup",  # and for one of its servers
    "GetMasterSlaveServerGroupsResult": "program.lookup",
    "LookupFailed": "program.lookup",
    "get_master_slave_server_groups": "program.lookup",
    "get_master_slave_server_groups_output": "program.lookup",
    "MasterSlaveServerGroupServer": "program.outputs",
    "MasterSlaveServerGroupProvider": "provider",
    "BackendServerArgs": "program.resource",
    "BackendServerArgsDict": "program.resource",
    "MasterSlaveServerGroup": "program.resource",
}

__all__ = [
    "LOOKUP_TOKEN",
    "AwaitableGetMasterSlaveServerGroupsResult",
    "BackendServerArgs",
    "BackendServerArgsDict",
    "GetMasterSlaveServerGroupsGroupResult",
    "GetMasterSlaveServerGroupsGroupServerResult",
    "GetMasterSlaveServerGroupsResult",
    "LookupFailed",
    "MasterSlaveServerGroup",
    "MasterSlaveServerGroupArgs",
    "MasterSlaveServerGroupArgsDict",
    "MasterSlaveServerGroupProvider",
    "MasterSlaveServerGroupServer",
    "MasterSlaveServerGroupServerArgs",
    "MasterSlaveServerGroupServerArgsDict",
    "get_master_slave_server_groups",
    "get_master_slave_server_groups_output",
]
__version__ = "0.5.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
