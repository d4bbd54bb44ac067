"""Example stacks and the quickstart under Pulumi mocks: wiring, inputs and outputs.

The mocks answer each group registration with what the real provider's check() makes of
its inputs, so an example whose declaration the provider would reject fails here.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from pulumi.runtime import MockResourceArgs
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.program import DefaultMocks, Registration, collect_registrations

ROOT = Path(__file__).resolve().parent.parent
GROUP_TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
EXAMPLE_CONFIG = {"alicloud:region": "cn-hangzhou"}


class CheckingMocks(DefaultMocks):
    """Groups get the provider's normalized inputs as outputs; check failures fail the test."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str, str]] = []

    def new_resource(self, args: MockResourceArgs):
        if args.typ != GROUP_TYPE:
            return super().new_resource(args)
        provider = MasterSlaveServerGroupProvider()
        provider._config = dict(EXAMPLE_CONFIG)
        result = provider.check({}, {k: v for k, v in args.inputs.items() if k != "__provider"})
        self.failures += [(args.name, f.property, f.reason) for f in result.failures]
        return f"rsp-{args.name}", result.inputs


def run_example(path: Path, config: dict[str, str] | None = None) -> tuple[list[Registration], CheckingMocks]:
    mocks = CheckingMocks()
    registrations = collect_registrations(
        lambda: runpy.run_path(str(path / "__main__.py")),
        project=path.name, config={**EXAMPLE_CONFIG, **(config or {})}, mocks=mocks,
    )
    assert mocks.failures == []
    return registrations, mocks


def groups(registrations: list[Registration]) -> dict[str, Registration]:
    return {r.name: r for r in registrations if r.type == GROUP_TYPE}


def test_quickstart_declares_two_valid_groups_with_a_pickled_provider_reference() -> None:
    registrations, _ = run_example(ROOT)
    found = groups(registrations)
    assert set(found) == {"web", "api"}
    web = found["web"].inputs
    assert "name" not in web and web["owner"] == found["web"].urn, "the program passes its URN as the owner"
    checked = MasterSlaveServerGroupProvider().check({}, web)
    assert checked.inputs["name"] == "web", "check() names the group after the resource"
    assert found["web"].urn != found["api"].urn
    assert found["api"].inputs["servers"][0]["type"] == "eni"
    provider_refs = {r.inputs["__provider"] for r in found.values()}
    assert len(provider_refs) == 1 and len(provider_refs.pop()) <= 128


def test_basic_example() -> None:
    registrations, _ = run_example(ROOT / "examples" / "basic")
    [group] = groups(registrations).values()
    assert group.inputs["load_balancer_id"] == "lb-demo-hangzhou"
    assert group.inputs["servers"][1] == {"server_id": "i-demo-web-2", "port": 80, "server_type": "Slave", "weight": 50}


def test_listener_example_wires_the_group_id_into_the_listener() -> None:
    registrations, _ = run_example(ROOT / "examples" / "listener", {"backendPort": "8080"})
    group = groups(registrations)["web"]
    [listener] = [r for r in registrations if r.type == "alicloud:slb/listener:Listener"]
    assert listener.inputs["masterSlaveServerGroupId"] == "rsp-web"
    assert listener.inputs["loadBalancerId"] == "lb-demo-hangzhou"
    assert group.urn in listener.dependencies
    assert [s["port"] for s in group.inputs["servers"]] == [8080, 8080]
    assert not group.delete_before_replace, "the listener example relies on create-before-delete"


def _requirements(path: Path) -> list[str]:
    lines = (line.split(" #", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _virtualenv(project: Path) -> str:
    found = re.search(r"(?m)^\s+virtualenv:\s*(\S+)", (project / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert found, project
    return found.group(1)


@pytest.mark.parametrize("example", ["basic", "adopt", "lookup", "listener"])
def test_each_example_says_how_it_runs_from_a_fresh_clone(example: str) -> None:
    """Its own requirements.txt: the root project's, from its folder, so that a first run there
    (no virtualenv yet) makes a working one. The root project's virtualenv is shared by the
    examples that need nothing else; the listener's pulumi-alicloud has a plugin of its own,
    so that example has a virtualenv of its own and the root's stays without it."""
    root = _requirements(ROOT / "requirements.txt")
    assert "-e ." in root and not [r for r in root if r.startswith("pulumi-")], "the root installs no plugin"
    folder = ROOT / "examples" / example
    own = _requirements(folder / "requirements.txt")
    from_here = ["-e ../.." if r == "-e ." else r for r in root]
    if example == "listener":
        assert own == [*from_here, "pulumi-alicloud>=3.60"] and _virtualenv(folder) == "venv"
    else:
        assert own == from_here and _virtualenv(folder) == "../../" + _virtualenv(ROOT)


# A program written for pulumi-alicloud's alicloud.slb: its names, forms and look-up.
ALICLOUD_PROGRAM = """
import pulumi
import pulumi_alicloud as alicloud

group = alicloud.slb.MasterSlaveServerGroup(
    "web",
    alicloud.slb.MasterSlaveServerGroupArgs(
        load_balancer_id="lb-demo-hangzhou",
        name="web",
        servers=[
            alicloud.slb.MasterSlaveServerGroupServerArgs(server_id="i-demo-web-1", port=80, weight=100,
                                                          server_type="Master"),
            alicloud.slb.MasterSlaveServerGroupServerArgs(server_id="i-demo-web-2", port=80, weight=100,
                                                          server_type="Slave"),
        ],
        delete_protection_validation=True,
    ),
)
servers: list[alicloud.slb.MasterSlaveServerGroupServerArgsDict] = [
    {"server_id": "i-demo-web-1", "port": 81}, {"server_id": "i-demo-web-3", "port": 81, "server_type": "Slave"}]
api = alicloud.slb.MasterSlaveServerGroup("api", load_balancer_id="lb-demo-hangzhou", servers=servers)
found: alicloud.slb.AwaitableGetMasterSlaveServerGroupsResult = alicloud.slb.get_master_slave_server_groups(
    load_balancer_id="lb-demo-hangzhou", name_regex="^web$")
groups: list[alicloud.slb.outputs.GetMasterSlaveServerGroupsGroupResult] = found.groups
pulumi.export("group_id", group.id)
"""


def test_a_program_moved_from_alicloud_slb_changes_only_its_import(tmp_path: Path) -> None:
    """pulumi-alicloud's names are accepted beside ours: the same program, with
    `import slb_master_slave as slb` for `import pulumi_alicloud as alicloud`, declares the same
    groups with this package (valid for the provider's check()), and the alicloud original runs too."""
    moved = (ALICLOUD_PROGRAM.replace("import pulumi_alicloud as alicloud", "import slb_master_slave as slb")
             .replace("alicloud.slb.outputs.", "slb.").replace("alicloud.slb.", "slb."))
    for name, source in (("alicloud", ALICLOUD_PROGRAM), ("moved", moved)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__main__.py").write_text(source, encoding="utf-8")
    original, _ = run_example(tmp_path / "alicloud")
    assert [r.type for r in original if r.custom] == ["alicloud:slb/masterSlaveServerGroup:MasterSlaveServerGroup"] * 2
    registrations, _ = run_example(tmp_path / "moved")
    found = groups(registrations)
    assert set(found) == {"web", "api"}
    assert found["web"].inputs["servers"] == [
        {"server_id": "i-demo-web-1", "port": 80, "weight": 100, "server_type": "Master"},
        {"server_id": "i-demo-web-2", "port": 80, "weight": 100, "server_type": "Slave"}]
    assert found["web"].inputs["delete_protection_validation"] is True and found["web"].inputs["name"] == "web"
    assert found["api"].inputs["servers"][1] == {"server_id": "i-demo-web-3", "port": 81, "server_type": "Slave"}


def test_adopt_example_passes_the_configured_id() -> None:
    registrations, _ = run_example(ROOT / "examples" / "adopt", {"groupId": "rsp-legacy123"})
    [group] = groups(registrations).values()
    assert group.inputs["adopt_id"] == "rsp-legacy123"
    assert group.inputs["name"] == "legacy"


def test_adopt_example_requires_the_group_id() -> None:
    with pytest.raises(Exception, match="groupId"):
        run_example(ROOT / "examples" / "adopt")


class EmulatorMocks(CheckingMocks):
    """CheckingMocks whose reads (`MasterSlaveServerGroup.get`) are the real provider's read() of the emulator."""

    def __init__(self, config: dict[str, str]) -> None:
        super().__init__()
        self.config = config

    def new_resource(self, args: MockResourceArgs):
        if args.typ == GROUP_TYPE and args.resource_id:
            provider = MasterSlaveServerGroupProvider()
            provider._config = dict(self.config)
            read = provider.read(args.resource_id, {k: v for k, v in args.inputs.items() if k != "__provider"})
            return read.id, read.outs
        return super().new_resource(args)


@pytest.mark.parametrize("preview", [False, True])
def test_lookup_example_lists_gets_and_protects(emu, preview: bool) -> None:
    from slb_master_slave.client.settings import resolve_settings
    from slb_master_slave.provider import lifecycle as operations

    from harness.program import collect_registrations as collect
    from harness.stack_fixtures import stack_config

    config = stack_config(emu)
    outside, _ = operations.create(resolve_settings(config, environ={}), {
        "load_balancer_id": "lb-demo-hangzhou", "region_id": "cn-hangzhou", "name": "legacy",
        "servers": [{"server_id": "i-demo-web-3", "port": 80}, {"server_id": "i-demo-web-2", "port": 80, "server_type": "Slave"}]})
    emu.clear_requests()
    mocks = EmulatorMocks(config)
    path = ROOT / "examples" / "lookup"
    registrations = collect(lambda: runpy.run_path(str(path / "__main__.py")), project="lookup",
                            config={**config, "existingGroupId": outside}, mocks=mocks, preview=preview,
                            mock_monitor=False)
    assert mocks.failures == []
    found = {r.name: r for r in registrations}
    assert found["protected"].inputs["delete_protection_validation"] is True
    assert found["outside"].read_id == outside
    assert "DescribeMasterSlaveServerGroups" in emu.actions(), "the look-up ran, at preview too"
    assert not {"CreateMasterSlaveServerGroup", "DeleteMasterSlaveServerGroup"} & set(emu.actions()), "only reads"


def test_the_lookup_example_unit_test_is_answered_by_mocks_and_sends_nothing(emu) -> None:
    """examples/lookup/test_unit.py (the README's unit test) in its own process, as a user runs
    it, with credentials and an endpoint in the environment: the mocks answer, SLB hears nothing."""
    import os
    import subprocess
    import sys

    from harness.stack_fixtures import DEMO_SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_"))}
    env.update(ALICLOUD_ACCESS_KEY="emulator-demo-key", ALICLOUD_SECRET_KEY=DEMO_SECRET,
               ALICLOUD_REGION="cn-hangzhou", ALICLOUD_SLB_ENDPOINT=emu.url)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(ROOT / "examples" / "lookup" / "test_unit.py")],
                         check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert emu.requests() == [], "a unit test under mocks called the SLB API"
