"""harness/ makes the provider calls the real engine makes (golden traces recorded from the
pulumi CLI v3.260.0 in tests/real_engine/golden_traces, re-checked there against the live
CLI whenever one is available). Runs without the CLI: this is the harness's own test."""

from __future__ import annotations

from typing import Any

import pytest

from harness.engine_harness import Engine, scratch_project
from harness.program import collect_registrations
from harness.stack_fixtures import start_provider
from tests.real_engine.trace_scenarios import SCENARIOS, expand, load_golden, normalize

PROJECT = "slb-master-slave-quickstart"


def _registrations(source: str) -> list[Any]:
    def program() -> None:
        exec(compile(source, "__main__.py", "exec"), {"__name__": "__main__"})

    return collect_registrations(program, project=PROJECT, stack="dev")


def run_scenario_harness(emu, tmp_path, name: str, pipeline: bool = False) -> dict[str, Any]:
    provider = start_provider(scratch_project(tmp_path, PROJECT), emu)
    engine = Engine(provider, str(tmp_path / "state.json"), pipeline=pipeline)
    regs: list[Any] = []
    steps = SCENARIOS[name]
    try:
        for index, (command, program, args) in enumerate(steps):
            if program is not None:
                regs = _registrations(program)
            urn_of = {r.name: r.urn for r in regs}.__getitem__
            start = len(engine.trace)
            flags = expand(args, urn_of)
            replace = [flags[i + 1] for i, f in enumerate(flags) if f == "--replace"]
            targets = [flags[i + 1] for i, f in enumerate(flags) if f == "--target"] or None
            if command == "up":
                result = engine.up(regs, replace=replace, targets=targets)
                assert result.ok, result.errors
            elif command == "preview":
                assert engine.preview(regs, replace=replace, targets=targets).ok
            elif command == "refresh":
                assert engine.refresh().ok
            elif command == "destroy":
                assert engine.destroy().ok
            elif command == "taint":
                engine.taint(flags[0])
            if index == len(steps) - 1:
                return normalize(engine.trace[start:])
        raise AssertionError("no steps")
    finally:
        engine.destroy()
        engine.provider.stop()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_harness_makes_the_calls_the_real_engine_makes(emu, tmp_path, name):
    golden = load_golden(name)
    assert golden["engine"] == "v3.260.0"
    assert run_scenario_harness(emu, tmp_path, name) == golden["calls"]


@pytest.mark.parametrize("name", sorted(n for n, steps in SCENARIOS.items() if steps[-1][0] == "up"))
def test_the_pipelined_up_makes_the_calls_the_real_engine_makes(emu, tmp_path, name):
    """Engine(pipeline=True), the benchmark's up: steps start while planning goes on, and
    every resource still gets the calls the real engine makes."""
    assert run_scenario_harness(emu, tmp_path, name, pipeline=True) == load_golden(name)["calls"]


def test_a_fresh_provider_process_serves_each_command(emu, tmp_path):
    """As the engine's gRPC log shows (two Handshakes per `up`): nothing the provider
    remembers from one command can reach the next."""
    provider = start_provider(scratch_project(tmp_path, PROJECT), emu)
    engine = Engine(provider, str(tmp_path / "state.json"))
    first = engine.provider.pid
    source = SCENARIOS["up_fresh"][0][1]
    assert source is not None, "the scenario starts from a program"
    regs = _registrations(source)
    assert engine.up(regs).ok
    assert engine.processes == 2 and engine.provider.pid != first  # preview phase, then the update
    assert engine.destroy().ok and engine.processes == 3
    engine.provider.stop()
