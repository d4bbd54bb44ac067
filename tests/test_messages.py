"""Messages that must say what is wrong and what to do (issue 16, item 10 c, d, f).

- a clock far off gets `InvalidTimeStamp.Expired` from the API: the hint says to check the
  machine's clock, not a generic troubleshooting link;
- a name left out defaults to the resource name; when that is over 80 characters the
  message says so and asks for `name`, instead of "give a name, or leave name out";
- a look-up without a region names what a look-up takes (its `region_id` argument or
  `alicloud:region`), not something "on the resource".
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from slb_master_slave import (
    LookupFailed,
    MasterSlaveServerGroup,
    get_master_slave_server_groups,
)
from slb_master_slave.client.api_error import SlbApiError
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.emulator_process import EmulatorProcess
from harness.program import collect_registrations
from harness.stack_fixtures import group_program, stack_config


def test_a_clock_off_by_an_hour_is_told_to_check_the_clock(emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK stamps each request from this machine's clock; the emulator, like SLB, refuses
    a stamp more than 15 minutes off."""
    from aliyunsdkcore.utils import parameter_helper

    monkeypatch.setattr(parameter_helper, "get_iso_8061_date",
                        lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))
    gateway = SlbGateway(resolve_settings(stack_config(emu, **{"slb-master-slave:timeoutSeconds": "3"}), environ={}))
    with pytest.raises(SlbApiError) as info:
        gateway.list_groups("lb-demo-hangzhou")
    error = info.value
    assert error.code == "InvalidTimeStamp.Expired"
    assert "check the machine's clock" in error.hint
    assert "troubleshoot" not in error.hint.lower()
    assert error.attempts == 1, "a wrong clock does not heal by retrying"


def _group_inputs(resource_name: str, **kwargs: Any) -> dict[str, Any]:
    def program() -> None:
        MasterSlaveServerGroup(resource_name, load_balancer_id="lb-demo-hangzhou", region_id="cn-hangzhou",
                               servers=[{"server_id": "i-demo-web-1", "port": 80},
                                        {"server_id": "i-demo-web-2", "port": 80, "server_type": "Slave"}], **kwargs)

    [registration] = collect_registrations(program)
    return {k: v for k, v in registration.inputs.items() if k != "__provider"}


def test_a_resource_name_too_long_for_the_default_name_asks_for_name() -> None:
    failures = MasterSlaveServerGroupProvider().check({}, _group_inputs("g" * 90)).failures
    [(path, reason)] = [(f.property, f.reason) for f in failures]
    assert path == "name" and reason.startswith("InvalidParameter.Name: ")
    assert "leave name out" not in reason
    assert "resource name" in reason and "90 characters" in reason, "says where the name came from and why it fails"
    assert "give `name`" in reason and "80" in reason, "says the fix"


def test_an_explicit_name_too_long_keeps_its_own_message() -> None:
    failures = MasterSlaveServerGroupProvider().check({}, _group_inputs("web", name="n" * 81)).failures
    [(path, reason)] = [(f.property, f.reason) for f in failures]
    assert path == "name" and "got 81" in reason and "left out" not in reason


def test_a_resource_name_of_80_characters_is_a_valid_default_name() -> None:
    assert MasterSlaveServerGroupProvider().check({}, _group_inputs("g" * 80)).failures == []


def test_a_lookup_without_a_region_names_its_argument_and_the_stack_config(emu: EmulatorProcess) -> None:
    config = {k: v for k, v in stack_config(emu).items() if k != "alicloud:region"}
    with pytest.raises(LookupFailed) as info:
        get_master_slave_server_groups("lb-demo-hangzhou", settings=resolve_settings(config, environ={}))
    text = str(info.value)
    assert "on the resource" not in text
    assert "region_id=" in text and "get_master_slave_server_groups" in text, "the look-up's own argument"
    assert "alicloud:region" in text and "ALICLOUD_REGION" in text
    assert emu.requests() == []


def test_a_resource_without_a_region_still_names_region_id_on_the_resource() -> None:
    inputs = next(r.inputs for r in collect_registrations(group_program()))
    failures = MasterSlaveServerGroupProvider().check({}, {k: v for k, v in inputs.items() if k != "__provider"}).failures
    assert any(f.property == "region_id" and "region_id on the resource" in f.reason for f in failures)
