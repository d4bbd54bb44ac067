"""Not found means exactly the documented signatures, nothing looser.

Any other InvalidParameter on refresh or delete is a real error: it surfaces, and the
resource stays in state. Only InvalidParameter "The specified MasterSlaveGroupId does
not exist." and InvalidLoadBalancerId.NotFound mean gone: refresh drops the resource,
delete counts as done. Through the engine harness and the real provider process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from harness.stack_fixtures import group_program, registrations, start_provider
from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.provider_process import ProviderProcess

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


@pytest.fixture(scope="module")
def provider(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProcess]:
    process = start_provider(scratch_project(tmp_path_factory.mktemp("precision")), emulator,
                             **{"slb-master-slave:timeoutSeconds": "3"})
    yield process
    process.stop()


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
def test_not_found_signatures_mean_gone(op: str, code: str, message: str, engine: Engine, emu: EmulatorProcess) -> None:
    emu.add_fault(kind="error", action=OPS[op], code=code, status=400 if code == "InvalidParameter" else 404, message=message)
    result = _run(engine, op)
    assert result.ok, result.errors
    assert engine.state["resources"] == []
    if op == "refresh":
        assert len(result.removed) == 1
    emu.clear_faults()
