"""The emulator as Terraform's alicloud provider sees it: plan, apply, a no-op plan and destroy
of an `alicloud_slb_master_slave_server_group` against the emulator, with the real binaries.

Runs only where bench/peers/build.sh has built them (`--print-paths` builds nothing); CI need
not build them. A few seconds when it runs.
"""

from __future__ import annotations

import pytest

from bench.peers.terraform import TerraformWorkspace, built_paths
from harness.emulator_process import EmulatorProcess

PATHS, WHY = built_paths()
pytestmark = pytest.mark.skipif(PATHS is None, reason=WHY or "peers not built")


@pytest.fixture()
def emu():
    with EmulatorProcess() as emulator:
        yield emulator


def test_terraform_plans_applies_and_destroys_against_the_emulator(emu, tmp_path):
    assert PATHS is not None
    terraform, provider = PATHS
    ws = TerraformWorkspace(terraform, provider, str(tmp_path), emu.url)
    ws.write(1)
    assert ws.init().ok
    plan = ws.plan()
    assert plan.code == 2, plan.output  # changes: one group to create

    applied = ws.apply(timeout=60)
    assert applied.ok, applied.output
    groups = emu.state()["groups"]
    assert [g["name"] for g in groups] == ["peer-0"]
    assert ws.state_ids() == [groups[0]["id"]]
    assert sorted((s["ServerId"], s["ServerType"]) for s in groups[0]["servers"]) == [
        ("i-demo-web-1", "Master"), ("i-demo-web-2", "Slave")]

    again = ws.plan()
    assert again.code == 0, again.output  # what the emulator answers reads back as declared

    destroyed = ws.destroy(timeout=60)
    assert destroyed.ok, destroyed.output
    assert emu.state()["groups"] == []
    assert ws.state_ids() == []


def test_terraform_reads_the_load_balancers_delete_protection_from_the_emulator(emu, tmp_path):
    """`delete_protection_validation = true`: the peer's DescribeLoadBalancerAttribute must see
    `DeleteProtection: on` and refuse, then delete once it is off."""
    assert PATHS is not None
    terraform, provider = PATHS
    ws = TerraformWorkspace(terraform, provider, str(tmp_path), emu.url)
    ws.write(1, protection=True)
    assert ws.init().ok
    assert ws.apply(timeout=60).ok
    emu.set_delete_protection("lb-demo-hangzhou", on=True)
    emu.clear_requests()
    refused = ws.destroy(timeout=60)
    assert not refused.ok
    assert "has enabled DeleteProtection" in refused.output
    assert "DescribeLoadBalancerAttribute" in emu.actions()
    assert len(emu.state()["groups"]) == 1

    emu.set_delete_protection("lb-demo-hangzhou", on=False)
    assert ws.destroy(timeout=60).ok
    assert emu.state()["groups"] == []
