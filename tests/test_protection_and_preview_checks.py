"""delete_protection_validation and live preview checks, through the real provider process.

The emulator's request log is the ground truth for which calls were made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slb_master_slave.client.settings import Settings
from slb_master_slave.domain.model import LoadBalancer
from slb_master_slave.provider import preview_checks
from slb_master_slave.provider.preview_checks import attribute_failures, live_failures

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.provider_process import ProviderProcess
from harness.stack_fixtures import group_program, registrations, start_provider

URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::group-0"


# the module's provider process (the provider fixture in conftest.py)
PROVIDER_CONFIG: dict[str, str] = {"slb-master-slave:timeoutSeconds": "3"}


def inputs(**kwargs) -> dict[str, Any]:
    flag = kwargs.pop("delete_protection_validation", None)
    [registration] = registrations(group_program(**kwargs))
    if flag is not None:
        registration.inputs["delete_protection_validation"] = flag
    inputs: dict[str, Any] = registration.inputs
    return inputs


# -- delete protection ----------------------------------------------------------------

def test_flag_defaults_to_false_and_changing_it_is_in_place_with_no_api_call(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    checked = provider.check(URN, {}, inputs())
    assert checked.inputs["delete_protection_validation"] is False
    group_id, outputs = provider.create(URN, checked.inputs)
    assert outputs["delete_protection_validation"] is False
    on = provider.check(URN, checked.inputs, inputs(delete_protection_validation=True)).inputs
    diff = provider.diff(URN, group_id, outputs, on)
    assert (diff.changes, diff.replaces) == ("some", [])
    emu.clear_requests()
    updated = provider.update(URN, group_id, outputs, on)
    assert updated["delete_protection_validation"] is True
    assert emu.requests() == [], "the flag changes with no API call"
    same = provider.diff(URN, group_id, updated, provider.check(URN, on, inputs(delete_protection_validation=True)).inputs)
    assert same.changes == "none"
    provider.delete(URN, group_id, updated)


def test_a_non_boolean_flag_is_a_check_failure(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    result = provider.check(URN, {}, inputs(delete_protection_validation="maybe"))
    assert [(p, r.split(":")[0]) for p, r in result.failures] == [
        ("delete_protection_validation", "InvalidParameter.DeleteProtectionValidation")]


def test_protected_load_balancer_refuses_delete_and_keeps_state(provider: ProviderProcess, emu: EmulatorProcess, tmp_path: Path) -> None:
    engine = Engine(provider, str(tmp_path / "state.json"))
    program = registrations(group_program())
    for reg in program:
        reg.inputs["delete_protection_validation"] = True
    assert engine.up(program).ok
    [group_id] = [g["id"] for g in emu.state()["groups"]]
    emu.set_delete_protection("lb-demo-hangzhou", True)
    emu.clear_requests()
    destroy = engine.destroy()
    assert not destroy.ok
    [(_, _, error)] = destroy.errors
    text = str(error)
    assert "lb-demo-hangzhou" in text and "DeleteProtection on" in text
    assert "turn delete protection off" in text and "delete_protection_validation=False" in text
    assert emu.actions() == ["DescribeLoadBalancerAttribute"], "one read, nothing deleted"
    assert [r["id"] for r in engine.state["resources"]] == [group_id]
    emu.set_delete_protection("lb-demo-hangzhou", False)
    emu.clear_requests()
    assert engine.destroy().ok
    actions = emu.actions()  # the protection check first; the delete and its sweep's listing alongside
    assert actions[0] == "DescribeLoadBalancerAttribute"
    assert sorted(actions[1:]) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"]


def test_without_the_flag_a_protected_load_balancer_does_not_stop_the_delete(provider: ProviderProcess, emu: EmulatorProcess) -> None:
    checked = provider.check(URN, {}, inputs())
    group_id, outputs = provider.create(URN, checked.inputs)
    emu.set_delete_protection("lb-demo-hangzhou", True)
    emu.clear_requests()
    provider.delete(URN, group_id, outputs)
    assert sorted(emu.actions()) == ["DeleteMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups"]


# -- preview checks -------------------------------------------------------------------

def preview_provider(tmp_path: Path, emu: EmulatorProcess, **extra: str) -> ProviderProcess:
    return start_provider(scratch_project(tmp_path), emu, **{"slb-master-slave:previewChecks": "true", **extra})


def test_preview_without_the_setting_makes_no_call(provider: ProviderProcess, emu: EmulatorProcess, tmp_path: Path) -> None:
    engine = Engine(provider, str(tmp_path / "state.json"))
    plan = engine.preview(registrations(group_program(type="eni", count=3)))
    assert plan.ok and emu.requests() == []


def test_preview_checks_report_a_missing_or_inactive_load_balancer_once_per_load_balancer(emu: EmulatorProcess, tmp_path: Path) -> None:
    emu.add_load_balancer(load_balancer_id="lb-stopped", region_id="cn-hangzhou", status="inactive")
    with preview_provider(tmp_path, emu) as process:
        engine = Engine(process, str(tmp_path / "state.json"))
        regs = registrations(group_program(count=3))
        for reg, lb in zip(regs, ["lb-missing", "lb-missing", "lb-stopped"]):
            reg.inputs["load_balancer_id"] = lb
        plan = engine.preview(regs)
        failures = [(urn.rsplit("::", 1)[1], prop, reason.split(":")[0]) for urn, prop, reason in plan.failures]
        assert failures == [
            ("group-0", "load_balancer_id", "InvalidLoadBalancerId.NotFound"),
            ("group-1", "load_balancer_id", "InvalidLoadBalancerId.NotFound"),
            ("group-2", "load_balancer_id", "IncorrectStatus.LoadBalancer"),
        ]
        assert "lb-missing does not exist in region cn-hangzhou" in plan.failures[0][2]
        assert "RequestId" in plan.failures[0][2]
        assert emu.actions() == ["DescribeLoadBalancerAttribute"] * 2, "one call per load balancer"
        engine.preview(regs)  # the next command is a new provider process, as with the engine: one call per LB again
        assert emu.actions() == ["DescribeLoadBalancerAttribute"] * 4, "cached for the provider process only"


def test_preview_checks_reject_eni_on_a_shared_performance_or_classic_load_balancer(emu: EmulatorProcess, tmp_path: Path) -> None:
    emu.add_load_balancer(load_balancer_id="lb-shared", region_id="cn-hangzhou", spec="")
    emu.add_load_balancer(load_balancer_id="lb-classic", region_id="cn-hangzhou", network_type="classic")
    with preview_provider(tmp_path, emu) as process:
        engine = Engine(process, str(tmp_path / "state.json"))
        regs = registrations(group_program(count=3, type="eni", server_ip="192.168.0.21"))
        for reg, lb in zip(regs, ["lb-shared", "lb-classic", "lb-demo-hangzhou"]):
            reg.inputs["load_balancer_id"] = lb
        plan = engine.preview(regs)
        by_group = {urn.rsplit("::", 1)[1]: (prop, reason) for urn, prop, reason in plan.failures}
        assert set(by_group) == {"group-0", "group-1"}
        assert by_group["group-0"][0] == "servers[0].type" and "shared-performance" in by_group["group-0"][1]
        assert by_group["group-1"][0] == "servers[0].type" and "classic" in by_group["group-1"][1]
        assert all(reason.startswith("InvalidParameter.Type:") for _, reason in by_group.values())


def test_an_api_failure_is_a_warning_never_a_validation_failure(emu: EmulatorProcess, tmp_path: Path) -> None:
    emu.add_fault(kind="error", action="DescribeLoadBalancerAttribute", code="Forbidden.RAM", status=403,
                  message="User not authorized to operate on the specified resource.", count=5)
    with preview_provider(tmp_path, emu) as process:
        engine = Engine(process, str(tmp_path / "state.json"))
        plan = engine.preview(registrations(group_program()))
        assert plan.ok, plan.failures
        stderr = process.stderr_text()
        assert "warning: slb-master-slave: previewChecks could not read load balancer lb-demo-hangzhou" in stderr
        assert "Forbidden.RAM" in stderr and "emulator-demo-secret" not in stderr


def test_unknown_values_are_not_checked_live(emu: EmulatorProcess, tmp_path: Path) -> None:
    from harness.provider_process import UNKNOWN

    with preview_provider(tmp_path, emu) as process:
        regs = registrations(group_program())
        regs[0].inputs["load_balancer_id"] = UNKNOWN
        plan = Engine(process, str(tmp_path / "state.json")).preview(regs)
        assert plan.ok and emu.requests() == []


def test_the_live_check_is_budgeted_and_never_raises() -> None:
    settings = Settings(region="cn-hangzhou", access_key_id="k", access_key_secret="s")
    assert preview_checks.budgeted(settings).timeout_seconds <= preview_checks.CHECK_BUDGET_SECONDS
    preview_checks.clear_cache()

    def explode(_settings: Settings, _lb: str):
        raise RuntimeError("boom")

    assert live_failures(settings, {"load_balancer_id": "lb-x", "region_id": "cn-hangzhou"}, describe=explode) == []
    assert attribute_failures("lb-1", "cn-hangzhou", LoadBalancer("lb-1", status="active", spec=None,
                                                                  charge_type="PayByCLCU"),
                              [{"server_id": "eni-1", "type": "eni"}]) == [], "pay-by-capacity instances are not shared"


def test_preview_after_up_and_refresh_shows_no_change_with_the_flag_and_preview_checks(emu: EmulatorProcess, tmp_path: Path) -> None:
    with preview_provider(tmp_path, emu) as process:
        engine = Engine(process, str(tmp_path / "state.json"))
        program = registrations(group_program(tags={"env": "dev"}))
        program[0].inputs["delete_protection_validation"] = True
        assert engine.up(program).ok
        assert engine.refresh().ok
        assert engine.state["resources"][0]["outputs"]["delete_protection_validation"] is True
        plan = engine.preview(program)
        assert plan.ok and [s.op for s in plan.steps] == ["same"]
        assert engine.destroy().ok


def test_a_hanging_api_costs_check_at_most_the_budget_and_is_a_warning(emu: EmulatorProcess, tmp_path: Path) -> None:
    import time

    emu.add_fault(kind="latency", action="DescribeLoadBalancerAttribute", seconds=8)
    with preview_provider(tmp_path, emu) as process:
        regs = registrations(group_program())
        process.check(URN, {}, {**regs[0].inputs, "load_balancer_id": "lb-warmup"})  # process warm, SDK imported
        started = time.monotonic()
        plan = Engine(process, str(tmp_path / "state.json")).preview(regs)
        elapsed = time.monotonic() - started
        assert plan.ok, plan.failures
        assert elapsed < 2 * preview_checks.CHECK_BUDGET_SECONDS + 1, elapsed
        assert "previewChecks could not read load balancer lb-demo-hangzhou" in process.stderr_text()
