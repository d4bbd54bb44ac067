"""Pulumi dynamic provider for Alibaba Cloud SLB active/standby (master/slave) server groups.

`from slb_master_slave import MasterSlaveServerGroup` is the public entry point. The
provider class lives in `slb_master_slave.provider` and is pickled into state by
reference: its module path and name are part of the state format.
"""

from .lookup import (
    LOOKUP_TOKEN,
    GetMasterSlaveServerGroupsResult,
    LookupFailed,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)
from .provider import MasterSlaveServerGroupProvider
from .resource import BackendServerArgs, BackendServerArgsDict, MasterSlaveServerGroup

__all__ = [
    "LOOKUP_TOKEN",
    "BackendServerArgs",
    "BackendServerArgsDict",
    "GetMasterSlaveServerGroupsResult",
    "LookupFailed",
    "MasterSlaveServerGroup",
    "MasterSlaveServerGroupProvider",
    "get_master_slave_server_groups",
    "get_master_slave_server_groups_output",
]
__version__ = "0.3.0"
