"""MasterSlaveServerGroup.get (the engine's Read of an external resource) and the output types.

Program side under mocks (numbers come back as floats, as over the engine's wire); provider
side through the real provider process, the engine harness and the emulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockResourceArgs
from slb_master_slave import (
    BackendServerArgs,
    BackendServerArgsDict,
    MasterSlaveServerGroup,
    MasterSlaveServerGroupArgs,
    MasterSlaveServerGroupServer,
)
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.provider import MasterSlaveServerGroupProvider
from slb_master_slave.provider import lifecycle as operations

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.program import DefaultMocks, collect_registrations
from harness.stack_fixtures import group_program, stack_config, start_provider

GROUP_TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"


def floats(value: Any) -> Any:
    """What the engine's wire makes of numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [floats(v) for v in value]
    return value


class ProviderBackedMocks(DefaultMocks):
    """Registrations get check()'s inputs; reads (get) get the real provider's read() of the emulator."""

    def __init__(self, config: dict[str, str]) -> None:
        self.provider = MasterSlaveServerGroupProvider()
        self.provider._config = dict(config)
        self.reads: list[str] = []

    def new_resource(self, args: MockResourceArgs):
        if args.typ != GROUP_TYPE:
            return super().new_resource(args)
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        if args.resource_id and not inputs.get("servers"):
            self.reads.append(args.resource_id)
            read = self.provider.read(args.resource_id, inputs)
            return read.id, floats(read.outs)
        checked = self.provider.check({}, inputs)
        return f"rsp-{args.name}", floats(checked.inputs)


def resolved(output: pulumi.Output[Any]) -> list[Any]:
    box: list[Any] = []
    output.apply(box.append)
    return box


def make_group(emu: EmulatorProcess, *, region: str = "cn-hangzhou", lb: str = "lb-demo-hangzhou",
               servers: tuple[str, str] = ("i-demo-web-1", "i-demo-web-2")) -> str:
    settings = resolve_settings({**stack_config(emu), "alicloud:region": region}, environ={})
    group_id, _ = operations.create(settings, {
        "load_balancer_id": lb, "region_id": region, "name": "outside", "tags": {"team": "ops"},
        "servers": [{"server_id": servers[0], "port": 80, "weight": 70},
                    {"server_id": servers[1], "port": 80, "server_type": "Slave"}],
    })
    return group_id


def test_servers_outputs_are_ints_with_the_documented_keys_under_float_outputs() -> None:
    config = {"alicloud:region": "cn-hangzhou"}
    boxes: dict[str, list[Any]] = {}

    def program() -> None:
        server: BackendServerArgsDict = {"server_id": "i-1", "port": "80"}
        group = MasterSlaveServerGroup("web", load_balancer_id="lb-1", servers=[
            server, {"server_id": "i-2", "port": 80, "server_type": "Slave", "weight": 50}])
        boxes["servers"] = resolved(group.servers)
        boxes["flag"] = resolved(group.delete_protection_validation)

    collect_registrations(program, project="types", config=config, mocks=ProviderBackedMocks(config))
    [servers] = boxes["servers"]
    assert servers == [
        {"server_id": "i-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"},
        {"server_id": "i-2", "port": 80, "weight": 50, "server_type": "Slave", "type": "ecs"},
    ]
    assert all(type(s["port"]) is int and type(s["weight"]) is int for s in servers)
    assert boxes["flag"] == [False]


def test_get_reads_an_existing_group_into_the_program(emu: EmulatorProcess) -> None:
    group_id = make_group(emu)
    config = stack_config(emu)
    mocks = ProviderBackedMocks(config)
    boxes: dict[str, list[Any]] = {}

    def program() -> None:
        group = MasterSlaveServerGroup.get("existing", group_id)
        for key in ("load_balancer_id", "region_id", "name", "servers", "tags", "delete_protection_validation"):
            boxes[key] = resolved(getattr(group, key))
        boxes["id"] = resolved(group.id)

    emu.clear_requests()
    collect_registrations(program, project="get", config=config, mocks=mocks)
    assert mocks.reads == [group_id]
    assert boxes["id"] == [group_id]
    assert boxes["load_balancer_id"] == ["lb-demo-hangzhou"] and boxes["region_id"] == ["cn-hangzhou"]
    assert boxes["name"] == ["outside"] and boxes["tags"] == [{"team": "ops"}]
    [servers] = boxes["servers"]
    assert servers[0] == {"server_id": "i-demo-web-1", "port": 80, "weight": 70, "server_type": "Master", "type": "ecs"}
    assert type(servers[0]["port"]) is int
    assert (servers[0].server_id, servers[1].server_type) == ("i-demo-web-1", "Slave")
    assert emu.actions() == ["DescribeMasterSlaveServerGroupAttribute"], "get only reads"


def test_get_with_an_explicit_region(emu: EmulatorProcess) -> None:
    group_id = make_group(emu, region="cn-shanghai", lb="lb-demo-shanghai", servers=("i-demo-sh-1", "i-demo-sh-2"))
    config = stack_config(emu)  # the stack's region is cn-hangzhou
    boxes: dict[str, list[Any]] = {}

    def program() -> None:
        group = MasterSlaveServerGroup.get("sh", group_id, region_id="cn-shanghai")
        boxes["lb"] = resolved(group.load_balancer_id)
        boxes["region"] = resolved(group.region_id)

    collect_registrations(program, project="get", config=config, mocks=ProviderBackedMocks(config))
    assert boxes == {"lb": ["lb-demo-shanghai"], "region": ["cn-shanghai"]}


def test_get_through_the_engine_reads_in_preview_and_up_and_never_deletes(emu: EmulatorProcess, tmp_path: Path) -> None:
    group_id = make_group(emu)

    def program() -> None:
        group_program()()
        MasterSlaveServerGroup.get("existing", group_id)

    regs = collect_registrations(program, project="project")
    external = [r for r in regs if r.read_id]
    assert [r.read_id for r in external] == [group_id]
    with start_provider(scratch_project(tmp_path), emu) as provider:
        engine = Engine(provider, str(tmp_path / "state.json"))
        emu.clear_requests()
        plan = engine.preview(regs)
        assert plan.ok, plan.errors
        assert sorted(s.op for s in plan.steps) == ["create", "read"]
        assert emu.actions() == ["DescribeMasterSlaveServerGroupAttribute"], "a read step runs at preview, read-only"
        up = engine.up(regs)
        assert up.ok, up.errors
        entry = next(r for r in engine.state["resources"] if r.get("external"))
        assert entry["id"] == group_id and entry["outputs"]["name"] == "outside"
        assert entry["outputs"]["servers"][0]["weight"] == 70
        assert engine.refresh().ok
        emu.clear_requests()
        destroy = engine.destroy()
        assert destroy.ok and engine.state["resources"] == []
        assert sorted(emu.actions()) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"], (
            "only the managed group is deleted (and its owner's pending groups looked up: none)")
        assert [g["id"] for g in emu.state()["groups"]] == [group_id]


def test_get_of_a_missing_group_fails_the_read_step(emu: EmulatorProcess, tmp_path: Path) -> None:
    regs = collect_registrations(lambda: MasterSlaveServerGroup.get("ghost", "rsp-doesnotexist"), project="project")
    with start_provider(scratch_project(tmp_path), emu) as provider:
        plan = Engine(provider, str(tmp_path / "state.json")).preview(regs)
    [(_, op, error)] = plan.errors
    assert op == "read" and "rsp-doesnotexist" in str(error)


def test_the_args_form_and_the_keyword_form_register_the_same_inputs() -> None:
    config = {"alicloud:region": "cn-hangzhou"}
    boxes: dict[str, list[Any]] = {}

    def program() -> None:
        servers = [BackendServerArgs(server_id="i-1", port=80, weight=70),
                   BackendServerArgs(server_id="i-2", port="80", server_type="Slave")]
        typed = MasterSlaveServerGroup("typed", MasterSlaveServerGroupArgs(
            load_balancer_id="lb-1", servers=servers, tags={"team": "web"}))
        keywords = MasterSlaveServerGroup("keywords", load_balancer_id="lb-1", servers=servers, tags={"team": "web"})
        as_dict = MasterSlaveServerGroup("as-dict", {"load_balancer_id": "lb-1", "servers": servers,
                                                     "tags": {"team": "web"}})
        for key, group in (("typed", typed), ("keywords", keywords), ("as_dict", as_dict)):
            boxes[key] = resolved(group.servers.apply(lambda s: (s[0].server_id, s[0].port, s[1].server_type,
                                                                 s[1]["weight"])))

    regs = collect_registrations(program, project="types", config=config, mocks=ProviderBackedMocks(config))
    inputs = {r.name: {k: v for k, v in r.inputs.items() if k not in ("__provider", "owner")} for r in regs
              if r.type == GROUP_TYPE}
    assert inputs["typed"] == inputs["keywords"] == inputs["as-dict"]
    assert inputs["typed"]["servers"][0] == {"server_id": "i-1", "port": 80, "weight": 70}, "only what was given"
    assert boxes == {key: [("i-1", 80, "Slave", 100)] for key in ("typed", "keywords", "as_dict")}


def test_alicloud_forms_that_do_not_fit_are_refused_before_registering() -> None:
    args = MasterSlaveServerGroupArgs(load_balancer_id="lb-1", servers=[])
    with pytest.raises(TypeError, match="not both"):
        MasterSlaveServerGroup("both", args, load_balancer_id="lb-2")  # type: ignore[call-overload]  # refused
    with pytest.raises(TypeError, match="missing required arguments: servers"):
        MasterSlaveServerGroup("half", load_balancer_id="lb-1")  # type: ignore[call-overload]  # refused
    with pytest.raises(TypeError, match="unexpected keyword arguments: server"):
        MasterSlaveServerGroup("typo", load_balancer_id="lb-1", servers=[], server=[])  # type: ignore[call-overload]  # refused


def test_servers_output_reads_as_attributes_and_keys_and_equals_plain_dicts() -> None:
    server = MasterSlaveServerGroupServer({"server_id": "i-1", "port": 80, "weight": 100, "server_type": "Master",
                                           "type": "ecs"})
    assert (server.server_id, server["port"], server.description, server.instance_id) == ("i-1", 80, None, "i-1")
    assert server == {"server_id": "i-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"}
    assert server != {"server_id": "i-1"}
    keywords = MasterSlaveServerGroupServer(server_id="i-1", port=80, weight=100, server_type="Master", type="ecs")
    assert keywords == server and "description" not in keywords
