"""Never lose, orphan or duplicate a group: regions, ownership, adoption and bad answers.

Each test is a situation a user or a bad network produced with the first release, played
through the engine harness against the real provider process, the official SDK over
HTTP, and the emulator (behind a proxy that mangles chosen answers where the test needs
it). The emulator's state is the ground truth for what exists.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkslb.request.v20140515.CreateMasterSlaveServerGroupRequest import (
    CreateMasterSlaveServerGroupRequest,
)
from slb_master_slave import MasterSlaveServerGroup
from slb_master_slave.ownership.tag import OWNER_TAG_KEY

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.mangling_proxy import ManglingProxy
from harness.program import collect_registrations
from harness.provider_process import ProviderError, ProviderProcess
from harness.stack_fixtures import start_provider
from harness.waiting import wait_for

HANGZHOU: dict[str, Any] = {"load_balancer_id": "lb-demo-hangzhou",
            "servers": [{"server_id": "i-demo-web-1", "port": 80}, {"server_id": "i-demo-web-2", "port": 80, "server_type": "Slave"}]}
SHANGHAI: dict[str, Any] = {"load_balancer_id": "lb-demo-shanghai", "region_id": "cn-shanghai",
            "servers": [{"server_id": "i-demo-sh-1", "port": 80}, {"server_id": "i-demo-sh-2", "port": 80, "server_type": "Slave"}]}
FAST = {"slb-master-slave:timeoutSeconds": "6", "slb-master-slave:requestTimeoutSeconds": "1"}


def stack(**groups: dict[str, Any]) -> list[Any]:
    """Registrations of a program declaring one group per keyword (resource name -> arguments)."""

    def program() -> None:
        for resource_name, arguments in groups.items():
            MasterSlaveServerGroup(resource_name, **arguments)

    return collect_registrations(program, project="project")


@pytest.fixture(scope="module")
def proxy(emulator: EmulatorProcess) -> Iterator[ManglingProxy]:
    with ManglingProxy(emulator.url) as running:
        yield running


@pytest.fixture(scope="module")
def provider(emulator: EmulatorProcess, proxy: ManglingProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProcess]:
    process = start_provider(scratch_project(tmp_path_factory.mktemp("safety")), emulator,
                             **FAST, **{"slb-master-slave:endpoint": proxy.url})
    yield process
    process.stop()


@pytest.fixture()
def fresh_provider(emulator: EmulatorProcess, tmp_path: Path) -> Iterator[Callable[..., ProviderProcess]]:
    """A new provider process per call (a restart after a crash, or other config), stopped at the end."""
    started: list[ProviderProcess] = []

    def start(**config: str) -> ProviderProcess:
        started.append(start_provider(scratch_project(tmp_path / f"p{len(started)}"), emulator, **{**FAST, **config}))
        return started[-1]

    yield start
    for process in started:
        process.stop()


@pytest.fixture()
def engine(provider: ProviderProcess, emu: EmulatorProcess, proxy: ManglingProxy, tmp_path: Path) -> Engine:
    proxy.clear()
    return Engine(provider, str(tmp_path / "state.json"))


def in_state(engine: Engine) -> dict[str, str]:
    """urn -> group id of every resource in state."""
    return {r["urn"]: r["id"] for r in engine.state["resources"]}


def outside_group(emu: EmulatorProcess, name: str = "legacy", description: str | None = None) -> str:
    """A group made with the official SDK, outside any stack."""
    servers = [{"ServerId": "i-demo-web-1", "Port": "80", "Weight": "100", "ServerType": "Master", "Type": "ecs"},
               {"ServerId": "i-demo-web-2", "Port": "80", "Weight": "100", "ServerType": "Slave", "Type": "ecs"}]
    if description:
        servers[0]["Description"] = description
    request = CreateMasterSlaveServerGroupRequest()
    request.set_LoadBalancerId("lb-demo-hangzhou")
    request.set_MasterSlaveServerGroupName(name)
    request.set_MasterSlaveBackendServers(json.dumps(servers))
    group_id: str = json.loads(emu.sdk_client().do_action_with_exception(request))["MasterSlaveServerGroupId"]
    return group_id


# -- 1. the region recorded for a group is the region of every call for it ------------------


def test_region_id_on_the_resource_is_used_beside_another_config_region(engine: Engine, emu: EmulatorProcess) -> None:
    up = engine.up(stack(web=HANGZHOU, sh=SHANGHAI))
    assert up.ok, up.errors
    by_lb = {g["load_balancer_id"]: g for g in emu.groups_by_id().values()}
    assert set(by_lb) == {"lb-demo-hangzhou", "lb-demo-shanghai"}, "a stack may span regions"
    assert engine.refresh().ok and [s.op for s in engine.preview(stack(web=HANGZHOU, sh=SHANGHAI)).steps] == ["same", "same"]
    assert engine.destroy().ok and emu.groups_by_id() == {}


def test_region_id_alone_is_enough_without_a_config_region(fresh_provider, emu: EmulatorProcess, tmp_path: Path) -> None:
    engine = Engine(fresh_provider(**{"alicloud:region": ""}), str(tmp_path / "state.json"))
    up = engine.up(stack(sh=SHANGHAI))
    assert up.ok, up.errors
    [group] = emu.groups_by_id().values()
    assert group["load_balancer_id"] == "lb-demo-shanghai"
    assert engine.destroy().ok and emu.groups_by_id() == {}


def test_after_the_config_region_changes_refresh_keeps_and_destroy_deletes(fresh_provider, emu: EmulatorProcess,
                                                                           tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    assert Engine(fresh_provider(), state).up(stack(web=HANGZHOU)).ok
    moved = Engine(fresh_provider(**{"alicloud:region": "cn-shanghai"}), state)
    refresh = moved.refresh()
    assert refresh.ok and refresh.removed == [], "the group is still in cn-hangzhou, where it was made"
    assert list(in_state(moved).values()) == list(emu.groups_by_id())
    assert [s.op for s in moved.preview(stack(web=HANGZHOU)).steps] == ["same"]
    assert moved.destroy().ok and emu.groups_by_id() == {}, "destroy deletes it in its own region"


# -- 2. a create that was interrupted never makes a second group ----------------------------


def test_a_create_whose_provider_process_died_is_taken_over_on_the_next_up(fresh_provider, emu: EmulatorProcess,
                                                                            tmp_path: Path) -> None:
    [registration] = stack(web=HANGZHOU)
    doomed = fresh_provider()
    checked = doomed.check(registration.urn, {}, registration.inputs)
    emu.add_fault(kind="latency", seconds=1.0, action="CreateMasterSlaveServerGroup", count=1)
    raised: list[Exception] = []

    def create_in_doomed_process() -> None:
        try:
            doomed.create(registration.urn, checked.inputs)
        except Exception as error:  # judged by the test thread below
            raised.append(error)

    caller = threading.Thread(target=create_in_doomed_process)
    caller.start()
    assert wait_for(lambda: any(f["fired"] for f in emu.faults()), timeout=10), "the API never held the create"
    doomed.kill()  # ...while the process dies: the engine keeps a pending create, the API applies it
    caller.join(10)
    assert len(raised) == 1 and isinstance(raised[0], ProviderError), raised
    assert wait_for(emu.groups_by_id, timeout=10), "the held create never landed"
    [first_id] = emu.groups_by_id()
    assert emu.groups_by_id()[first_id]["tags"][OWNER_TAG_KEY].startswith("pending:")

    engine = Engine(fresh_provider(), str(tmp_path / "state.json"))
    up = engine.up(stack(web=HANGZHOU))
    assert up.ok, up.errors
    assert list(emu.groups_by_id()) == [first_id], "the group is taken over, not made twice"
    assert list(in_state(engine).values()) == [first_id]
    assert emu.groups_by_id()[first_id]["tags"][OWNER_TAG_KEY] == registration.urn, "completed"
    assert engine.destroy().ok and emu.groups_by_id() == {}


@pytest.mark.parametrize("mangle", ["html", "truncated", "fieldless", "cut"])
def test_a_mangled_success_answer_to_create_is_settled_not_duplicated(mangle: str, engine: Engine, emu: EmulatorProcess,
                                                                       proxy: ManglingProxy) -> None:
    proxy.mangle("CreateMasterSlaveServerGroup", mangle)
    up = engine.up(stack(web=HANGZHOU))
    assert proxy.mangled == [("CreateMasterSlaveServerGroup", mangle)]
    assert up.ok, up.errors
    assert list(emu.groups_by_id()) == list(in_state(engine).values()), "exactly the one group, and state holds it"
    assert engine.destroy().ok and emu.groups_by_id() == {}


def test_twins_each_get_their_own_group_even_when_answers_are_lost(engine: Engine, emu: EmulatorProcess,
                                                                     proxy: ManglingProxy) -> None:
    twin = {**HANGZHOU, "name": "same-name"}
    proxy.mangle("CreateMasterSlaveServerGroup", "fieldless", "cut")
    up = engine.up(stack(left=twin, right=twin))
    assert up.ok, up.errors
    groups = emu.groups_by_id()
    assert len(groups) == 2 and sorted(groups) == sorted(in_state(engine).values())
    for urn, group_id in in_state(engine).items():
        assert groups[group_id]["tags"][OWNER_TAG_KEY] == urn, "each twin owns the group state gives it"
    assert engine.destroy().ok and emu.groups_by_id() == {}


def test_a_forced_replacement_with_the_same_declaration_never_takes_over_its_old_group(
        fresh_provider, emu: EmulatorProcess, tmp_path: Path) -> None:
    """`pulumi up --replace`: old and new generation share owner and declaration, and the
    engine sends Check with no olds and Create in a fresh process, with no Diff before."""
    engine = Engine(fresh_provider(), str(tmp_path / "state.json"))
    assert engine.up(stack(web=HANGZHOU)).ok
    [(urn, old_id)] = in_state(engine).items()
    outputs = engine.state["resources"][0]["outputs"]
    provider = fresh_provider()
    new_id, _ = provider.create(urn, provider.check(urn, {}, stack(web=HANGZHOU)[0].inputs).inputs)
    assert new_id != old_id and set(emu.groups_by_id()) == {old_id, new_id}
    provider.delete(urn, old_id, outputs)
    assert list(emu.groups_by_id()) == [new_id], "the replacement's group survives the old half's delete"


# -- 3. adoption can never destroy what it adopted -------------------------------------------


def test_adoption_tags_the_group_and_a_second_resource_cannot_adopt_it(engine: Engine, emu: EmulatorProcess) -> None:
    legacy = outside_group(emu)
    up = engine.up(stack(legacy={**HANGZHOU, "name": "legacy", "adopt_id": legacy}))
    assert up.ok, up.errors
    [urn] = in_state(engine)
    assert emu.groups_by_id()[legacy]["tags"][OWNER_TAG_KEY] == urn
    both = stack(legacy={**HANGZHOU, "name": "legacy", "adopt_id": legacy},
                 thief={**HANGZHOU, "name": "legacy", "adopt_id": legacy})
    second = engine.up(both)
    assert not second.ok
    [(_, _, error)] = second.errors
    assert "managed by another resource" in str(error) and urn in str(error) and "pulumi state delete" in str(error)
    assert list(in_state(engine).values()) == [legacy]
    assert engine.up(stack()).ok, "removing the one owner deletes the group, as for any managed group"
    assert emu.groups_by_id() == {}


@pytest.mark.parametrize("change", [{"description": "web-1"}, {"server_ip": "192.168.0.11"}])
def test_a_server_change_on_an_adopted_group_deletes_nothing(change: dict[str, Any], engine: Engine, emu: EmulatorProcess) -> None:
    legacy = outside_group(emu)
    declared = {**HANGZHOU, "name": "legacy", "adopt_id": legacy}
    assert engine.up(stack(legacy=declared)).ok
    changed = {**declared, "servers": [{**HANGZHOU["servers"][0], **change}, HANGZHOU["servers"][1]]}
    up = engine.up(stack(legacy=changed))
    assert [s.op for s in up.steps] == ["replace"]
    assert not up.ok, "the replacement cannot adopt the group it replaces"
    assert list(emu.groups_by_id()) == [legacy], "the adopted group is still there"
    assert list(in_state(engine).values()) == [legacy]
    [(_, _, error)] = up.errors
    assert "Remove adopt_id" in str(error) or "does not match" in str(error)


def test_changing_adopt_id_to_another_group_adopts_it_and_retires_the_first(engine: Engine, emu: EmulatorProcess) -> None:
    first, second = outside_group(emu), outside_group(emu)
    assert engine.up(stack(legacy={**HANGZHOU, "name": "legacy", "adopt_id": first})).ok
    up = engine.up(stack(legacy={**HANGZHOU, "name": "legacy", "adopt_id": second}))
    assert up.ok and [s.op for s in up.steps] == ["replace"], up.errors
    assert list(emu.groups_by_id()) == [second] and list(in_state(engine).values()) == [second]


def test_a_group_with_twenty_tags_cannot_be_adopted(engine: Engine, emu: EmulatorProcess) -> None:
    from aliyunsdkslb.request.v20140515.TagResourcesRequest import TagResourcesRequest

    legacy = outside_group(emu)
    request = TagResourcesRequest()
    request.set_ResourceType("masterslaveservergroup")
    request.set_ResourceIds([legacy])
    request.set_Tags([{"Key": f"k{i}", "Value": "v"} for i in range(20)])
    emu.sdk_client().do_action_with_exception(request)
    up = engine.up(stack(legacy={**HANGZHOU, "name": "legacy", "adopt_id": legacy}))
    assert not up.ok and "no room for the ownership tag" in str(up.errors[0][2])
    assert OWNER_TAG_KEY not in emu.groups_by_id()[legacy]["tags"] and engine.state["resources"] == []


# -- 4. a bad answer is never written to state -----------------------------------------------


@pytest.mark.parametrize("mangle", ["fieldless", "html", "truncated"])
def test_a_refresh_answer_without_the_group_is_surfaced_never_stored(mangle: str, engine: Engine, emu: EmulatorProcess,
                                                                      proxy: ManglingProxy) -> None:
    assert engine.up(stack(web=HANGZHOU)).ok
    before = json.dumps(engine.state, sort_keys=True)
    proxy.mangle("DescribeMasterSlaveServerGroupAttribute", *[mangle] * 50)
    refresh = engine.refresh()
    assert not refresh.ok and refresh.removed == []
    assert json.dumps(engine.state, sort_keys=True) == before, "state is exactly as before"
    proxy.clear()
    assert [s.op for s in engine.preview(stack(web=HANGZHOU)).steps] == ["same"]


def test_one_mangled_refresh_answer_is_retried_and_the_group_kept(engine: Engine, emu: EmulatorProcess,
                                                                   proxy: ManglingProxy) -> None:
    assert engine.up(stack(web=HANGZHOU)).ok
    proxy.mangle("DescribeMasterSlaveServerGroupAttribute", "fieldless")
    refresh = engine.refresh()
    assert refresh.ok and refresh.removed == [] and refresh.updated == []
    assert len(engine.state["resources"][0]["outputs"]["servers"]) == 2


@pytest.mark.parametrize("op", ["refresh", "destroy"])
def test_a_mangled_listing_never_confirms_a_group_gone(op: str, engine: Engine, emu: EmulatorProcess,
                                                       proxy: ManglingProxy) -> None:
    assert engine.up(stack(web=HANGZHOU)).ok
    [group_id] = emu.groups_by_id()
    action = "DescribeMasterSlaveServerGroupAttribute" if op == "refresh" else "DeleteMasterSlaveServerGroup"
    emu.add_fault(kind="error", action=action, code="InvalidParameter", status=400,
                  message="The specified MasterSlaveGroupId does not exist.", count=100)
    proxy.mangle("DescribeMasterSlaveServerGroups", *["fieldless"] * 100)
    result = engine.refresh() if op == "refresh" else engine.destroy()
    assert not result.ok
    assert list(in_state(engine).values()) == [group_id] and list(emu.groups_by_id()) == [group_id]
    emu.clear_faults()
    proxy.clear()
    assert engine.destroy().ok and emu.groups_by_id() == {}
