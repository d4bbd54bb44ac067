"""The domain: one normalized shape for a group, whatever form the user or the API wrote.

Users write ports as 80, 80.0 (every number crosses gRPC as a float) or "80" (the API's
own examples); they leave weight, server_type and type out; they list the Slave first.
None of that may ever produce a diff, so everything is brought to one form here, once,
and every later comparison works on that form. Normalization never raises: a value it
cannot make sense of is left as it is for validation to report with its path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi.output import Unknown

from . import fields

SERVER_FIELDS = fields.SERVER_FIELD_NAMES
# Server defaults come from the field table: what a server the user did not spell out gets.
DEFAULT_WEIGHT = fields.DEFAULT_WEIGHT
DEFAULT_SERVER_TYPE = fields.DEFAULT_SERVER_TYPE
DEFAULT_BACKEND_TYPE = fields.DEFAULT_BACKEND_TYPE
SERVER_DEFAULTS: dict[str, Any] = dict(fields.SERVER_DEFAULTS)
SERVER_TYPES = fields.SERVER_TYPE.choices
BACKEND_TYPES = fields.BACKEND_TYPE.choices
# The inputs check() keeps: the table's group fields (the protection flag is normalized on its
# own) and `owner`, the resource's URN that only the program side knows.
PROTECTION_FLAG = fields.DELETE_PROTECTION_VALIDATION.name
GROUP_FIELDS = (*(name for name in fields.GROUP_FIELD_NAMES if name != PROTECTION_FLAG), "owner")

MAX_TAGS = fields.MAX_TAGS
MAX_USER_TAGS = fields.MAX_USER_TAGS
OWNER_TAG_PREFIX = fields.OWNER_TAG_PREFIX
OWNER_TAG_OUTPUT = fields.OWNER_TAG_OUTPUT
TRIMMED_FIELDS = fields.TRIMMED_FIELDS

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
    for key, default in SERVER_DEFAULTS.items():
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
    return server.server_type if isinstance(server, BackendServer) else server.get("server_type")


def in_api_order(servers: Iterable[ServerT]) -> list[ServerT]:
    """The API's order, written once: Master, then Slave (a stable sort, so equal types keep
    theirs). Servers whose type is not known text (a preview's unknowns, a malformed entry)
    keep the order the user wrote, so validation's paths still point at them."""
    listed = list(servers)
    if all(isinstance(s, BackendServer) or (isinstance(s, Mapping) and isinstance(s.get("server_type"), str))
           for s in listed):
        return sorted(listed, key=lambda s: _server_type_of(s) != DEFAULT_SERVER_TYPE)
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
        if isinstance(value, str) and key in TRIMMED_FIELDS:
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


@dataclass(frozen=True)
class BackendServer:
    server_id: str
    port: int
    weight: int = DEFAULT_WEIGHT
    server_type: str = DEFAULT_SERVER_TYPE
    type: str = DEFAULT_BACKEND_TYPE
    description: str | None = None
    server_ip: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.server_id, self.port)

    def to_props(self) -> dict[str, Any]:
        """The snake_case dict state stores (the state format): optional text only when given."""
        return {name: value for name in SERVER_FIELDS
                if (value := getattr(self, name)) is not None and value != ""}

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> BackendServer:
        """A server from any form a user or the API wrote it in (normalized here)."""
        return cls.from_normalized(normalize_server(props))

    @classmethod
    def from_normalized(cls, server: Mapping[str, Any]) -> BackendServer:
        """A server from its normalized form (defaults filled, ints, the API's spellings)."""
        return cls(
            server_id=str(server["server_id"]),
            port=int(server["port"]),
            weight=int(server["weight"]),
            server_type=str(server["server_type"]),
            type=str(server["type"]),
            description=server.get("description") or None,
            server_ip=server.get("server_ip") or None,
        )


@dataclass(frozen=True)
class LiveGroup:
    """A group as the API describes it (built only by the gateway, from the wire).

    `servers` is empty when the answer carries none (list answers never do); `tags` is
    None when the answer carries no Tags at all; `listeners` ('tcp:80') only when asked for.
    """

    id: str
    name: str
    load_balancer_id: str | None
    servers: tuple[BackendServer, ...] = ()
    tags: dict[str, str] | None = None
    listeners: tuple[str, ...] = ()
    create_time: str | None = None


@dataclass(frozen=True)
class LoadBalancer:
    """The load balancer's attributes the provider reads (built only by the gateway, from the wire).

    `spec` None or "" means shared-performance unless `charge_type` is pay-by-capacity
    ("PayByCLCU"); `status` and `network_type` are lower case ("active", "classic", "vpc").
    """

    id: str
    status: str = ""
    spec: str | None = None
    charge_type: str = ""
    network_type: str = ""
    delete_protection: bool = False
    request_id: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    """A validated, fully known declaration: what create() sends and what read() compares."""

    load_balancer_id: str
    region_id: str
    name: str
    servers: tuple[BackendServer, ...]
    tags: tuple[tuple[str, str], ...] = ()
    adopt_id: str | None = None
    owner: str | None = None
    delete_protection_validation: bool = False

    @property
    def tag_dict(self) -> dict[str, str]:
        return dict(self.tags)

    @classmethod
    def from_props(cls, props: Mapping[str, Any], default_region: str | None = None) -> GroupSpec:
        """The declaration, normalized once (normalize_inputs), as the one value the lifecycle
        passes down."""
        normalized = normalize_inputs(props, default_region)
        return cls(
            load_balancer_id=str(normalized["load_balancer_id"]),
            region_id=str(normalized["region_id"]),
            name=str(normalized.get("name", "")),
            servers=tuple(BackendServer.from_normalized(s) for s in normalized["servers"]),
            tags=tuple(sorted(normalized.get("tags", {}).items())),
            adopt_id=normalized.get("adopt_id"),
            owner=normalized.get("owner"),
            delete_protection_validation=normalized[PROTECTION_FLAG] is True,
        )

    def to_outputs(self, *, owner_tag: str | None = None) -> dict[str, Any]:
        """Outputs repeat every input, normalized, plus `owner_tag`: the ownership tag's value
        the group carries, when there is one."""
        return group_outputs(
            load_balancer_id=self.load_balancer_id, region_id=self.region_id, name=self.name,
            servers=[s.to_props() for s in self.servers], tags=self.tag_dict,
            delete_protection_validation=self.delete_protection_validation, adopt_id=self.adopt_id,
            owner=self.owner, owner_tag=owner_tag)


def group_outputs(*, load_balancer_id: Any, region_id: Any, name: str, servers: list[dict[str, Any]],
                  tags: dict[str, Any], delete_protection_validation: Any, adopt_id: Any = None, owner: Any = None,
                  owner_tag: str | None = None) -> dict[str, Any]:
    """The ONE builder of what state stores for a group (create, adopt, update and read): plain
    snake_case values, the state format of every release; adopt_id, owner and owner_tag only
    when set."""
    outputs: dict[str, Any] = {
        "load_balancer_id": load_balancer_id,
        "region_id": region_id,
        "name": name,
        "servers": servers,
        "tags": tags,
        PROTECTION_FLAG: delete_protection_validation,
    }
    optional = {"adopt_id": adopt_id, "owner": owner, OWNER_TAG_OUTPUT: owner_tag}
    outputs.update({key: value for key, value in optional.items() if value})
    return outputs


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The user's tags only: the provider's own (the ownership tag, and the create token of
    releases before it, under the same reserved prefix) never show in outputs or diffs."""
    return {key: value for key, value in tags.items() if not key.startswith(OWNER_TAG_PREFIX)}


def declaration_mismatches(spec: GroupSpec, live: LiveGroup) -> list[str]:
    """Every field the declaration holds that the live group does not have, one line each.

    `server_ip` is compared only when the API returned it (the Attribute answer has no
    ServerIp); `description` is compared as given, an absent one equal to an empty one.
    """
    mismatches = []
    if live.load_balancer_id and live.load_balancer_id != spec.load_balancer_id:
        mismatches.append(f"load_balancer_id: declared {spec.load_balancer_id}, the group belongs to {live.load_balancer_id}")
    if live.name != spec.name:
        mismatches.append(f"name: declared {spec.name!r}, the group is named {live.name!r}")
    declared = {s.key: s for s in spec.servers}
    actual = {s.key: s for s in live.servers}
    for key in sorted(set(declared) | set(actual)):
        where = f"server {key[0]}:{key[1]}"
        if key not in actual:
            mismatches.append(f"servers: {where} is declared but not in the group")
            continue
        if key not in declared:
            mismatches.append(f"servers: {where} is in the group but not declared")
            continue
        for field in fields.SERVER_ATTRIBUTE_FIELDS:
            want, have = getattr(declared[key], field), getattr(actual[key], field)
            if field == "server_ip" and have is None:
                continue
            if (want or None) != (have or None):
                mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches


def server_identity(server: Any) -> Any:
    """What makes two server entries the same, after normalization (order-free)."""
    if not isinstance(server, Mapping):
        return ("<invalid>", repr(server))
    normalized = normalize_server(server)
    return tuple((key, normalized.get(key)) for key in SERVER_FIELDS)


def servers_equal(old: Any, new: Any) -> bool:
    """Servers compare as a set keyed by (server_id, port), so order never matters."""
    if not isinstance(old, (list, tuple)) or not isinstance(new, (list, tuple)):
        return bool(old == new)
    return sorted(map(repr, map(server_identity, old))) == sorted(map(repr, map(server_identity, new)))
