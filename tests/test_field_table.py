"""The field table (slb_master_slave.fields) against everything that spells a server or a group:
the program's types (generated from it: the file is current and the classes behave), the wire
codec, validation, and the emulator's own rules (the other side of the wire keeps its copy;
these tests keep the two from drifting)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
import types
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic
import pytest
from slb_master_slave import (
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroup,
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupArgsDict,
    MasterSlaveServerGroupServer,
)
from slb_master_slave.client import codec as wire
from slb_master_slave.client.codec import server_from_wire, server_to_wire
from slb_master_slave.domain import fields, validation
from slb_master_slave.domain.fields import MAX_TAG_VALUE
from slb_master_slave.domain.model import BackendServer, GroupSpec
from slb_master_slave.domain.normalize import in_api_order
from slb_master_slave.program.generated_types import MasterSlaveServerGroupShape
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.program import collect_registrations
from tools import generate_types

# The emulator shares no code with the provider: its modules are read here as plain objects
# (its table of rules, its value checks, its errors).
emulator: Any = importlib.import_module("slb_emulator.rules")
emulator_checks: Any = importlib.import_module("slb_emulator.validation")
emulator_errors: Any = importlib.import_module("slb_emulator.exceptions")


def emulator_servers(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The emulator's checked and normalized server list, under the API's names."""
    return [server.to_api() for server in emulator_checks.normalize_servers(servers)]


# -- the generated types ---------------------------------------------------------------------
def test_the_generated_types_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    """generated_types.py is what the generator makes of today's table: edit fields.py, then run
    `python -m tools.generate_types` and commit both."""
    assert generate_types.main(["generate_types", "--check"]) == 0, capsys.readouterr().err


def test_the_check_names_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "generated_types.py"
    stale.write_text(generate_types.render().replace("The backend port", "The port"), encoding="utf-8")
    monkeypatch.setattr(generate_types, "TARGET", stale)
    assert generate_types.main(["generate_types", "--check"]) == 1
    assert str(stale) in capsys.readouterr().err
    assert generate_types.main(["generate_types"]) == 0  # writes it
    assert generate_types.main(["generate_types", "--check"]) == 0


def test_a_field_added_to_the_table_reaches_every_generated_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the README promises for a new field: one row in fields.py, the generator, nothing else."""
    row = fields.Field("zone_id", "str", "ZoneId", "the server's zone", output_type="str")
    monkeypatch.setattr(fields, "SERVER", (*fields.SERVER, row))
    module = types.ModuleType("generated_with_zone")
    exec(compile(generate_types.render(), "generated_with_zone", "exec"), module.__dict__)
    args = module.BackendServerArgs(server_id="i-1", port=80, zone_id="cn-hangzhou-a")
    assert args.zone_id == "cn-hangzhou-a" and args.to_input()["zone_id"] == "cn-hangzhou-a"
    assert "zone_id" in module.BackendServerArgsDict.__optional_keys__
    assert module.MasterSlaveServerGroupServer({"zone_id": "z"}).zone_id == "z"
    assert module.SERVER_CAMEL_CASE_KEYS["zoneId"] == "zone_id"


def test_args_are_keyword_only_and_require_the_tables_required_fields() -> None:
    with pytest.raises(TypeError):
        BackendServerArgs("i-1", 80)  # type: ignore[call-arg]  # the point: positional is refused
    with pytest.raises(TypeError, match="server_id"):
        BackendServerArgs(port=80)  # type: ignore[call-arg]  # the point: server_id is required
    with pytest.raises(TypeError, match="servers"):
        MasterSlaveServerGroupArgs(load_balancer_id="lb-1")  # type: ignore[call-arg]  # servers is required
    args = BackendServerArgs(server_id="i-1", port="80", server_type="Slave")
    assert (args.server_id, args.port, args.server_type, args.weight) == ("i-1", "80", "Slave", None)
    assert args.to_input() == {"server_id": "i-1", "port": "80", "server_type": "Slave"}


def test_setters_write_what_the_getters_and_the_plain_forms_read() -> None:
    args = BackendServerArgs(server_id="i-1", port=80)
    args.weight = 30
    args.port = "8080"
    assert (args.weight, args.port) == (30, "8080")
    assert args.to_input() == {"server_id": "i-1", "port": "8080", "weight": 30}
    group = MasterSlaveServerGroupArgs(load_balancer_id="lb-1", servers=[args])
    group.tags = {"team": "web"}
    assert group.to_props() == {"load_balancer_id": "lb-1", "servers": [args], "name": None, "region_id": None,
                                "tags": {"team": "web"}, "adopt_id": None, "delete_protection_validation": None}


def test_the_typed_dicts_require_the_tables_required_keys() -> None:
    for table, args_dict in ((fields.SERVER, BackendServerArgsDict), (fields.GROUP, MasterSlaveServerGroupArgsDict)):
        assert args_dict.__required_keys__ == {f.name for f in table if f.required}
        assert args_dict.__optional_keys__ == {f.name for f in table if not f.required}


def test_the_server_output_reads_as_keys_and_attributes_and_equals_a_plain_dict() -> None:
    stored = {"server_id": "i-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"}
    server = MasterSlaveServerGroupServer(stored)
    assert (server.server_id, server["port"], server.get("weight"), server.description) == ("i-1", 80, 100, None)
    assert server.instance_id == "i-1"  # pulumi-alicloud's look-up name for it
    assert server == stored and stored == server and server != {**stored, "port": 81}
    assert MasterSlaveServerGroupServer(server_id="i-1", port=80, weight=100, server_type="Master", type="ecs") == server
    assert dataclasses.asdict(Holder([server])) == {"servers": [stored]}


@dataclasses.dataclass
class Holder:
    servers: list[MasterSlaveServerGroupServer]


@pytest.fixture
def warnings_logged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: logged.append(message))
    return logged


def test_a_camel_case_key_on_the_server_output_warns_naming_the_getter(warnings_logged: list[str]) -> None:
    server = MasterSlaveServerGroupServer({"server_id": "i-1", "port": 80, "server_type": "Slave"})
    assert (server["server_id"], server.get("server_type"), server.get("port")) == ("i-1", "Slave", 80)
    assert warnings_logged == []
    with pytest.raises(KeyError):
        server["serverId"]  # the point: the camelCase key is not there
    assert server.get("serverType") is None
    assert len(warnings_logged) == 2
    assert "'serverId'" in warnings_logged[0] and "'server_id' property getter" in warnings_logged[0]
    assert "'serverType'" in warnings_logged[1] and "'server_type' property getter" in warnings_logged[1]


def test_a_camel_case_key_in_a_server_dict_warns_and_check_refuses_it(warnings_logged: list[str]) -> None:
    servers = [{"serverId": "i-1", "port": 80}, {"server_id": "i-2", "port": 80, "serverType": "Slave"}]
    regs = collect_registrations(lambda: MasterSlaveServerGroup("web", load_balancer_id="lb-1", servers=servers),
                                 config={"alicloud:region": "cn-hangzhou"})
    assert len(warnings_logged) == 2
    assert "servers[0]" in warnings_logged[0] and "'serverId'" in warnings_logged[0] and "'server_id'" in warnings_logged[0]
    assert "servers[1]" in warnings_logged[1] and "'serverType'" in warnings_logged[1]
    # The program sends what was written; check() refuses it with its code at its path, as before.
    [group] = [r for r in regs if r.name == "web"]
    failures = {f.property: f.reason for f in MasterSlaveServerGroupProvider().check({}, dict(group.inputs)).failures}
    assert failures["servers[0].serverId"].startswith("InvalidParameter.Servers: ")
    assert "'server_id'" in failures["servers[0].serverId"]
    assert failures["servers[1].serverType"].startswith("InvalidParameter.Servers: ")


def test_a_camel_case_argument_is_refused_naming_the_argument_to_use() -> None:
    servers = [{"server_id": "i-1", "port": 80}]
    with pytest.raises(TypeError, match=r"keyword arguments: regionId \(use region_id\)"):
        MasterSlaveServerGroup("web", load_balancer_id="lb-1", servers=servers, regionId="cn-hangzhou")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"keys in args: regionId \(use region_id\), zone"):
        MasterSlaveServerGroup("web", {"load_balancer_id": "lb-1", "servers": servers,  # type: ignore[call-overload]
                                       "regionId": "cn-hangzhou", "zone": "a"})


def test_the_resource_takes_its_signature_and_outputs_from_the_generated_shape() -> None:
    """resource.py spells no field: its outputs and keyword arguments are the table's."""
    mro = MasterSlaveServerGroup.__mro__
    assert mro.index(MasterSlaveServerGroupShape) < mro.index(pulumi.dynamic.Resource)  # its __init__ is the one
    assert "__init__" not in vars(MasterSlaveServerGroup)
    assert list(inspect.get_annotations(MasterSlaveServerGroupShape)) == [f.name for f in fields.RESOURCE_OUTPUTS]
    assert inspect.get_annotations(MasterSlaveServerGroup) == {}


def test_the_spec_server_carries_the_tables_fields_and_defaults() -> None:
    assert [f.name for f in BackendServer.__dataclass_fields__.values()] == list(fields.SERVER_FIELD_NAMES)
    assert {k: v.default for k, v in BackendServer.__dataclass_fields__.items()
            if v.default is not None and v.default is not dataclasses.MISSING} == fields.SERVER_DEFAULTS


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