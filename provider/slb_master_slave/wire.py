"""The server's wire codec, driven by the field table's wire names.

The API's server item is a JSON object of strings (`{"ServerId": "i-1", "Port": "80", ...}`)
inside the MasterSlaveBackendServers parameter; its answers carry the same names with
numbers or strings. api.py's `server_to_api` / `server_from_api` are these two functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import fields
from .spec import BackendServer

_WIRE_NAMES: dict[str, str] = {f.name: str(f.wire) for f in fields.SERVER}


def server_to_wire(server: BackendServer) -> dict[str, str]:
    """The API reference's item: every value a string, ports and weights in decimal, optional
    text only when given."""
    item: dict[str, str] = {}
    for name, value in server.to_props().items():
        item[_WIRE_NAMES[name]] = str(int(value)) if name in fields.INT_SERVER_FIELDS else str(value)
    return item


def server_from_wire(item: Mapping[str, Any]) -> BackendServer:
    """An answer's item, normalized like a declaration (defaults, ints, the API's spellings)."""
    return BackendServer.from_props({name: item.get(wire) for name, wire in _WIRE_NAMES.items()})
