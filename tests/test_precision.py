"""Not found means confirmed absent, nothing looser.

Any InvalidParameter on refresh or delete is a real error unless a listing of the group's
load balancer confirms the id is absent (or the load balancer itself is gone): it
surfaces, and the resource stays in state. The not-found message text is not documented,
so even the emulator's exact "does not exist" answer never drops a group the listing
still shows. Through the engine harness and the real provider process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine
from harness.provider_process import ProviderProcess
from harness.stack_fixtures import group_program, registrations

OTHER_INVALID_PARAMETER = [
    "The specified parameter MasterSlaveBackendServers is not valid.",
    "The specified LoadBalancerId does not exist.",
    "The specified MasterSlaveServerGroupId is invalid.",
    "The parameter RegionId is mandatory for this action.",
    "MasterSlaveGroupId does not match the region.",
    "The request has failed due to an invalid parameter.",
]
NOT_FOUND = [
    ("InvalidParameter", "The specified MasterSlaveGroupId does not exist."),
    ("InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist."),
]
OPS = {"refresh": "DescribeMasterSlaveServerGroupAttribute", "destroy": "DeleteMasterSlaveServerGroup"}


# the module's provider process (the provider fixture in conftest.py)
PROVIDER_CONFIG: dict[str, str] = {"slb-master-slave:timeoutSeconds": "3"}


@pytest.fixture()
def engine(emu: EmulatorProcess, provider: ProviderProcess, tmp_path: Path) -> Engine:
    emu.reset()
    engine = Engine(provider, str(tmp_path / "state.json"))
    assert engine.up(registrations(group_program())).ok
    return engine


def _run(engine: Engine, op: str):
    return engine.refresh() if op == "refresh" else engine.destroy()


@pytest.mark.parametrize("message", OTHER_INVALID_PARAMETER)
@pytest.mark.parametrize("op", list(OPS))
def test_other_invalid_parameter_is_an_error_and_keeps_the_resource(op: str, message: str, engine: Engine, emu: EmulatorProcess) -> None:
    [group_id] = [g["id"] for g in emu.state()["groups"]]
    emu.add_fault(kind="error", action=OPS[op], code="InvalidParameter", status=400, message=message)
    result = _run(engine, op)
    assert not result.ok
    [(_, _, error)] = result.errors
    text = str(error) + getattr(error, "details", "")
    assert "InvalidParameter" in text and message.rstrip(".") in text
    assert [r["id"] for r in engine.state["resources"]] == [group_id], "an error must never drop the group from state"
    if op == "refresh":
        assert result.removed == []
    emu.clear_faults()
    assert engine.destroy().ok and emu.state()["groups"] == []


@pytest.mark.parametrize("code,message", NOT_FOUND)
@pytest.mark.parametrize("op", list(OPS))
def test_a_not_found_answer_alone_never_drops_a_group_the_listing_still_shows(
        op: str, code: str, message: str, engine: Engine, emu: EmulatorProcess) -> None:
    [group_id] = [g["id"] for g in emu.state()["groups"]]
    emu.add_fault(kind="error", action=OPS[op], code=code, status=400 if code == "InvalidParameter" else 404, message=message)
    result = _run(engine, op)
    assert not result.ok
    assert [r["id"] for r in engine.state["resources"]] == [group_id]
    assert [g["id"] for g in emu.state()["groups"]] == [group_id]
    emu.clear_faults()
    assert engine.destroy().ok and emu.state()["groups"] == []


@pytest.mark.parametrize("op", list(OPS))
def test_a_group_deleted_outside_is_gone_once_the_listing_confirms(op: str, engine: Engine, emu: EmulatorProcess) -> None:
    from aliyunsdkslb.request.v20140515.DeleteMasterSlaveServerGroupRequest import (
        DeleteMasterSlaveServerGroupRequest,
    )

    [group_id] = [g["id"] for g in emu.state()["groups"]]
    request = DeleteMasterSlaveServerGroupRequest()
    request.set_MasterSlaveServerGroupId(group_id)
    emu.sdk_client().do_action_with_exception(request)
    emu.clear_requests()
    result = _run(engine, op)
    assert result.ok, result.errors
    assert engine.state["resources"] == []
    assert "DescribeMasterSlaveServerGroups" in emu.actions(), "absence is confirmed by listing the load balancer"
    if op == "refresh":
        assert len(result.removed) == 1


@pytest.mark.parametrize("op", list(OPS))
def test_a_load_balancer_that_is_gone_takes_its_groups_with_it(op: str, engine: Engine, emu: EmulatorProcess) -> None:
    emu.add_fault(kind="error", action=OPS[op], code="InvalidParameter", status=400,
                  message="The specified MasterSlaveGroupId does not exist.")
    emu.add_fault(kind="error", action="DescribeMasterSlaveServerGroups", code="InvalidLoadBalancerId.NotFound",
                  status=404, message="The specified LoadBalancerId does not exist.")
    result = _run(engine, op)
    assert result.ok, result.errors
    assert engine.state["resources"] == []
    emu.clear_faults()
