"""Stacks end to end: preview, up, refresh, replace, drift, destroy, adoption and listeners.

The engine-protocol harness plays the engine's call sequences against the real provider
process; the emulator's request log and state are the ground truth.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine
from harness.stack_fixtures import group_program, registrations
from harness.waiting import wait_for

# the module's provider process (the provider fixture in conftest.py). The budget bounds the
# listener-held destroy, which waits it out; 2 s failed creates and a listener's wait-out on a
# machine running two suites at once, 5 s leaves them room.
PROVIDER_CONFIG: dict[str, str] = {"slb-master-slave:timeoutSeconds": "5"}


def group_ids(emu: EmulatorProcess) -> list[str]:
    return sorted(g["id"] for g in emu.state()["groups"])


def state_ids(engine: Engine) -> list[str]:
    return sorted(r["id"] for r in engine.state["resources"])


def test_preview_of_an_invalid_stack_fails_with_codes_and_calls_nothing(engine: Engine, emu: EmulatorProcess) -> None:
    plan = engine.preview(registrations(group_program(port=70000, weight=101)))
    reasons = {(prop, reason.split(":")[0]) for _, prop, reason in plan.failures}
    assert ("servers[0].port", "RealServerPortNotSupport") in reasons
    assert ("servers[0].weight", "InvalidParameter.Weight") in reasons
    assert emu.requests() == []
    up = engine.up(registrations(group_program(port=70000)))
    assert not up.ok and emu.requests() == [] and engine.state["resources"] == []


def test_whole_lifecycle_of_a_stack(engine: Engine, emu: EmulatorProcess) -> None:
    program = group_program(tags={"env": "dev"})
    preview = engine.preview(registrations(program))
    assert preview.ok and [s.op for s in preview.steps] == ["create"] and emu.requests() == []

    up = engine.up(registrations(program))
    assert up.ok, up.errors
    [first_id] = group_ids(emu)
    assert state_ids(engine) == [first_id]

    refresh = engine.refresh()
    assert refresh.ok and refresh.removed == [] and refresh.updated == []
    emu.clear_requests()
    again = engine.up(registrations(program))
    assert [s.op for s in again.steps] == ["same"] and emu.requests() == [], "a no-op up makes no API call"

    emu.clear_requests()
    moved = engine.up(registrations(group_program(port=81, tags={"env": "dev"})))
    assert moved.ok, moved.errors
    assert [s.op for s in moved.steps] == ["replace"]
    # create before delete: the create and its completion, then the delete and its sweep's listing
    # (sent alongside the delete: either may be answered first)
    actions = emu.actions()
    assert actions[:2] == ["CreateMasterSlaveServerGroup", "TagResources"]
    assert sorted(actions[2:]) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"]
    [second_id] = group_ids(emu)
    assert second_id != first_id and state_ids(engine) == [second_id]
    assert engine.state["resources"][0]["outputs"]["servers"][0]["port"] == 81

    retag = engine.up(registrations(group_program(port=81, tags={"env": "prod"})))
    assert [s.op for s in retag.steps] == ["update"] and group_ids(emu) == [second_id]

    _delete_out_of_band(emu, second_id)
    refresh = engine.refresh()
    assert len(refresh.removed) == 1 and engine.state["resources"] == []

    back = engine.up(registrations(group_program(port=81, tags={"env": "prod"})))
    assert [s.op for s in back.steps] == ["create"] and back.ok
    assert len(group_ids(emu)) == 1

    destroy = engine.destroy()
    assert destroy.ok and engine.state["resources"] == [] and group_ids(emu) == []
    assert json.loads(Path(engine.state_path).read_text())["resources"] == []


def test_adoption_through_the_engine(engine: Engine, emu: EmulatorProcess) -> None:
    outside = _create_outside(emu, name="legacy")
    emu.clear_requests()
    up = engine.up(registrations(group_program(name="legacy", adopt_id=outside)))
    assert up.ok, up.errors
    assert state_ids(engine) == [outside]
    assert "CreateMasterSlaveServerGroup" not in emu.actions()
    assert engine.refresh().removed == []
    assert engine.destroy().ok and group_ids(emu) == []


def test_adoption_mismatch_creates_nothing(engine: Engine, emu: EmulatorProcess) -> None:
    outside = _create_outside(emu, name="legacy")
    up = engine.up(registrations(group_program(name="other", adopt_id=outside)))
    assert not up.ok
    [(_, _, error)] = up.errors
    assert "does not match the declaration" in str(error) and "name: declared 'other'" in str(error)
    assert group_ids(emu) == [outside] and engine.state["resources"] == []


def test_destroy_of_a_listener_held_group_names_the_listener_and_keeps_state(engine: Engine, emu: EmulatorProcess) -> None:
    assert engine.up(registrations(group_program())).ok
    [group_id] = group_ids(emu)
    _bind_listener(emu, group_id, 443)
    destroy = engine.destroy()
    assert not destroy.ok
    [(_, _, error)] = destroy.errors
    assert "tcp:443" in str(error) and "RspoolVipExist" in str(error)
    assert state_ids(engine) == [group_id], "a failed delete keeps the group in state"
    _call(emu, "DeleteLoadBalancerListener", ListenerPort=443, ListenerProtocol="tcp")
    assert engine.destroy().ok and group_ids(emu) == []


def _call(emu: EmulatorProcess, action: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = emu.call(action, LoadBalancerId="lb-demo-hangzhou", **params)
    return answer


def _create_outside(emu: EmulatorProcess, *, name: str) -> str:
    servers = [{"ServerId": "i-demo-web-1", "Port": 80, "ServerType": "Master"},
               {"ServerId": "i-demo-web-2", "Port": 80, "ServerType": "Slave"}]
    group_id: str = _call(emu, "CreateMasterSlaveServerGroup", MasterSlaveServerGroupName=name,
                          MasterSlaveBackendServers=json.dumps(servers))["MasterSlaveServerGroupId"]
    return group_id


def _delete_out_of_band(emu: EmulatorProcess, group_id: str) -> None:
    _call(emu, "DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=group_id)


def _bind_listener(emu: EmulatorProcess, group_id: str, port: int) -> None:
    _call(emu, "CreateLoadBalancerTCPListener", ListenerPort=port, Bandwidth=-1, MasterSlaveServerGroupId=group_id)


def test_replacement_waits_out_a_listener_being_moved_to_the_new_group(engine: Engine, emu: EmulatorProcess) -> None:
    """What examples/listener relies on: the old group's delete outlasts the listener's rebinding."""
    assert engine.up(registrations(group_program())).ok
    [old_id] = group_ids(emu)
    _bind_listener(emu, old_id, 80)
    moved: list[str] = []

    def move_listener_once_the_delete_was_refused() -> None:
        # The engine updates the listener after the create, while the old group's delete waits:
        # move it once that delete has met the still-bound listener (RspoolVipExist).
        if wait_for(lambda: "DeleteMasterSlaveServerGroup" in emu.actions(), timeout=30):
            [fresh] = [g for g in group_ids(emu) if g != old_id]
            _call(emu, "SetLoadBalancerTCPListenerAttribute", ListenerPort=80, MasterSlaveServerGroup="on",
                  MasterSlaveServerGroupId=fresh)
            moved.append(fresh)

    mover = threading.Thread(target=move_listener_once_the_delete_was_refused)
    mover.start()
    result = engine.up(registrations(group_program(port=81)))
    mover.join()
    assert moved, "the old group's delete never reached the API"
    assert result.ok, result.errors
    [new_id] = group_ids(emu)
    assert new_id != old_id
    assert emu.actions().count("DeleteMasterSlaveServerGroup") >= 2, "RspoolVipExist was met and retried"
    listeners = emu.state()["listeners"]
    assert [listener["master_slave_server_group_id"] for listener in listeners] == [new_id]
    _call(emu, "DeleteLoadBalancerListener", ListenerPort=80, ListenerProtocol="tcp")
    assert engine.destroy().ok and group_ids(emu) == []


def test_refresh_detects_tag_drift_and_the_next_up_restores_the_declaration(engine: Engine, emu: EmulatorProcess) -> None:
    program = group_program(tags={"env": "dev"})
    assert engine.up(registrations(program)).ok
    [group_id] = group_ids(emu)
    _call(emu, "TagResources", ResourceType="masterslaveservergroup", **{"ResourceId.1": group_id,
          "Tag.1.Key": "env", "Tag.1.Value": "hacked", "Tag.2.Key": "rogue", "Tag.2.Value": "1"})
    refresh = engine.refresh()
    assert len(refresh.updated) == 1
    assert engine.state["resources"][0]["outputs"]["tags"] == {"env": "hacked", "rogue": "1"}
    assert engine.state["resources"][0]["inputs"]["tags"] == {"env": "hacked", "rogue": "1"}
    restore = engine.up(registrations(program))
    assert [s.op for s in restore.steps] == ["update"] and restore.ok
    tags = {k: v for k, v in emu.state()["groups"][0]["tags"].items() if not k.startswith("slb-master-slave:")}
    assert tags == {"env": "dev"}
    assert group_ids(emu) == [group_id], "tags drift is fixed in place, no replacement"
