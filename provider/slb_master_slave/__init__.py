"""Pulumi dynamic provider for Alibaba Cloud SLB active/standby (master/slave) server groups.

`from slb_master_slave import MasterSlaveServerGroup` is the public entry point. The
provider class lives in `slb_master_slave.provider` and is pickled into state by
reference: its module path and name are part of the state format.
"""

from .inputs import MasterSlaveServerGroupArgs, MasterSlaveServerGroupArgsDict
from .lookup import (
    LOOKUP_TOKEN,
    AwaitableGetMasterSlaveServerGroupsResult,
    GetMasterSlaveServerGroupsResult,
    LookupFailed,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)
from .outputs import MasterSlaveServerGroupServer
from .provider import MasterSlaveServerGroupProvider
from .resource import BackendServerArgs, BackendServerArgsDict, MasterSlaveServerGroup

__all__ = [
    "LOOKUP_TOKEN",
    "AwaitableGetMasterSlaveServerGroupsResult",
    "BackendServerArgs",
    "BackendServerArgsDict",
    "GetMasterSlaveServerGroupsResult",
    "LookupFailed",
    "MasterSlaveServerGroup",
    "MasterSlaveServerGroupArgs",
    "MasterSlaveServerGroupArgsDict",
    "MasterSlaveServerGroupProvider",
    "MasterSlaveServerGroupServer",
    "get_master_slave_server_groups",
    "get_master_slave_server_groups_output",
]
__version__ = "0.4.0"
