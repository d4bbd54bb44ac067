"""The whole lifecycle through the real `python -m pulumi.dynamic` process over gRPC.

Configure arrives with the secret key wrapped as the engine sends decrypted secrets;
then Check, Diff, Create, Read, Update and Delete, each as the engine calls it. The
secret key must appear nowhere the engine stores or shows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.emulator_process import EmulatorProcess
from harness.provider_process import ProviderError, ProviderProcess
from harness.stack_fixtures import (
    DEMO_SECRET,
    group_program,
    registrations,
)

URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::group-0"




def program_inputs(**kwargs) -> dict[str, Any]:
    [registration] = registrations(group_program(**kwargs))
    inputs: dict[str, Any] = registration.inputs
    return inputs


def test_lifecycle_over_grpc(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    news = program_inputs(tags={"env": "dev"})
    assert len(news["__provider"]) <= 128, "the provider is pickled by reference"

    checked = provider.check(URN, {}, news)
    assert checked.failures == []
    assert checked.inputs["region_id"] == "cn-hangzhou"
    assert emu.actions() == [], "Check makes no API call"

    group_id, outputs = provider.create(URN, checked.inputs)
    assert emu.actions() == ["CreateMasterSlaveServerGroup", "TagResources"], (
        "the create (pending), its completion")
    assert outputs["servers"][0]["port"] == 80 and isinstance(outputs["servers"][0]["port"], (int, float))

    same = provider.diff(URN, group_id, outputs, provider.check(URN, checked.inputs, news).inputs)
    assert (same.changes, same.replaces) == ("none", [])

    read = provider.read(URN, group_id, outputs, checked.inputs)
    assert read.id == group_id and read.inputs is not None
    assert read.outputs["servers"] == outputs["servers"]

    retagged = provider.check(URN, checked.inputs, program_inputs(tags={"env": "prod"})).inputs
    tag_diff = provider.diff(URN, group_id, read.outputs, retagged)
    assert (tag_diff.changes, tag_diff.replaces) == ("some", [])
    updated = provider.update(URN, group_id, read.outputs, retagged)
    assert updated["tags"] == {"env": "prod"}

    moved = provider.check(URN, retagged, program_inputs(port=81, tags={"env": "prod"})).inputs
    port_diff = provider.diff(URN, group_id, updated, moved)
    assert (port_diff.changes, port_diff.replaces, port_diff.delete_before_replace) == ("some", ["servers"], False)

    emu.clear_requests()
    provider.delete(URN, group_id, updated)
    assert sorted(emu.actions()) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"], (
        "the delete, and alongside it the look-up of groups an interrupted create of this stack left pending")
    gone = provider.read(URN, group_id, updated, moved)
    assert gone.id == ""


def test_check_failures_cross_the_wire_with_codes_and_paths(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    news = program_inputs(port=0, server_type="Slave")
    result = provider.check(URN, {}, news)
    codes = {(path, reason.split(":")[0]) for path, reason in result.failures}
    assert ("servers[0].port", "RealServerPortNotSupport") in codes
    assert ("servers[1].port", "RealServerPortNotSupport") in codes
    assert ("servers", "BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE") in codes
    assert emu.actions() == []


def test_secret_key_appears_nowhere_stored_or_shown(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    news = program_inputs()
    checked = provider.check(URN, {}, news)
    group_id, outputs = provider.create(URN, checked.inputs)
    read = provider.read(URN, group_id, outputs, checked.inputs)
    emu.add_fault(kind="error", action="DeleteMasterSlaveServerGroup", code="Forbidden.RAM", status=403,
                  message="User not authorized to operate on the specified resource.", count=1)
    with pytest.raises(ProviderError) as info:
        provider.delete(URN, group_id, read.outputs)
    assert "Forbidden.RAM" in info.value.details
    import base64
    stored = json.dumps([news, checked.inputs, outputs, read.outputs, read.inputs])
    decoded_provider = base64.b64decode(news["__provider"]).decode("latin-1")
    for text in (stored, decoded_provider, info.value.details, json.dumps(emu.requests()), provider.stderr_text()):
        assert DEMO_SECRET not in text
    provider.delete(URN, group_id, read.outputs)
