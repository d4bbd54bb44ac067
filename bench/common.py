"""Shared helpers: import paths, percentiles, the processes every figure needs."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT,):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from harness.stack_fixtures import group_program, registrations, start_provider, stack_config, SECRET_KEYS  # noqa: E402
from harness.emulator_process import EmulatorProcess  # noqa: E402
from harness.engine_harness import Engine, scratch_project  # noqa: E402
from harness.provider_process import ProviderProcess, to_wire  # noqa: E402

__all__ = [
    "ROOT", "group_program", "registrations", "start_provider", "stack_config", "SECRET_KEYS",
    "EmulatorProcess", "Engine", "scratch_project", "ProviderProcess", "to_wire",
    "percentile", "median", "clean_env", "now",
]

now = time.perf_counter


def median(values):
    return statistics.median(values)


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def clean_env() -> dict:
    """The environment minus any cloud credentials (as stack_fixtures.start_provider does)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_"))}
