"""Compatibility: `slb_master_slave.lookup`, where releases up to 0.4 defined the look-up.
Programs written for them may import it from here; it now lives on the program side
(`program/lookup.py`) and `slb_master_slave` itself is the documented place to import it
from. This module only hands the names on.
"""

from __future__ import annotations

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

__all__ = [
    "LOOKUP_TOKEN",
    "AwaitableGetMasterSlaveServerGroupsResult",
    "GetMasterSlaveServerGroupsGroupResult",
    "GetMasterSlaveServerGroupsGroupServerResult",
    "GetMasterSlaveServerGroupsResult",
    "LookupFailed",
    "get_master_slave_server_groups",
    "get_master_slave_server_groups_output",
]
