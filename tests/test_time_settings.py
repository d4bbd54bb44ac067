"""Time settings: a budget that is not a finite, positive number of seconds is refused at preview.

`inf` (or `1e400`, which float() also reads as inf) used to pass: throttling was then retried
forever; `nan` passed too and failed every operation with a raw traceback. The refusal names
the config key, the rule and the fix, at Check, and the same text stops any later operation.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
from slb_master_slave.client.settings import (
    CONFIG_REQUEST_TIMEOUT,
    CONFIG_TIMEOUT,
    MAX_SECONDS,
    Settings,
    SettingsError,
    resolve_settings,
)
from slb_master_slave.domain.validation import VALID_EXAMPLE
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import scratch_project
from harness.provider_process import ProviderError
from harness.stack_fixtures import group_program, registrations, start_provider

TIME_KEYS = (CONFIG_TIMEOUT, CONFIG_REQUEST_TIMEOUT)
NOT_A_BUDGET = ("inf", "-inf", "Infinity", "1e400", "nan", "-1", "0", "-0.0", "1e12", "soon", "")
URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::group-0"


def _assert_explains(text: str, key: str, raw: str) -> None:
    """`text` is what the user reads: a Check failure's reason, or the last line of a failed call
    (Pulumi's dynamic provider host puts every exception's traceback before it)."""
    assert key in text, "the message names the config key"
    assert "finite number of seconds" in text and "greater than 0" in text, "the message states the rule"
    assert f"pulumi config set {key}" in text, "the message says how to fix it"
    assert repr(raw) in text, "the message shows what was given"
    assert "Traceback" not in text and "File \"" not in text


@pytest.mark.parametrize("key", TIME_KEYS)
@pytest.mark.parametrize("raw", NOT_A_BUDGET)
def test_check_refuses_a_time_that_is_not_a_finite_positive_number(key: str, raw: str) -> None:
    provider = MasterSlaveServerGroupProvider()
    provider._config = {key: raw}
    result = provider.check({}, copy.deepcopy(VALID_EXAMPLE))
    if raw == "":  # an empty value is "not set" (as for every key): the default applies
        assert result.failures == []
        return
    [failure] = result.failures
    assert failure.reason.startswith("InvalidConfiguration: ")
    _assert_explains(failure.reason, key, raw)


@pytest.mark.parametrize("raw", ["0.5", "300", "1e2", f"{MAX_SECONDS:g}"])
def test_finite_positive_times_are_taken(raw: str) -> None:
    settings = resolve_settings({CONFIG_TIMEOUT: raw, CONFIG_REQUEST_TIMEOUT: raw}, {})
    assert settings.timeout_seconds == settings.request_timeout_seconds == float(raw)


@pytest.mark.parametrize("value", [math.inf, math.nan, 0.0, -1.0, MAX_SECONDS * 2])
def test_settings_built_in_code_refuse_the_same_values(value: float) -> None:
    """The look-up's `settings=` and any code that builds Settings itself get the same rule."""
    with pytest.raises(SettingsError, match="finite number of seconds"):
        Settings(timeout_seconds=value)
    with pytest.raises(SettingsError, match="finite number of seconds"):
        Settings(request_timeout_seconds=value)


def test_the_real_provider_process_refuses_nan_at_check_and_never_calls_the_api(
        emu: EmulatorProcess, tmp_path: Path) -> None:
    [registration] = registrations(group_program())
    process = start_provider(scratch_project(tmp_path / "p"), emu, **{CONFIG_TIMEOUT: "nan"})
    try:
        checked = process.check(URN, {}, registration.inputs)
        [(prop, reason)] = checked.failures
        assert prop == ""
        _assert_explains(reason, CONFIG_TIMEOUT, "nan")
        # The engine stops at a failed Check; a Create sent anyway fails with the same text.
        with pytest.raises(ProviderError) as info:
            process.create(URN, checked.inputs)
        last = info.value.details.rstrip().splitlines()[-1]
        assert last.startswith("slb_master_slave.errors.ProviderError: "), "our error, not a crash deep inside"
        _assert_explains(last, CONFIG_TIMEOUT, "nan")
        assert emu.requests() == [], "nothing was sent: no endless retry, no traceback"
    finally:
        process.stop()
