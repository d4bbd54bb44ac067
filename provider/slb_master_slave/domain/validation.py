"""Every documented constraint as data: one table of rules, each with its code and a breaking input.

Preview must report what the API would reject, before any call and all at once, each
failure with the API's own code and the property path to fix. Rules run on normalized
inputs (normalize.normalize_inputs) and skip whatever is unknown at preview time, so the
known rest is still checked. A rule never raises: a rule that met a shape it did not
expect reports that shape instead (an exception would be a bug, and check() says so under
its own code, never as a validation failure). The table is walked by the tests, so a rule added
here without a breaking example cannot pass them.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from . import fields
from .fields import MAX_TAG_VALUE, OWNER_TAG_PREFIX, RESERVED_TAG_PREFIXES, URL_MARKERS
from .normalize import is_unknown

SERVER_FIELDS = fields.SERVER_FIELD_NAMES
SERVER_TYPES = fields.SERVER_TYPE.choices
BACKEND_TYPES = fields.BACKEND_TYPE.choices
MAX_USER_TAGS = fields.MAX_USER_TAGS

MAX_TAG_KEY = fields.MAX_TAG_KEY
MAX_DESCRIPTION = fields.MAX_DESCRIPTION
MAX_NAME = fields.MAX_NAME
PORT_MIN, PORT_MAX = fields.PORT.int_range or (1, fields.MAX_PORT)
WEIGHT_MIN, WEIGHT_MAX = fields.WEIGHT.int_range or (0, fields.MAX_WEIGHT)
# The API reference's rule for a server description: 1-80 Chinese characters, letters, digits,
# - / . _ . It names no code points: "Chinese characters" is Unicode's CJK Unified Ideographs
# block, U+4E00-U+9FFF (the emulator reads it the same way; tests/test_description_rule.py).
# Matched whole (fullmatch): `$` would let a trailing newline through.
DESCRIPTION_PATTERN = re.compile(r"[A-Za-z0-9\u4e00-\u9fff\-/._]+")

Finding = tuple[str, str]  # (property path, message)
# Inputs that are not a mapping at all: the API's generic code for a parameter it cannot read.
UNREADABLE_CODE = "InvalidParameter"


@dataclass(frozen=True)
class Violation:
    code: str
    path: str
    message: str

    @property
    def reason(self) -> str:
        """What Pulumi shows: the documented code first, then the rule and the fix."""
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Rule:
    code: str
    summary: str
    example: str
    break_example: Callable[[dict[str, Any]], None]
    example_path: str
    find: Callable[[Mapping[str, Any]], Iterable[Finding]]


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def _servers(props: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The server entries that are known mappings, with their index."""
    servers = props.get("servers")
    if not isinstance(servers, (list, tuple)):
        return []
    return [(i, s) for i, s in enumerate(servers) if isinstance(s, Mapping) and not is_unknown(s)]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _find_load_balancer(props: Mapping[str, Any]) -> Iterator[Finding]:
    value = props.get("load_balancer_id")
    if is_unknown(value):
        return
    if not isinstance(value, str) or not value.strip():
        yield (
            "load_balancer_id",
            "load_balancer_id is required: give the id of the SLB instance (lb-...) the group belongs to.",
        )


def _find_region(props: Mapping[str, Any]) -> Iterator[Finding]:
    value = props.get("region_id")
    if is_unknown(value):
        return
    if value is None:
        yield (
            "region_id",
            "no region: set region_id on the resource, stack config alicloud:region, "
            "or ALICLOUD_REGION in the environment.",
        )
    elif not isinstance(value, str) or not value or not all(c.isalnum() or c in "-_" for c in value):
        yield ("region_id", f"region_id {value!r} is not a region id; write it like cn-hangzhou.")


def _find_name(props: Mapping[str, Any]) -> Iterator[Finding]:
    value = props.get("name")
    if not _known(value):
        return
    if not isinstance(value, str):
        yield ("name", f"name must be a string, got {type(value).__name__}.")
    elif not 1 <= len(value) <= MAX_NAME:
        yield ("name", f"name must be 1 to {MAX_NAME} characters, got {len(value)}: "
                       f"shorten it, or leave name out to have the resource name used (if it is at most {MAX_NAME}).")


def _find_default_name(props: Mapping[str, Any]) -> Iterator[Finding]:
    """The name check() chose from the resource name (name left out): a failure says so,
    since the user never wrote the value that fails."""
    value = props.get("name")
    if _known(value) and isinstance(value, str) and not 1 <= len(value) <= MAX_NAME:
        yield ("name", f"name was left out, so it defaults to the resource name, which is {len(value)} characters; "
                       f"a group name is at most {MAX_NAME}: give `name` explicitly (1 to {MAX_NAME} characters).")
    else:
        yield from _find_name(props)


def _find_adopt_id(props: Mapping[str, Any]) -> Iterator[Finding]:
    value = props.get("adopt_id")
    if _known(value) and (not isinstance(value, str) or not value.startswith("rsp-")):
        yield ("adopt_id", f"adopt_id {value!r} is not a group id; copy the rsp-... id of the group to adopt.")


def _find_servers_shape(props: Mapping[str, Any]) -> Iterator[Finding]:
    servers = props.get("servers")
    if is_unknown(servers):
        return
    if not isinstance(servers, (list, tuple)):
        yield ("servers", "servers must be a list of two servers (one Master, one Slave).")
        return
    for i, server in enumerate(servers):
        if is_unknown(server):
            continue
        if not isinstance(server, Mapping):
            yield (f"servers[{i}]", f"servers[{i}] must be a mapping with server_id and port, got {type(server).__name__}.")
            continue
        for key in server:
            if key not in SERVER_FIELDS:
                hint = difflib.get_close_matches(str(key), SERVER_FIELDS, n=1)
                fix = f" did you mean {hint[0]!r}?" if hint else f" known keys: {', '.join(SERVER_FIELDS)}."
                yield (f"servers[{i}].{key}", f"unknown key {key!r} in servers[{i}];{fix}")


def _find_server_count(props: Mapping[str, Any]) -> Iterator[Finding]:
    servers = props.get("servers")
    if isinstance(servers, (list, tuple)) and len(servers) != fields.SERVER_COUNT:
        yield ("servers", f"an active/standby group holds exactly 2 servers (one Master, one Slave), got {len(servers)}.")


def _find_server_id(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("server_id")
        if is_unknown(value):
            continue
        if not isinstance(value, str) or not value.strip():
            yield (f"servers[{i}].server_id", f"servers[{i}].server_id is required: the ECS instance, ENI or ECI id (i-..., eni-..., eci-...).")


def _find_port_missing(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        if server.get("port") is None:
            yield (f"servers[{i}].port", f"servers[{i}].port is required: the backend port, {PORT_MIN}-{PORT_MAX}.")


def _find_port_range(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("port")
        if not _known(value):
            continue
        if not _is_int(value) or not PORT_MIN <= value <= PORT_MAX:
            yield (f"servers[{i}].port", f"servers[{i}].port {value!r} is not supported: use a whole number from {PORT_MIN} to {PORT_MAX}.")


def _find_weight(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("weight")
        if not _known(value):
            continue
        if not _is_int(value) or not WEIGHT_MIN <= value <= WEIGHT_MAX:
            yield (f"servers[{i}].weight", f"servers[{i}].weight {value!r} is out of range: use a whole number from {WEIGHT_MIN} to {WEIGHT_MAX} (default {fields.DEFAULT_WEIGHT}).")


def _find_server_type(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("server_type")
        if _known(value) and value not in SERVER_TYPES:
            yield (f"servers[{i}].server_type", f"servers[{i}].server_type {value!r} is invalid: use 'Master' or 'Slave'.")


def _find_backend_type(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("type")
        if _known(value) and value not in BACKEND_TYPES:
            yield (f"servers[{i}].type", f"servers[{i}].type {value!r} is invalid: use 'ecs' (default), 'eni' or 'eci'.")


def _find_server_ip(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("server_ip")
        if not _known(value):
            continue
        try:
            ipaddress.ip_address(value if isinstance(value, str) else "")
        except ValueError:
            yield (f"servers[{i}].server_ip", f"servers[{i}].server_ip {value!r} is not an IP address: give the ENI's or ECI's private IP, e.g. 192.168.0.21.")


def _find_description(props: Mapping[str, Any]) -> Iterator[Finding]:
    for i, server in _servers(props):
        value = server.get("description")
        if not _known(value):
            continue
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_DESCRIPTION or not DESCRIPTION_PATTERN.fullmatch(value):
            yield (f"servers[{i}].description",
                   f"servers[{i}].description must be 1 to {MAX_DESCRIPTION} characters of letters, digits, "
                   "Chinese characters (U+4E00-U+9FFF), '-', '/', '.' or '_' (no spaces): replace the others, "
                   "e.g. with '_'.")


def _find_master_slave(props: Mapping[str, Any]) -> Iterator[Finding]:
    servers = props.get("servers")
    if not isinstance(servers, (list, tuple)) or len(servers) != 2:
        return
    known = _servers(props)
    types = [s.get("server_type") for _, s in known]
    if len(known) != 2 or not all(t in SERVER_TYPES for t in types):
        return
    if sorted(str(t) for t in types) != ["Master", "Slave"]:
        yield ("servers", f"the group must hold one Master and one Slave, got {types[0]} and {types[1]}: set server_type on one of them.")


def _find_duplicate(props: Mapping[str, Any]) -> Iterator[Finding]:
    seen: dict[tuple[str, int], int] = {}
    for i, server in _servers(props):
        server_id, port = server.get("server_id"), server.get("port")
        if not isinstance(server_id, str) or not _is_int(port):
            continue
        if (server_id, port) in seen:
            first = seen[(server_id, port)]
            yield (f"servers[{i}]", f"servers[{i}] repeats servers[{first}] ({server_id}:{port}): use another server or another port.")
        else:
            seen[(server_id, port)] = i


def _tags(props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tags = props.get("tags")
    return tags if isinstance(tags, Mapping) else None


def _find_tags_shape(props: Mapping[str, Any]) -> Iterator[Finding]:
    tags = props.get("tags")
    if _known(tags) and not isinstance(tags, Mapping):
        yield ("tags", "tags must be a mapping of key to value.")
        return
    if tags is not None and _known(tags) and len(tags) > MAX_USER_TAGS:
        extra = len(tags) - MAX_USER_TAGS
        yield ("tags", f"at most {MAX_USER_TAGS} tags per group (the API allows 20; one slot holds the provider's "
                       f"ownership tag), got {len(tags)}: remove {'one' if extra == 1 else extra}. A group made "
                       "by release 0.1 with 20 tags keeps them until then; the `pulumi up` after you remove one "
                       "from the program removes it from the group and tags the group in place (README: Upgrading).")


def _find_tag_keys(props: Mapping[str, Any]) -> Iterator[Finding]:
    for key in _tags(props) or {}:
        path = f"tags.{key}"
        text = str(key)
        if not 1 <= len(text) <= MAX_TAG_KEY:
            yield (path, f"tag key {text!r} must be 1 to {MAX_TAG_KEY} characters.")
        elif text.lower().startswith(RESERVED_TAG_PREFIXES):
            yield (path, f"tag key {text!r} starts with a reserved prefix (aliyun, acs:): rename it.")
        elif text.lower().startswith(OWNER_TAG_PREFIX):
            yield (path, f"tag key {text!r} uses the prefix {OWNER_TAG_PREFIX!r}, reserved for this provider's "
                         "ownership tag: rename it.")
        elif any(marker in text.lower() for marker in URL_MARKERS):
            yield (path, f"tag key {text!r} may not contain http:// or https://.")


def _find_tag_values(props: Mapping[str, Any]) -> Iterator[Finding]:
    for key, value in (_tags(props) or {}).items():
        if not _known(value):
            continue
        path = f"tags.{key}"
        if not isinstance(value, str):
            yield (path, f"tag {key!r} must have a text value, got {type(value).__name__}.")
        elif len(value) > MAX_TAG_VALUE:
            yield (path, f"tag {key!r} value is {len(value)} characters; at most {MAX_TAG_VALUE}.")
        elif value.lower().startswith(RESERVED_TAG_PREFIXES):
            yield (path, f"tag {key!r} value may not start with aliyun or acs: (reserved by Alibaba Cloud): change it.")
        elif any(marker in value.lower() for marker in URL_MARKERS):
            yield (path, f"tag {key!r} value may not contain http:// or https://.")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A breaking edit at a dotted path such as servers.1.port (None deletes the key)."""

    def apply(props: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = props
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is None:
            del target[key]
        else:
            target[key] = copy.deepcopy(value)

    return apply


def _both(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        for edit in edits:
            edit(props)

    return apply


RULES: tuple[Rule, ...] = (
    Rule(str(fields.LOAD_BALANCER_ID.code), "load_balancer_id is given", "load_balancer_id left out",
         _set("load_balancer_id", None), "load_balancer_id", _find_load_balancer),
    Rule("MissingParameter.RegionId", "a region resolves from region_id, alicloud:region or the environment",
         "no region anywhere", _set("region_id", None), "region_id", lambda p: (f for f in _find_region(p) if p.get("region_id") is None)),
    Rule(str(fields.REGION_ID.code), "region_id looks like a region id", "region_id: 'cn hangzhou'",
         _set("region_id", "cn hangzhou"), "region_id", lambda p: (f for f in _find_region(p) if p.get("region_id") is not None)),
    Rule(str(fields.NAME.code), f"name is text of 1-{MAX_NAME} characters (left out: the resource name, which must then fit)", "name: ''", _set("name", ""), "name", _find_name),
    Rule(str(fields.ADOPT_ID.code), "adopt_id is a group id (rsp-...)", "adopt_id: 'lb-123'",
         _set("adopt_id", "lb-123"), "adopt_id", _find_adopt_id),
    Rule("InvalidParameter.Servers", "servers is a list of mappings with known keys (typos get a suggestion)", "servers[0] with key 'serverid'",
         _set("servers.0.serverid", "i-typo"), "servers[0].serverid", _find_servers_shape),
    Rule(str(fields.SERVERS.code), f"exactly {fields.SERVER_COUNT} servers", "a third server",
         lambda p: p["servers"].append({"server_id": "i-demo-web-3", "port": 80, "server_type": "Slave"}), "servers", _find_server_count),
    Rule(str(fields.SERVER_ID.code), "every server has a server_id", "servers[1].server_id: ''",
         _set("servers.1.server_id", ""), "servers[1].server_id", _find_server_id),
    Rule("BACKEND_SERVER_PORT_CAN_NOT_EMPTY", "every server has a port", "servers[1].port left out",
         _set("servers.1.port", None), "servers[1].port", _find_port_missing),
    Rule(str(fields.PORT.code), f"ports are whole numbers {PORT_MIN}-{PORT_MAX}", "servers[0].port: 70000",
         _set("servers.0.port", 70000), "servers[0].port", _find_port_range),
    Rule(str(fields.WEIGHT.code), f"weights are whole numbers {WEIGHT_MIN}-{WEIGHT_MAX}", "servers[0].weight: 101",
         _set("servers.0.weight", 101), "servers[0].weight", _find_weight),
    Rule(str(fields.SERVER_TYPE.code), f"server_type is {' or '.join(SERVER_TYPES)}", "servers[1].server_type: 'Backup'",
         _set("servers.1.server_type", "Backup"), "servers[1].server_type", _find_server_type),
    Rule(str(fields.BACKEND_TYPE.code), f"type is {', '.join(BACKEND_TYPES[:-1])} or {BACKEND_TYPES[-1]}", "servers[0].type: 'vm'",
         _set("servers.0.type", "vm"), "servers[0].type", _find_backend_type),
    Rule(str(fields.SERVER_IP.code), "server_ip, when given, is an IP address", "servers[0].server_ip: '10.0.0'",
         _set("servers.0.server_ip", "10.0.0"), "servers[0].server_ip", _find_server_ip),
    Rule(str(fields.DESCRIPTION.code),
         f"description, when given, is 1-{MAX_DESCRIPTION} letters, digits, Chinese characters (U+4E00-U+9FFF), -, /, . or _",
         "servers[0].description: 'web server'", _set("servers.0.description", "web server"), "servers[0].description",
         _find_description),
    Rule("BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE", "one Master and one Slave",
         "two Masters", _set("servers.1.server_type", "Master"), "servers", _find_master_slave),
    Rule("BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID", "no server and port twice", "both entries i-demo-web-1:80",
         _both(_set("servers.1.server_id", "i-demo-web-1"), _set("servers.1.port", 80)), "servers[1]", _find_duplicate),
    Rule(str(fields.TAGS.code), f"at most {MAX_USER_TAGS} tags (the 20th slot holds the ownership tag)", "20 tags",
         _set("tags", {f"k{i}": "v" for i in range(20)}), "tags", _find_tags_shape),
    Rule("InvalidTagKey.Malformed",
         f"tag keys are 1-{MAX_TAG_KEY} characters, not aliyun*/acs:*/{OWNER_TAG_PREFIX}*, no http(s)://",
         f"tag key '{OWNER_TAG_PREFIX}owner'", _set("tags", {f"{OWNER_TAG_PREFIX}owner": "me"}),
         f"tags.{OWNER_TAG_PREFIX}owner", _find_tag_keys),
    Rule("InvalidTagValue.Malformed",
         f"tag values are text of at most {MAX_TAG_VALUE} characters, not starting with aliyun or acs:, no http(s)://",
         "tag value 'acs:team'", _set("tags", {"docs": "acs:team"}), "tags.docs", _find_tag_values),
)

VALID_EXAMPLE: dict[str, Any] = {
    "load_balancer_id": "lb-demo-hangzhou",
    "region_id": "cn-hangzhou",
    "name": "web",
    "servers": [
        {"server_id": "i-demo-web-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"},
        {"server_id": "i-demo-web-2", "port": 8080, "weight": 100, "server_type": "Slave", "type": "ecs"},
    ],
    "tags": {"env": "dev"},
}


def unreadable_inputs(bag: object) -> Violation | None:
    """The one shape no rule can read: inputs that are not a mapping of property names to
    values. The message names the type it got, never the value (it may hold a secret)."""
    if isinstance(bag, Mapping):
        return None
    return Violation(UNREADABLE_CODE, "", f"the inputs could not be read: expected a mapping of property names "
                                          f"to values, got {type(bag).__name__}.")


def validate(props: Mapping[str, Any], *, name_from_resource: bool = False) -> list[Violation]:
    """Every violation at once, in table order.

    Rules take any values in the mapping and report what they cannot use; none raises (the
    property tests hold them to it). A rule that raised anyway would be a bug, and check()
    reports it as one (ProviderInternalError), never as a failure of the user's inputs.

    `name_from_resource`: the name was left out and check() filled in the resource name, so
    the name rule explains that instead of blaming a name the user never wrote.
    """
    violations: list[Violation] = []
    for rule in RULES:
        find = _find_default_name if name_from_resource and rule.find is _find_name else rule.find
        violations.extend(Violation(rule.code, path, message) for path, message in find(props))
    return violations
