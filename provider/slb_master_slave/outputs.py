"""Compatibility: `slb_master_slave.outputs`, where releases up to 0.4 defined the servers'
output type. Programs written for them may import it from here; it now lives on the program
side (`program/outputs.py`) and `slb_master_slave` itself is the documented place to import
it from. This module only hands the name on.
"""

from __future__ import annotations

from .program.outputs import MasterSlaveServerGroupServer

__all__ = ["MasterSlaveServerGroupServer"]
