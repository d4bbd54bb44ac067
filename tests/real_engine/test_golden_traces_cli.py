"""The golden traces are what the real engine does today: record each scenario through the
CLI and compare with the stored file (SLB_RECORD_TRACES=1 rewrites the files instead)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .trace_scenarios import SCENARIOS, expand, load_golden, normalize, save_golden


def run_scenario_cli(make_stack, name: str) -> dict[str, Any]:
    stack = make_stack(None, name=name)
    steps = SCENARIOS[name]
    recorded = None
    for index, (command, program, args) in enumerate(steps):
        if program is not None:
            stack.write_program(program)
        last = index == len(steps) - 1
        if command == "taint":
            stack.run("state", "taint", *expand(args, stack.urn), "--yes")
            continue
        result = stack.run(command, *expand(args, stack.urn), trace=last)
        if last:
            recorded = normalize(result.trace)
    stack.run("destroy")
    assert recorded is not None
    return recorded


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_real_engine_still_makes_the_golden_calls(make_stack, emu, name):
    recorded = run_scenario_cli(make_stack, name)
    if os.environ.get("SLB_RECORD_TRACES") == "1":
        save_golden(name, recorded)
    assert recorded == load_golden(name)["calls"]
