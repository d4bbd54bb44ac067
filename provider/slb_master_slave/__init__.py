"""Pulumi dynamic provider for Alibaba Cloud SLB active/standby (master/slave) server groups.

`from slb_master_slave import MasterSlaveServerGroup` is the public entry point. The
provider class lives in `slb_master_slave.provider` and is pickled into state by
reference: its module path and name are part of the state format.
"""

from .resource import BackendServerArgs, MasterSlaveServerGroup
from .provider import MasterSlaveServerGroupProvider

__all__ = ["BackendServerArgs", "MasterSlaveServerGroup", "MasterSlaveServerGroupProvider"]
__version__ = "0.1.0"
