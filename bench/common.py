"""Shared helpers: the repository root, percentiles, the processes every figure needs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.environment import clean_env
from harness.provider_process import ProviderProcess, to_wire
from harness.stack_fixtures import (
    SECRET_KEYS,
    group_program,
    registrations,
    stack_config,
    start_provider,
)

# The repository root: `python -m bench` runs from it, so harness/ is importable beside bench/.
ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ROOT",
    "SECRET_KEYS",
    "EmulatorProcess",
    "Engine",
    "ProviderProcess",
    "clean_env",
    "group_program",
    "median",
    "now",
    "percentile",
    "registrations",
    "scratch_project",
    "stack_config",
    "start_provider",
    "to_wire",
]

now = time.perf_counter


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]
