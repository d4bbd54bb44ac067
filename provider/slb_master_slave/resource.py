"""Compatibility: `slb_master_slave.resource`, where releases up to 0.4 defined the resource.

Programs written for them import `MasterSlaveServerGroup` and its args from here; the
resource now lives on the program side (`program/resource.py`) and `slb_master_slave` itself
is the documented place to import it from. This module only hands the names on.
"""

from __future__ import annotations

from .program.inputs import MasterSlaveServerGroupArgs, MasterSlaveServerGroupArgsDict
from .program.outputs import MasterSlaveServerGroupServer
from .program.resource import (
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroup,
)

__all__ = [
    "BackendServerArgs",
    "BackendServerArgsDict",
    "MasterSlaveServerGroup",
    "MasterSlaveServerGroupArgs",
    "MasterSlaveServerGroupArgsDict",
    "MasterSlaveServerGroupServer",
]
