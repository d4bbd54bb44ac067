"""The same work for each tool against one emulator: a lifecycle (create, no-op plan, refresh,
server change, delete) and fault scenarios, counted from the emulator's request log and its
state, never from what the tool says about itself.

A workspace is anything with init/write/apply/plan/refresh/destroy/state_ids (see
terraform.TerraformWorkspace and ours.PulumiWorkspace); each command returns an object with
code, ok, output, seconds and first_error().
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from harness.emulator_process import EmulatorProcess, raw_call, signed_params


class Outcome(Protocol):
    """What one command of either tool left (bench.peers.result.CommandResult)."""

    code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool: ...

    def first_error(self) -> str: ...


class Workspace(Protocol):
    """One tool's working directory, driven as its user drives it."""

    def init(self) -> Outcome: ...

    def write(self, count: int, slave: str = ...) -> None: ...

    def apply(self, timeout: float = ...) -> Outcome: ...

    def plan(self) -> Outcome: ...

    def refresh(self) -> Outcome: ...

    def destroy(self, timeout: float = ...) -> Outcome: ...

    def state_ids(self) -> list[str]: ...


MakeWorkspace = Callable[[str], Workspace]
Json = dict[str, Any]

LB = "lb-demo-hangzhou"
LISTENER_RELEASE_S = 15.0
# Calls the bench itself makes while a tool runs (the listener's release): not the tool's.
BENCH_ACTIONS = {"DeleteLoadBalancerListener"}


def cloud_groups(emu: EmulatorProcess) -> list[str]:
    """Ids of the bench's groups (named peer-N) the emulator holds."""
    return [g["id"] for g in emu.state()["groups"] if str(g.get("name", "")).startswith("peer-")]


def measured(emu: EmulatorProcess, command: Callable[[], Outcome]) -> Json:
    """Run one command; its calls come from the emulator's request log."""
    emu.clear_requests()
    done = command()
    log = [r for r in emu.requests() if r["action"] not in BENCH_ACTIONS]
    actions = collections.Counter(r["action"] for r in log)
    return {"ok": done.ok, "code": done.code, "seconds": round(done.seconds, 2), "calls": len(log),
            "actions": dict(actions), "first_error": done.first_error(),
            "faults_fired": sum(1 for r in log if r.get("fault")),
            **({} if done.ok else {"output_tail": done.output[-3000:]})}


def api(emu: EmulatorProcess, action: str, **params: Any) -> Any:
    """An out-of-band call (the console, another tool, a colleague)."""
    status, body = raw_call(emu.url, query=signed_params(action, {k: str(v) for k, v in params.items()}))
    if status != 200:
        raise RuntimeError(f"{action} -> {status} {body}")
    return body


def outcome(emu: EmulatorProcess, ws: Workspace, declared: int) -> Json:
    cloud = set(cloud_groups(emu))
    state = set(ws.state_ids())
    return {"groups_in_cloud": len(cloud), "ids_in_state": len(state),
            "duplicates": max(0, len(cloud) - declared), "orphans": len(cloud - state),
            "state_ids_gone_from_cloud": len(state - cloud)}


def lifecycle(emu: EmulatorProcess, make: MakeWorkspace, work_dir: str, count: int) -> Json:
    emu.reset()
    ws = make(work_dir)
    ws.write(count)
    init = ws.init()
    if not init.ok:
        return {"error": "init failed: " + init.output[-2000:]}
    steps = {"create": measured(emu, ws.apply),
             "no-op plan": measured(emu, ws.plan),
             "refresh": measured(emu, ws.refresh)}
    ws.write(count, slave="i-demo-web-3")
    steps["server change (replace)"] = measured(emu, ws.apply)
    steps["after change"] = outcome(emu, ws, count)
    # Did the cloud follow? (The peer plans this change in place and its Update does nothing.)
    slaves = [s["ServerId"] for g in emu.state()["groups"] if str(g.get("name", "")).startswith("peer-")
              for s in g["servers"] if s["ServerType"] == "Slave"]
    steps["after change"]["groups with the new Slave in the cloud"] = slaves.count("i-demo-web-3")
    steps["plan after change"] = measured(emu, ws.plan)
    steps["delete"] = measured(emu, ws.destroy)
    steps["after delete"] = outcome(emu, ws, 0)
    return steps


def _fault_then_retry(emu: EmulatorProcess, ws: Workspace, fault: Json) -> Json:
    """Apply with the fault armed; then, as a user does after an error, apply again."""
    emu.add_fault(**fault)
    first = measured(emu, ws.apply)
    emu.clear_faults()
    result = {"apply under fault": first}
    if not first["ok"]:
        result["apply again"] = measured(emu, ws.apply)
    result["outcome"] = outcome(emu, ws, 1)
    return result


def faults(emu: EmulatorProcess, make: MakeWorkspace, work_dir: str) -> Json:
    results: Json = {}

    def fresh(name: str, create: bool = False) -> Workspace:
        emu.reset()
        ws = make(f"{work_dir}/{name}")
        ws.write(1)
        init = ws.init()
        if not init.ok:
            raise RuntimeError(f"{name}: init failed: {init.output[-2000:]}")
        if create:
            done = ws.apply()
            if not done.ok:
                raise RuntimeError(f"{name}: the setup apply failed: {done.output[-2000:]}")
        return ws

    results["throttling burst (3 x Throttling.User on create)"] = _fault_then_retry(
        emu, fresh("throttle"), {"kind": "error", "code": "Throttling.User", "status": 400,
                                 "message": "Request was denied due to user flow control.",
                                 "action": "CreateMasterSlaveServerGroup", "count": 3})
    results["503 burst (3 x ServiceUnavailable on create)"] = _fault_then_retry(
        emu, fresh("unavailable"), {"kind": "error", "code": "ServiceUnavailable", "status": 503,
                                    "message": "The request has failed due to a temporary failure of the server.",
                                    "action": "CreateMasterSlaveServerGroup", "count": 3})
    results["create answer lost after the group was made (drop_after)"] = _fault_then_retry(
        emu, fresh("lost"), {"kind": "drop_after", "action": "CreateMasterSlaveServerGroup", "count": 1})

    ws = fresh("outofband", create=True)
    gone = ws.state_ids()
    api(emu, "DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=gone[0])
    step: Json = {"refresh": measured(emu, ws.refresh)}
    step["dropped from state"] = gone[0] not in ws.state_ids()
    step["apply"] = measured(emu, ws.apply)
    step["outcome"] = outcome(emu, ws, 1)
    results["group deleted out of band, then refresh and apply"] = step

    ws = fresh("misread", create=True)
    held = ws.state_ids()
    emu.add_fault(kind="error", code="InvalidParameter", status=400,
                  message="The specified parameter is not valid.", count=1)
    step = {"refresh": measured(emu, ws.refresh)}
    emu.clear_faults()
    step["wrongful drops"] = sum(1 for i in held if i not in ws.state_ids() and i in cloud_groups(emu))
    step["apply"] = measured(emu, ws.apply)
    step["outcome"] = outcome(emu, ws, 1)
    results["refresh answered a transient InvalidParameter (group exists)"] = step

    ws = fresh("listener", create=True)
    group = ws.state_ids()[0]
    api(emu, "CreateLoadBalancerTCPListener", LoadBalancerId=LB, ListenerPort=80, Bandwidth=-1,
        MasterSlaveServerGroupId=group)
    timer = threading.Timer(LISTENER_RELEASE_S, lambda: api(
        emu, "DeleteLoadBalancerListener", LoadBalancerId=LB, ListenerPort=80, ListenerProtocol="tcp"))
    started = time.perf_counter()
    timer.start()
    try:
        step = {"destroy": measured(emu, ws.destroy)}
    finally:
        timer.cancel()
    step["listener released after s"] = LISTENER_RELEASE_S
    step["destroy finished after s"] = round(time.perf_counter() - started, 2)
    step["outcome"] = outcome(emu, ws, 0)
    results[f"listener holding the group at delete (released after {LISTENER_RELEASE_S:.0f} s)"] = step
    results[f"quota of {QUOTA_RPS} requests/s, {QUOTA_GROUPS} groups created"] = quota_burst(
        emu, make, f"{work_dir}/quota", QUOTA_GROUPS, QUOTA_RPS)
    return results


QUOTA_GROUPS = 50
QUOTA_RPS = 10


def quota_burst(emu: EmulatorProcess, make: MakeWorkspace, work_dir: str, count: int, rps: int) -> Json:
    """Many creates at once against the account's flow control (the emulator's quota fault
    answers Throttling.User beyond `rps`), then, if needed, the apply a user runs again."""
    emu.reset()
    ws = make(work_dir)
    ws.write(count)
    ws.init()
    emu.add_fault(kind="quota", rps=rps)
    first = measured(emu, lambda: ws.apply(timeout=300))
    throttled = first.pop("faults_fired")
    first["throttled"] = throttled
    first["groups created"] = len(cloud_groups(emu))
    result = {"apply under quota": first}
    if not first["ok"]:
        result["apply again (quota kept)"] = measured(emu, lambda: ws.apply(timeout=300))
    emu.clear_faults()
    result["outcome"] = outcome(emu, ws, count)
    return result
