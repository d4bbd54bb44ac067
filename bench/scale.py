"""Scale: N groups up and destroyed through the provider process against the emulator.

Latency run: every API call takes `latency` seconds (emulator latency fault). The provider
process runs with `maxConcurrentOperations` 4 (the host's own 4 workers, as in every release
before 0.5, so the figure stays comparable), so the floor per API call per group is
N x latency / 4; a create is two calls and a delete two (below), so the up's and the
destroy's limits are twice that. Quota run: the same at the default maxConcurrentOperations,
plus a quota of `rps` requests/s answered with Throttling; its floor is N / rps per call per
group, likewise.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from typing import Any

from .common import (
    EmulatorProcess,
    Engine,
    group_program,
    now,
    registrations,
    scratch_project,
    start_provider,
)

# CreateMasterSlaveServerGroup (pending) + TagResources (completed): issue 24
CALLS_PER_CREATE = 2
# DeleteMasterSlaveServerGroup + DescribeMasterSlaveServerGroups (this stack's pending groups),
# sent alongside since issue 25
CALLS_PER_DELETE = 2
WORKERS = 4  # the dynamic provider host's own pool: maxConcurrentOperations 4


def _log_summary(emu: EmulatorProcess) -> dict[str, Any]:
    entries = emu.requests()
    actions = Counter(e["action"] for e in entries)
    throttled = sum(1 for e in entries if str(e.get("code") or "").startswith("Throttling"))
    errors = Counter(e.get("code") for e in entries if e.get("code"))
    return {"requests": len(entries), "actions": dict(actions), "throttled": throttled,
            "error_codes": dict(errors)}


def run(emu: EmulatorProcess, workdir: str, *, count: int, parallelism: int, latency: float,
        rps: float | None, timeout_seconds: int, pipeline: bool = True,
        operations: int | None = WORKERS) -> dict[str, Any]:
    emu.reset()
    emu.clear_faults()
    emu.clear_requests()
    name = "scalequota" if rps else "scalelatency"
    config = {"slb-master-slave:timeoutSeconds": str(timeout_seconds)}
    if operations is not None:
        config["slb-master-slave:maxConcurrentOperations"] = str(operations)
    provider = start_provider(scratch_project(tempfile.mkdtemp(dir=workdir), name), emu, **config)
    try:
        # pipeline=True (the headline): steps start while later registrations are still
        # checked, as the engine's step generator feeds its executor, so Checks share the
        # provider's 4 workers with in-flight Creates. pipeline=False (a diagnostic) checks
        # everything first, then creates.
        # One provider process for the whole figure (the real engine starts one per command
        # and phase: the cold start is its own figure) and no preview phase inside the timed up.
        engine = Engine(provider, f"{workdir}/{name}-state.json", parallelism=parallelism, pipeline=pipeline,
                        process_per_command=False)
        regs = registrations(group_program(count=count))
        if latency:
            emu.add_fault(kind="latency", seconds=latency)
        if rps:
            emu.add_fault(kind="quota", rps=rps)
        # Warm the provider (first call deserializes it, runs configure()) outside the timing.
        engine.preview(regs[:1])
        # Time the serial Check phase alone (no API call): in a pipelined up it overlaps
        # the creates instead of preceding them.
        t0 = now()
        engine.preview(regs)
        plan_s = now() - t0
        emu.clear_requests()

        t0 = now()
        up = engine.up(regs, skip_preview=True)
        up_s = now() - t0
        up_log = _log_summary(emu)
        created = len(emu.state()["groups"])
        up_inflight = engine.max_inflight

        emu.clear_requests()
        engine.max_inflight = 0
        t0 = now()
        destroy = engine.destroy()
        destroy_s = now() - t0
        destroy_log = _log_summary(emu)
        left = len(emu.state()["groups"])
        if left:  # leave the emulator clean for the next figure
            emu.clear_faults()
            engine.destroy()
    finally:
        emu.clear_faults()
        provider.stop()
    # The floor for one API call per group; a create is two calls (the create, its completion)
    # and a delete two (the delete, the look-up alongside it).
    limit = count / rps if rps else count * latency / WORKERS
    up_limit = CALLS_PER_CREATE * limit
    destroy_limit = CALLS_PER_DELETE * limit
    return {
        "count": count, "parallelism": parallelism, "operations": operations, "pipeline": pipeline, "latency_s": latency, "rps": rps, "limit_s": limit,
        "up": {"seconds": up_s, "plan_seconds": plan_s, "limit_s": up_limit, "ratio": up_s / up_limit if limit else None,
               "ok": up.ok, "failures": len(up.errors),
               "errors": [str(e[2])[:300] for e in up.errors[:3]], "groups_created": created,
               "max_inflight": up_inflight, "log": up_log},
        "destroy": {"seconds": destroy_s, "limit_s": destroy_limit, "ratio": destroy_s / destroy_limit if limit else None,
                    "ok": destroy.ok,
                    "failures": len(destroy.errors), "errors": [str(e[2])[:300] for e in destroy.errors[:3]],
                    "max_inflight": engine.max_inflight, "log": destroy_log},
        "groups_left": left,
    }
