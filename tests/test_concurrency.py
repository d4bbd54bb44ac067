"""Many resources through one provider process, more calls in flight than the host's pool of 4.

The engine harness runs 16 steps at once; the provider process widens the dynamic provider
host's pool of 4 (worker_pool.py, maxConcurrentOperations) and runs them together, sharing
its gateway's transport, signer and retry quota. A small latency on every call keeps
requests in flight together. Exactly one group per resource must come out, none after
destroy, and no request may be signed twice (the emulator refuses a reused
SignatureNonce with SignatureNonceUsed).
"""

from __future__ import annotations

from pathlib import Path

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine
from harness.provider_process import ProviderProcess
from harness.stack_fixtures import group_program, registrations

COUNT = 40




def test_forty_resources_with_more_calls_in_flight_than_the_pool(emu: EmulatorProcess, provider: ProviderProcess, tmp_path: Path) -> None:
    emu.reset()
    emu.add_fault(kind="latency", seconds=0.05)
    engine = Engine(provider, str(tmp_path / "state.json"), parallelism=16)

    up = engine.up(registrations(group_program(count=COUNT)))
    assert up.ok, up.errors
    assert engine.max_inflight > 4, "the harness must keep more calls in flight than the host's own pool"
    groups = emu.state()["groups"]
    ids = [g["id"] for g in groups]
    assert len(ids) == COUNT and len(set(ids)) == COUNT
    assert sorted(r["id"] for r in engine.state["resources"]) == sorted(ids)
    assert sorted(g["name"] for g in groups) == sorted(f"group-{i}" for i in range(COUNT))

    refresh = engine.refresh()
    assert refresh.ok and refresh.removed == [], refresh.errors

    destroy = engine.destroy()
    assert destroy.ok, destroy.errors
    assert emu.state()["groups"] == [] and engine.state["resources"] == []

    log = emu.requests()
    actions = [r["action"] for r in log]
    assert actions.count("CreateMasterSlaveServerGroup") == COUNT
    assert actions.count("DeleteMasterSlaveServerGroup") == COUNT
    assert not [r for r in log if r["code"] == "SignatureNonceUsed"]
    assert all(r["status"] == 200 for r in log), [r for r in log if r["status"] != 200][:3]
    nonces = [r["params"]["SignatureNonce"] for r in log]
    assert len(nonces) == len(set(nonces)) == len(log), "every request carries its own SignatureNonce"
