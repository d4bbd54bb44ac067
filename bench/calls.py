"""API calls per operation (happy path) and the state footprint per resource.

One group goes through the engine harness against the emulator; before each operation
the emulator's request log is cleared, after it the log is counted.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from typing import Any

from harness.provider_process import PROVIDER_KEY

from .common import (
    EmulatorProcess,
    Engine,
    group_program,
    registrations,
    scratch_project,
    start_provider,
)


def run(emu: EmulatorProcess, workdir: str) -> dict[str, Any]:
    emu.reset()
    emu.clear_faults()
    provider = start_provider(scratch_project(tempfile.mkdtemp(dir=workdir), "calls"), emu)
    try:
        engine = Engine(provider, f"{workdir}/calls-state.json")
        dev = registrations(group_program(tags={"env": "dev", "team": "web"}))
        prod = registrations(group_program(tags={"env": "prod", "owner": "ops"}))
        ops: dict[str, dict[str, Any]] = {}

        def measure(name: str, action: Callable[[], Any]) -> None:
            emu.clear_requests()
            result = action()
            actions = emu.actions()
            ops[name] = {"calls": len(actions), "actions": actions, "ok": bool(result.ok),
                         "errors": [str(e) for e in getattr(result, "errors", [])][:3]}

        measure("create", lambda: engine.up(dev))
        resource = engine.state["resources"][0]
        outputs = {k: v for k, v in resource["outputs"].items() if k != PROVIDER_KEY}
        footprint = {
            "provider_bytes": len(resource["outputs"].get(PROVIDER_KEY) or resource["inputs"].get(PROVIDER_KEY, "")),
            "outputs_bytes": len(json.dumps(outputs)),
            "outputs_bytes_with_provider": len(json.dumps(resource["outputs"])),
            "provider_value": resource["outputs"].get(PROVIDER_KEY) or resource["inputs"].get(PROVIDER_KEY),
        }
        # Per Read: `pulumi refresh --yes` reads every group twice (its preview phase, then
        # the refresh: tests/real_engine/golden_traces/refresh.json); --skip-preview once.
        measure("refresh", lambda: engine.refresh(skip_preview=True))
        measure("tags update", lambda: engine.up(prod))
        measure("no-op up", lambda: engine.up(prod))
        measure("delete", engine.destroy)
        left = len(emu.state()["groups"])
        return {"operations": ops, "footprint": footprint, "groups_left": left}
    finally:
        provider.stop()
