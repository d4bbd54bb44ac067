"""The engine harness's state file: a JSON checkpoint like the engine's, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, cast

from pulumi.runtime import rpc

from .rpc_properties import UNKNOWN, sentinels_to_marker

__all__ = ["Entry", "State", "live_entry", "load_state", "save_state"]

Entry = dict[str, Any]  # one resource in the state file: urn, type, name, id, inputs, outputs, ...
State = dict[str, Any]  # {"resources": [Entry], "pending_operations"?: [...]}


def _json_default(value: Any) -> Any:
    if value is UNKNOWN:
        return rpc.UNKNOWN
    raise TypeError(f"not JSON serializable in state: {value!r}")


def live_entry(resources: list[Entry], urn: str) -> Entry | None:
    """The urn's entry that is not a pending delete (the old half of a replacement)."""
    return next((r for r in resources if r["urn"] == urn and not r.get("delete")), None)


def load_state(path: str) -> State:
    if not os.path.exists(path):
        return {"resources": []}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data.setdefault("resources", [])
    return cast(State, sentinels_to_marker(data))


def save_state(path: str, state: State) -> None:
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, sort_keys=False, default=_json_default)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
