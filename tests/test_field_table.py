"""The field table (slb_master_slave.fields) against everything that spells a server or a group:
the program's input and output types, the wire codec, validation, and the emulator's own rules
(the other side of the wire keeps its copy; these tests keep the two from drifting)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
from typing import Any

import pytest
from slb_master_slave import (
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupArgsDict,
    MasterSlaveServerGroupServer,
    fields,
    validation,
    wire,
)
from slb_master_slave.owner_tag import MAX_TAG_VALUE
from slb_master_slave.spec import BackendServer, GroupSpec, in_api_order
from slb_master_slave.wire import server_from_wire, server_to_wire

# The emulator shares no code with the provider: its modules are read here as plain objects
# (its table of rules, its value checks, its errors).
emulator: Any = importlib.import_module("slb_emulator.rules")
emulator_checks: Any = importlib.import_module("slb_emulator.validation")
emulator_errors: Any = importlib.import_module("slb_emulator.exceptions")


def emulator_servers(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The emulator's checked and normalized server list, under the API's names."""
    return [server.to_api() for server in emulator_checks.normalize_servers(servers)]


def properties(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items() if isinstance(value, property)}


def required_keyword_parameters(cls: type) -> set[str]:
    parameters = inspect.signature(cls).parameters.values()
    return {p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty}


def assert_args_carry(table: tuple[fields.Field, ...], args: type, args_dict: Any) -> set[str]:
    """The input type and its TypedDict name exactly the table's fields and require its required ones."""
    names = {f.name for f in table}
    required = {f.name for f in table if f.required}
    assert properties(args) == names
    assert required_keyword_parameters(args) == required
    assert set(args_dict.__annotations__) == names
    assert args_dict.__required_keys__ == required
    return names


def test_the_server_types_carry_exactly_the_tables_fields() -> None:
    names = assert_args_carry(fields.SERVER, BackendServerArgs, BackendServerArgsDict)
    assert properties(MasterSlaveServerGroupServer) - {"instance_id"} == names
    assert [f.name for f in BackendServer.__dataclass_fields__.values()] == list(fields.SERVER_FIELD_NAMES)
    assert {k: v.default for k, v in BackendServer.__dataclass_fields__.items()
            if v.default is not None and v.default is not dataclasses.MISSING} == fields.SERVER_DEFAULTS


def test_the_group_args_carry_exactly_the_tables_fields() -> None:
    assert_args_carry(fields.GROUP, MasterSlaveServerGroupArgs, MasterSlaveServerGroupArgsDict)


def test_server_args_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        BackendServerArgs("i-1", 80)  # type: ignore[call-arg]  # the point: positional is refused
    args = BackendServerArgs(server_id="i-1", port="80", server_type="Slave")
    assert (args.server_id, args.port, args.server_type, args.weight) == ("i-1", "80", "Slave", None)
    assert args.to_input() == {"server_id": "i-1", "port": "80", "server_type": "Slave"}


def test_the_wire_codec_uses_the_tables_wire_names_and_round_trips() -> None:
    server = BackendServer("eni-1", 8080, 30, "Slave", "eni", "web_1", "192.168.0.21")
    wire = server_to_wire(server)
    assert wire == {"ServerId": "eni-1", "Port": "8080", "Weight": "30", "ServerType": "Slave", "Type": "eni",
                    "Description": "web_1", "ServerIp": "192.168.0.21"}
    assert set(wire) == {f.wire for f in fields.SERVER}
    assert server_from_wire(wire) == server
    assert server_from_wire({"ServerId": "i-1", "Port": 80}) == BackendServer("i-1", 80)
    assert server_to_wire(BackendServer("i-1", 80)) == {"ServerId": "i-1", "Port": "80", "Weight": "100",
                                                       "ServerType": "Master", "Type": "ecs"}


def test_the_emulator_decodes_what_the_provider_encodes():
    pair = [BackendServer("i-1", 80, 40, "Slave", "ecs", "b"), BackendServer("i-2", 80, 60, "Master", "ecs", "a")]
    decoded = emulator_servers([server_to_wire(s) for s in pair])
    assert in_api_order(server_from_wire(item) for item in decoded) == in_api_order(pair)
    assert [s.server_type for s in in_api_order(pair)] == ["Master", "Slave"]


def test_validation_reads_its_codes_and_limits_from_the_table() -> None:
    codes = {rule.code for rule in validation.RULES}
    assert {f.code for f in (*fields.SERVER, *fields.GROUP) if f.code} <= codes
    assert fields.PORT.int_range == (validation.PORT_MIN, validation.PORT_MAX)
    assert fields.WEIGHT.int_range == (validation.WEIGHT_MIN, validation.WEIGHT_MAX)


# -- the emulator's own rules ----------------------------------------------------------------
def wire_pair(**first: Any) -> list[dict[str, Any]]:
    return [{"ServerId": "i-1", "Port": 80, "ServerType": "Master", **first},
            {"ServerId": "i-2", "Port": 80, "ServerType": "Slave"}]


def emulator_code(servers: list[dict[str, Any]]) -> str | None:
    try:
        emulator_checks.normalize_servers(servers)
    except emulator_errors.SlbError as error:
        return str(error.code)
    return None


def test_the_emulator_allows_the_same_choices():
    assert tuple(emulator.SERVER_TYPES) == fields.SERVER_TYPE.choices
    assert tuple(emulator.BACKEND_TYPES) == fields.BACKEND_TYPE.choices
    for field in (fields.SERVER_TYPE, fields.BACKEND_TYPE):
        assert emulator_code(wire_pair(**{str(field.wire): "Other"})) == emulator_code(
            [{"ServerId": "i-1", "Port": 80, str(field.wire): "Other"}, wire_pair()[1]])
    assert emulator_code(wire_pair(Type="vm")) is not None


@pytest.mark.parametrize("field", [fields.PORT, fields.WEIGHT], ids=lambda f: f.name)
def test_the_emulator_has_the_same_integer_ranges(field):
    assert field.int_range is not None
    low, high = field.int_range
    wire = str(field.wire)
    assert emulator_code(wire_pair(**{wire: low})) is None
    assert emulator_code(wire_pair(**{wire: high})) is None
    assert emulator_code(wire_pair(**{wire: low - 1})) is not None
    assert emulator_code(wire_pair(**{wire: high + 1})) is not None


def test_the_emulator_has_the_same_defaults():
    [master, _] = emulator_servers(wire_pair())
    assert {name: master[str(f.wire)] for f in fields.SERVER if (name := f.name) in fields.SERVER_DEFAULTS} == \
        fields.SERVER_DEFAULTS


def test_the_emulator_has_the_same_description_rule():
    assert emulator.DESCRIPTION.pattern == re.sub(r"\+$", "", validation.DESCRIPTION_PATTERN.pattern) + \
        "{{{},{}}}".format(*fields.DESCRIPTION.length or (0, 0))
    longest = "a" * fields.MAX_DESCRIPTION
    assert emulator_code(wire_pair(Description=longest)) is None
    # The real code for a bad description is not documented: the emulator answers InvalidParameter.
    assert emulator_code(wire_pair(Description=longest + "a")) == "InvalidParameter"
    assert emulator_code(wire_pair(Description="web server")) == "InvalidParameter"


def test_the_emulator_holds_the_same_server_count():
    third = {"ServerId": "i-3", "Port": 80, "ServerType": "Slave"}
    assert emulator_code(wire_pair()) is None
    assert emulator_code([*wire_pair(), third]) == fields.SERVERS.code
    assert emulator_code(wire_pair()[:1]) == fields.SERVERS.code


def test_the_emulator_has_the_same_tag_limits():
    assert emulator.MAX_TAGS == fields.MAX_TAGS == fields.MAX_USER_TAGS + 1
    emulator_checks.validate_tags([(f"k{i}", "v") for i in range(fields.MAX_TAGS)])
    with pytest.raises(emulator_errors.SlbError):
        emulator_checks.validate_tags([(f"k{i}", "v") for i in range(fields.MAX_TAGS + 1)])
    emulator_checks.validate_tags([("k" * fields.MAX_TAG_KEY, "v" * MAX_TAG_VALUE)])
    with pytest.raises(emulator_errors.SlbError):
        emulator_checks.validate_tags([("k" * (fields.MAX_TAG_KEY + 1), "v")])
    with pytest.raises(emulator_errors.SlbError):
        emulator_checks.validate_tags([("k", "v" * (MAX_TAG_VALUE + 1))])


SAMPLES = [BackendServer("i-1", 80), BackendServer("eni-1", 8080, 0, "Slave", "eni", "web_1", "192.168.0.21"),
           BackendServer("eci-1", 65535, 100, "Master", "eci", None, None)]


@pytest.mark.parametrize("server", SAMPLES, ids=lambda s: s.server_id)
def test_the_gateways_requests_and_answers_go_through_the_table_codec(server: BackendServer) -> None:
    """The create request carries the table codec's items, and an answer's item (numbers,
    other spellings) decodes to the declared server: the wire has one codec."""
    spec = GroupSpec("lb-1", "cn-hangzhou", "g", (server, BackendServer("i-9", 81, server_type="Slave")))
    params = wire.create_params(spec, {})
    assert json.loads(params["MasterSlaveBackendServers"])[0] == server_to_wire(server)
    item = {"ServerId": server.server_id, "Port": server.port, "Weight": str(server.weight),
            "ServerType": server.server_type.lower(), "Type": server.type.upper(), "Description": server.description,
            "ServerIp": server.server_ip}
    group = wire.live_group_from_api({"MasterSlaveServerGroupId": "rsp-1", "MasterSlaveBackendServers":
                                      {"MasterSlaveBackendServer": [item]}})
    assert group.servers == (server,) == (server_from_wire(item),)