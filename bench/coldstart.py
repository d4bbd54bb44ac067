"""Cold start: spawn `python -u -m pulumi.dynamic` -> port printed -> Configure -> first
Check answered, for our provider and for a trivial one, alternating, same config sent.
"""

from __future__ import annotations

import tempfile
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider

from .common import (
    ROOT,
    SECRET_KEYS,
    EmulatorProcess,
    ProviderProcess,
    clean_env,
    group_program,
    median,
    now,
    registrations,
    scratch_project,
    stack_config,
)

URN = "urn:pulumi:dev::{project}::pulumi-python:dynamic:Resource::group-0"


def _one(project_dir: str, config: dict[str, str], inputs: dict[str, Any], urn: str) -> dict[str, float]:
    t0 = now()
    process = ProviderProcess(project_dir, env=clean_env(), extra_pythonpath=[str(ROOT)])
    try:
        t_port = now()
        process.configure(config, secret_keys=SECRET_KEYS)
        t_conf = now()
        outcome = process.check(urn, {}, inputs)
        t_check = now()
        assert not outcome.failures, outcome.failures
    finally:
        process.stop()
    return {"port_s": t_port - t0, "configure_s": t_conf - t_port, "first_check_s": t_check - t_conf,
            "total_s": t_check - t0}


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    """The median of each phase, and every run's total."""
    return {key: median([s[key] for s in samples]) for key in samples[0]} | {
        "runs_total_s": [round(s["total_s"], 4) for s in samples]}


def run(emu: EmulatorProcess, workdir: str, runs: int) -> dict[str, Any]:
    from bench.trivial_provider import TrivialProvider

    config = stack_config(emu)
    [reg] = registrations(group_program(tags={"env": "dev"}))
    ours_inputs = dict(reg.inputs)
    trivial_inputs = dict(reg.inputs)
    trivial_inputs["__provider"] = serialize_provider(TrivialProvider())
    ours_dir = scratch_project(tempfile.mkdtemp(dir=workdir), "coldours")
    trivial_dir = scratch_project(tempfile.mkdtemp(dir=workdir), "coldtrivial")
    # One unmeasured start of each warms the OS file cache and .pyc files.
    _one(ours_dir, config, ours_inputs, URN.format(project="coldours"))
    _one(trivial_dir, config, trivial_inputs, URN.format(project="coldtrivial"))
    ours: list[dict[str, float]] = []
    trivial: list[dict[str, float]] = []
    for _ in range(runs):
        ours.append(_one(ours_dir, config, ours_inputs, URN.format(project="coldours")))
        trivial.append(_one(trivial_dir, config, trivial_inputs, URN.format(project="coldtrivial")))
    return {"ours": _summary(ours), "trivial": _summary(trivial), "runs": runs}
