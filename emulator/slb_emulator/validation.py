"""The rules a request's values must meet, as pure functions: the server list of a
master/slave group and the tags.

Owns the order of the checks (the first rule broken is the error the client sees) and the
normalized result: model Servers with their defaults filled, a tag dict. Imports models.py,
rules.py (the numbers and choices) and exceptions.py only; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import exceptions as exc
from .models import Server
from .rules import (
    BACKEND_TYPES,
    DEFAULT_BACKEND_TYPE,
    DEFAULT_SERVER_TYPE,
    DEFAULT_WEIGHT,
    DESCRIPTION,
    MAX_INT_DIGITS,
    MAX_PORT,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    MAX_WEIGHT,
    MIN_PORT,
    MIN_TAG_KEY,
    MIN_WEIGHT,
    SERVER_TYPES,
    SERVERS_PER_GROUP,
    TAG_FORBIDDEN_PARTS,
    TAG_RESERVED_PREFIXES,
)

# (key, value-or-None): a group must carry the key, with that value when one is given.
TagFilter = list[tuple[str, str | None]]


def _as_int(value: object) -> int | None:
    """An int from an int or a string of decimal digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= MAX_INT_DIGITS:
            return int(text)
    return None


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _or_default(item: Mapping[str, object], key: str, default: object) -> object:
    """The item's value, or the default when the key is missing or null."""
    value = item.get(key)
    return default if value is None else value


def _server_id(item: Mapping[str, object]) -> str:
    server_id = item.get("ServerId")
    if _empty(server_id):
        raise exc.BackendServerIdCanNotEmpty()
    if not isinstance(server_id, str):
        raise exc.InvalidServerList()
    return server_id.strip()


def _server_type(item: Mapping[str, object]) -> str:
    server_type = _or_default(item, "ServerType", DEFAULT_SERVER_TYPE)
    if server_type not in SERVER_TYPES:
        raise exc.InvalidServerType()
    return str(server_type)


def _port(item: Mapping[str, object]) -> int:
    raw = item.get("Port")
    if _empty(raw):
        raise exc.BackendServerPortCanNotEmpty()
    port = _as_int(raw)
    if port is None or not MIN_PORT <= port <= MAX_PORT:
        raise exc.RealServerPortNotSupport()
    return port


def _weight(item: Mapping[str, object]) -> int:
    weight = _as_int(_or_default(item, "Weight", DEFAULT_WEIGHT))
    if weight is None or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise exc.InvalidWeight()
    return weight


def _backend_type(item: Mapping[str, object]) -> str:
    backend_type = _or_default(item, "Type", DEFAULT_BACKEND_TYPE)
    if backend_type not in BACKEND_TYPES:
        raise exc.InvalidType()
    return str(backend_type)


def _description_and_ip(item: Mapping[str, object]) -> tuple[str, str]:
    description = _or_default(item, "Description", "")
    server_ip = _or_default(item, "ServerIp", "")
    if not isinstance(description, str) or not isinstance(server_ip, str):
        raise exc.InvalidServerList()
    if description and not DESCRIPTION.fullmatch(description):
        raise exc.InvalidServerDescription()
    return description, server_ip


def normalize_server(item: Mapping[str, object]) -> Server:
    """One server of the list, checked in the order ServerId, ServerType, Port, Weight,
    Type, Description: the first rule it breaks is the error the client sees."""
    server_id = _server_id(item)
    server_type = _server_type(item)
    port = _port(item)
    weight = _weight(item)
    backend_type = _backend_type(item)
    description, server_ip = _description_and_ip(item)
    return Server(server_id, port, weight, server_type, backend_type, description, server_ip)


def normalize_servers(items: object) -> list[Server]:
    """Validate the parsed server list (pure) and return it as model Servers.

    Order of the checks: count, then each server (ServerId, ServerType, Port, Weight,
    Type), then the pair (same ServerId and Port, one Master and one Slave).
    """
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise exc.InvalidServerList()
    if len(items) != SERVERS_PER_GROUP:
        raise exc.BackendServersNumMustBeTwo()
    servers = [normalize_server(item) for item in items]
    first, second = servers
    if first.server_id == second.server_id and first.port == second.port:
        raise exc.BackendServersHaveSamePortAndServerId()
    if sorted(s.server_type for s in servers) != sorted(SERVER_TYPES):
        raise exc.BackendServersOneMasterOneSlave()
    return servers


def _tag_text_allowed(text: str) -> bool:
    """Neither a reserved prefix nor a URL scheme, in any case."""
    lowered = text.lower()
    return not lowered.startswith(TAG_RESERVED_PREFIXES) and not any(
        part in lowered for part in TAG_FORBIDDEN_PARTS)


def validate_tags(tags: Sequence[tuple[str | None, str | None]]) -> dict[str, str]:
    """tags: list of (key, value) from the request. Returns a dict, or raises."""
    if len(tags) > MAX_TAGS:
        raise exc.InvalidTagNum()
    result: dict[str, str] = {}
    for key, given_value in tags:
        if key is None or not MIN_TAG_KEY <= len(key) <= MAX_TAG_KEY or not _tag_text_allowed(key):
            raise exc.InvalidTagKey()
        value = "" if given_value is None else given_value
        if len(value) > MAX_TAG_VALUE or not _tag_text_allowed(value):
            raise exc.InvalidTagValue()
        if key in result:
            raise exc.DuplicateTagKey()
        result[key] = value
    return result


def matches(tags: Mapping[str, str], tag_filter: TagFilter) -> bool:
    return all(k in tags and (v is None or tags[k] == v) for k, v in tag_filter)
