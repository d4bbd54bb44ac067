"""Compatibility: `slb_master_slave.inputs`, where releases up to 0.4 defined the program's
argument types. Programs written for them may import from here; the types now live on the
program side (`program/inputs.py`, `program/generated_types.py`) and `slb_master_slave` itself is
the documented place to import them from. This module only hands the names on.
"""

from __future__ import annotations

from .program.inputs import (
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupArgsDict,
    MasterSlaveServerGroupServerArgs,
    MasterSlaveServerGroupServerArgsDict,
)

__all__ = [
    "BackendServerArgs",
    "BackendServerArgsDict",
    "MasterSlaveServerGroupArgs",
    "MasterSlaveServerGroupArgsDict",
    "MasterSlaveServerGroupServerArgs",
    "MasterSlaveServerGroupServerArgsDict",
]
