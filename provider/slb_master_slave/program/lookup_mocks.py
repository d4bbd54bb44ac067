"""The look-up under Pulumi's unit-test mocks: an invoke that `Mocks.call` answers.

A dynamic provider serves no invokes, so under the engine the look-up does its own HTTP
(lookup.py). Under `pulumi.runtime.set_mocks` that HTTP would bypass the mocks and, with
credentials in the environment, call the real cloud from a unit test. So under mocks the
look-up is sent as an invoke, the way pulumi-alicloud's `get_*` functions are (their
`pulumi.runtime.invoke` reaches `MockMonitor.Invoke`, which calls `Mocks.call`), and no
setting is read and no request made.

The contract a user's mocks rely on (README, "Look-ups in unit tests"):

- token `slb-master-slave:index:getMasterSlaveServerGroups`;
- `args.args`: the look-up's own argument names, `load_balancer_id`, and `ids`,
  `name_regex`, `region_id`, `tags` when given (Pulumi drops arguments left out);
- the answer: a dict shaped like `GetMasterSlaveServerGroupsResult` (what
  `dataclasses.asdict` makes of a real result is a valid answer). Every key may be left
  out: `groups` defaults to none, `ids` and `names` follow from the groups,
  `load_balancer_id`, `region_id` and `name_regex` from the arguments (the region from
  `alicloud:region` or the environment when no argument gives it), `id` from the ids
  and `output_file` from the argument; a server's `weight`,
  `server_type` and `type` default as on the resource. An unknown key or a value of the
  wrong type is refused, naming its path, so a typo in a mock cannot pass silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.runtime

from ..domain import fields
from ..domain.normalize import coerce_int, in_api_order, normalize_server

LOOKUP_TOKEN = "slb-master-slave:index:getMasterSlaveServerGroups"

RESULT_KEYS = ("load_balancer_id", "region_id", "ids", "names", "groups", "name_regex", "id", "output_file")
GROUP_KEYS = ("id", "name", "load_balancer_id", "servers", "tags")
SERVER_KEYS = fields.SERVER_FIELD_NAMES


class MockAnswerError(ValueError):
    """A mock's answer that is not shaped like the look-up's result; the text names the path."""


def mocks_active() -> bool:
    """True under `pulumi.runtime.set_mocks`: its monitor is a MockMonitor (the engine's is a
    gRPC stub; outside any program there is none)."""
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return isinstance(get_monitor(), MockMonitor)


def invoke_mocks(arguments: Mapping[str, Any], opts: pulumi.InvokeOptions | None = None) -> Any:
    """Send the look-up to `Mocks.call`; the arguments given (None left out) are its args."""
    given = {key: value for key, value in arguments.items() if value is not None}
    return pulumi.runtime.invoke(LOOKUP_TOKEN, given, opts).value


def _refuse(path: str, problem: str) -> MockAnswerError:
    return MockAnswerError(f"`{path}` {problem}")


def _unknown_keys(value: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in value:
        if key not in allowed:
            raise _refuse(f"{where}{key}", f"is not a field of the result; the fields here are {', '.join(allowed)}")


def _text(value: Any, path: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _refuse(path, f"must be a string, got {value!r}")
    return value


def _texts(value: Any, path: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _refuse(path, f"must be a list of strings, got {value!r}")
    return list(value)


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _refuse(path, f"must be a dict, got {value!r}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise _refuse(path, f"must be a list, got {value!r}")
    return list(value)


def server_fields(raw: Any, path: str) -> dict[str, Any]:
    """One server of a mock's group, with the resource's defaults and ints for port and weight."""
    _unknown_keys(_mapping(raw, path), SERVER_KEYS, f"{path}.")
    server: dict[str, Any] = dict(normalize_server(raw))
    _text(server.get("server_id"), f"{path}.server_id")
    for key in fields.INT_SERVER_FIELDS:
        value = coerce_int(server.get(key))
        if not isinstance(value, int) or isinstance(value, bool):
            raise _refuse(f"{path}.{key}", f"must be a whole number, got {server.get(key)!r}")
        server[key] = value
    for key in ("server_type", "type"):
        _text(server.get(key), f"{path}.{key}")
    for key in fields.OPTIONAL_TEXT_SERVER_FIELDS:
        server[key] = _text(server.get(key), f"{path}.{key}", optional=True)
    return server


def group_fields(raw: Any, path: str, load_balancer_id: str) -> dict[str, Any]:
    """One group of a mock's answer: id required, the rest defaulted; servers Master first,
    tags as text, as the real look-up returns them."""
    group = _mapping(raw, path)
    _unknown_keys(group, GROUP_KEYS, f"{path}.")
    servers = [server_fields(s, f"{path}.servers[{i}]") for i, s in enumerate(_list(group.get("servers") or [], f"{path}.servers"))]
    tags = _mapping(group.get("tags") or {}, f"{path}.tags")
    return {
        "id": _text(group.get("id"), f"{path}.id"),
        "name": _text(group.get("name", ""), f"{path}.name"),
        "load_balancer_id": _text(group.get("load_balancer_id", load_balancer_id), f"{path}.load_balancer_id"),
        "servers": in_api_order(servers),
        "tags": {str(k): str(v) for k, v in tags.items()},
    }


def result_fields(answer: Any, *, load_balancer_id: str, region_id: str, name_regex: str | None) -> dict[str, Any]:
    """The mock's answer as the keyword arguments of GetMasterSlaveServerGroupsResult, with
    groups as dicts (lookup.py builds its types from them); raises MockAnswerError."""
    answer = _mapping(answer if answer is not None else {}, "the answer")
    _unknown_keys(answer, RESULT_KEYS, "")
    lb = _text(answer.get("load_balancer_id", load_balancer_id), "load_balancer_id") or load_balancer_id
    groups = [group_fields(g, f"groups[{i}]", lb) for i, g in enumerate(_list(answer.get("groups") or [], "groups"))]
    ids = _texts(answer["ids"], "ids") if "ids" in answer else [g["id"] for g in groups]
    names = _texts(answer["names"], "names") if "names" in answer else [g["name"] for g in groups]
    return {
        "load_balancer_id": lb,
        "region_id": _text(answer.get("region_id", region_id), "region_id"),
        "ids": ids,
        "names": names,
        "groups": groups,
        "name_regex": _text(answer.get("name_regex", name_regex), "name_regex", optional=True),
        "id": _text(answer.get("id", ""), "id"),
    }
