"""One form for a declaration, whatever form the user, the wire or the API wrote it in.

Users write ports as 80, 80.0 (every number crosses gRPC as a float) or "80" (the API's
own examples); they leave weight, server_type and type out; they list the Slave first.
None of that may ever produce a diff, so a property bag is brought to one form here, once
per call, and every later comparison works on that form. Normalization never raises: a
value it cannot make sense of is left as it is for validation to report with its path.
A preview's values may be unknown (`pulumi.output.Unknown`, or the wire's sentinel):
they are kept as they are, and `is_unknown` / `contains_unknown` tell them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pulumi.output import Unknown

from . import fields

# The inputs check() keeps: the table's group fields (the protection flag is normalized on its
# own) and `owner`, the resource's URN that only the program side knows.
PROTECTION_FLAG = fields.DELETE_PROTECTION_VALIDATION.name
GROUP_FIELDS = (*(name for name in fields.GROUP_FIELD_NAMES if name != PROTECTION_FLAG), "owner")

# The wire sentinel for an unknown value, as pulumi.runtime.rpc spells it.
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ServerT = TypeVar("ServerT")
_INTEGER_TEXT = re.compile(r"^\s*(?P<whole>[+-]?\d+)(\.0+)?\s*$")


def default_name(owner: Any) -> str | None:
    """The resource name inside an owner URN (urn:pulumi:stack::project::type::name)."""
    if isinstance(owner, str) and owner.startswith("urn:pulumi:") and owner.count("::") >= 3:
        return owner.split("::", 3)[3]
    return None


def normalize_flag(value: Any) -> Any:
    """None -> False (the default); true/false in any case and 1/0 -> bool; else as given."""
    if value is None or value == "":
        return False
    if isinstance(value, bool) or is_unknown(value):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    return value


def is_unknown(value: Any) -> bool:
    """True for a value a preview cannot know yet (an output of a resource not created)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_SENTINEL)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def coerce_int(value: Any) -> Any:
    """80, 80.0 and "80" -> 80; anything else comes back untouched for validation."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (match := _INTEGER_TEXT.match(value)):
        try:
            return int(match["whole"])
        except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits): no port or weight
            return value
    return value


def _canonical_choice(value: Any, choices: Iterable[str]) -> Any:
    """'master' -> 'Master', 'ECS' -> 'ecs': the API's spelling, without hiding typos."""
    if isinstance(value, str):
        for choice in choices:
            if value.strip().lower() == choice.lower():
                return choice
    return value


def normalize_server(raw: Any) -> Any:
    if not isinstance(raw, Mapping) or is_unknown(raw):
        return raw
    server = {key: value for key, value in raw.items() if value is not None}
    if isinstance(server.get("server_id"), str):
        server["server_id"] = server["server_id"].strip()
    for key, default in fields.SERVER_DEFAULTS.items():
        server.setdefault(key, default)
    for key in fields.INT_SERVER_FIELDS:
        if key in server:
            server[key] = coerce_int(server[key])
    for field in fields.SERVER:
        if field.choices:
            server[field.name] = _canonical_choice(server[field.name], field.choices)
    for key in fields.OPTIONAL_TEXT_SERVER_FIELDS:
        if server.get(key) == "":
            del server[key]
    return server


def _server_type_of(server: Any) -> Any:
    """A server's type: a mapping's `server_type` key, or the attribute of a server value
    (model.BackendServer); None when it has neither."""
    if isinstance(server, Mapping):
        return server.get("server_type")
    return getattr(server, "server_type", None)


def in_api_order(servers: Iterable[ServerT]) -> list[ServerT]:
    """The API's order, written once: Master, then Slave (a stable sort, so equal types keep
    theirs). Servers whose type is not known text (a preview's unknowns, a malformed entry)
    keep the order the user wrote, so validation's paths still point at them."""
    listed = list(servers)
    if all(isinstance(_server_type_of(s), str) for s in listed):
        return sorted(listed, key=lambda s: _server_type_of(s) != fields.DEFAULT_SERVER_TYPE)
    return listed


def normalize_servers(raw: Any, *, master_first: bool = True) -> Any:
    """Servers normalized one by one; Master first unless paths must match what the user wrote."""
    if not isinstance(raw, (list, tuple)):
        return raw
    servers = [normalize_server(s) for s in raw]
    return in_api_order(servers) if master_first else servers


def normalize_tags(raw: Any) -> Any:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        return raw
    return {
        str(key): (value if is_unknown(value) or isinstance(value, str) else _tag_text(value))
        for key, value in raw.items()
    }


def _tag_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(coerce_int(value))
    return value


def normalize_inputs(news: Mapping[str, Any], default_region: str | None, *, master_first: bool = True) -> dict[str, Any]:
    """The checked inputs: known keys only, defaults filled, region resolved if possible.

    Validation runs with master_first=False so `servers[1]` in a failure is the second
    server the user wrote, not the second after reordering.
    """
    props: dict[str, Any] = {}
    for key in GROUP_FIELDS:
        value = news.get(key)
        if isinstance(value, str) and key in fields.TRIMMED_FIELDS:
            value = value.strip()
        if value is not None and (value != "" or key == "name"):  # a given empty name is an error to report
            props[key] = value
    if "region_id" not in props and default_region:
        props["region_id"] = default_region
    if "servers" in props:
        props["servers"] = normalize_servers(props["servers"], master_first=master_first)
    props["tags"] = normalize_tags(props.get("tags"))
    props[PROTECTION_FLAG] = normalize_flag(news.get(PROTECTION_FLAG))
    return props


def servers_in_api_order(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs normalized with master_first=False, their servers put in the API's order: what
    normalize_inputs gives with master_first=True, without normalizing anything twice."""
    ordered = dict(inputs)
    if isinstance(ordered.get("servers"), list):
        ordered["servers"] = in_api_order(ordered["servers"])
    return ordered


def server_identity(server: Any) -> Any:
    """What makes two server entries the same, after normalization (order-free)."""
    if not isinstance(server, Mapping):
        return ("<invalid>", repr(server))
    normalized = normalize_server(server)
    return tuple((key, normalized.get(key)) for key in fields.SERVER_FIELD_NAMES)


def servers_equal(old: Any, new: Any) -> bool:
    """Servers compare as a set keyed by (server_id, port), so order never matters."""
    if not isinstance(old, (list, tuple)) or not isinstance(new, (list, tuple)):
        return bool(old == new)
    return sorted(map(repr, map(server_identity, old))) == sorted(map(repr, map(server_identity, new)))
