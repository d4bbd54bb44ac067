"""Nothing stranded by what users do (issue 24), through the real `pulumi` CLI and its provider
processes: a refused completion then `destroy`, two deployments of the same names at once, the
CLI killed while a group is completed, a rolled-back state, `retain_on_delete`.

Each test plays the case as a user meets it and checks the emulator's groups against every
stack's checkpoint: no group held twice, nothing left after destroy, and what no provider can
prevent (a state rolled back, a retained group) left completed and tagged for the audit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from harness.pulumi_cli import CliResult, CliStack, LanguageHost
from harness.waiting import wait_for

from . import programs
from .invariants import assert_invariants, live_group_ids, state_ids
from .processes import language_host_pids, provider_pids, reap, running

OWNER_KEY = "slb-master-slave:owner"
HOLD = 6.0  # seconds the emulator holds a completing call while something else happens
# Long enough for a whole second `pulumi up` to run while the first one's completion is held
# (asserted: the overlap is the case under test).
OVERLAP_HOLD = 18.0


def _owner_tags(emu: Any) -> dict[str, str]:
    return {gid: g["tags"].get(OWNER_KEY, "") for gid, g in emu.groups_by_id().items()}


def _hold_completion(emu: Any, seconds: float = HOLD) -> None:
    """The next TagResources (a create's completion) waits `seconds` at the API, then applies."""
    emu.add_fault(kind="latency", action="TagResources", seconds=seconds, count=1)


def _held(emu: Any) -> bool:
    return any(f["kind"] == "latency" and f["fired"] for f in emu.faults())


def _audit(stack: CliStack, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m slb_master_slave audit ...` in the project, as the user runs it."""
    return subprocess.run([sys.executable, "-m", "slb_master_slave", "audit", *args], cwd=stack.project_dir,
                          env=stack.env, capture_output=True, text=True, timeout=120, check=False)


def _audit_findings(stack: CliStack) -> dict[str, str]:
    """group id -> the audit's kind of finding."""
    found = _audit(stack, "--json")
    assert found.returncode in (0, 1), found.stderr
    return {f["group_id"]: f["kind"] for f in json.loads(found.stdout)["findings"] if f.get("group_id")}


# -- 1. a completion that fails, then destroy ---------------------------------------------
def test_a_refused_completion_then_destroy_leaves_nothing(make_stack, emu):
    """The completing TagResources refused once (403, a RAM policy without slb:TagResources):
    the create deletes the group it made before failing, so `destroy` has nothing to miss."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    emu.add_fault(kind="error", action="TagResources", code="Forbidden.RAM", status=403, count=1,
                  message="User not authorized to operate on the specified resource.")
    failed = stack.run("up", check=False)
    assert not failed.ok
    assert "Forbidden.RAM" in failed.output and "It was deleted again: nothing is left behind" in failed.output
    assert live_group_ids(emu) == set()
    stack.run("destroy")
    assert live_group_ids(emu) == set() and stack.resources() == {}
    stack.run("up")
    assert_invariants(emu, state_ids(stack))
    stack.run("destroy")
    assert live_group_ids(emu) == set()


# -- 2. two deployments of the same names at once -------------------------------------------
def test_two_deployments_of_the_same_names_never_share_a_group(make_stack, emu):
    """Two checkouts with their own backends, one project, stack and resource names, one load
    balancer: while A's create is in flight (its completion held at the API), B's `up` makes a
    group of its own, and B's `destroy` leaves A's group alone."""
    first = make_stack(None, name="checkout-a")
    second = make_stack(None, name="checkout-b")
    own_host = None
    if isinstance(second.host, LanguageHost):  # the fallback host serves one program at a time
        second.host = own_host = LanguageHost()  # a second checkout's CLI runs its program at once
    for stack in (first, second):
        stack.write_program(programs.ONE_GROUP)
    first.config_set("slb-master-slave:requestTimeoutSeconds", str(OVERLAP_HOLD + 15))  # A waits out the hold
    _hold_completion(emu, OVERLAP_HOLD)
    results: dict[str, CliResult] = {}
    first_up = threading.Thread(target=lambda: results.setdefault("a", first.run("up", check=False)))
    first_up.start()
    try:
        assert wait_for(lambda: _held(emu), timeout=60), "A's create never reached its completion"
        [in_flight] = live_group_ids(emu)
        assert _owner_tags(emu)[in_flight].startswith("pending:")
        second.run("up")  # while A's group is pending and A's provider still runs
        assert first_up.is_alive(), "A's up ended before B's ran: the case was not played"
        assert second.resources()["web"]["id"] != in_flight, "B took over the group A was creating"
    finally:
        first_up.join(120)
    assert results["a"].ok, results["a"]
    a_id, b_id = first.resources()["web"]["id"], second.resources()["web"]["id"]
    assert a_id == in_flight and b_id != a_id, "B took over the group A was creating"
    assert_invariants(emu, state_ids(first) + state_ids(second))
    second.run("destroy")
    assert live_group_ids(emu) == {a_id}, "B's destroy deleted the group A's state holds"
    first.run("preview", "--expect-no-changes")
    first.run("destroy")
    assert live_group_ids(emu) == set()
    if own_host is not None:
        own_host.stop()


# -- 3. the CLI killed while a create completes -----------------------------------------------
def _up_with_cli_killed_during_completion(stack: CliStack, emu: Any, hold: float = 3) -> list[int]:
    """`pulumi up` whose CLI is SIGKILLed while the group's completing call is held at the API;
    the call is then applied. Returns the provider processes the CLI had started."""
    _hold_completion(emu, seconds=hold)
    providers: list[int] = []

    def kill_when_held(process: Any) -> None:
        assert wait_for(lambda: _held(emu), timeout=60), "the completion never reached the API"
        providers.extend(provider_pids(process.pid))
        hosts = language_host_pids(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        reap(hosts)  # left running by the CLI's end (processes.language_host_pids)

    result = stack.run("up", check=False, on_start=kill_when_held)
    assert not result.ok
    return providers


def test_cli_killed_while_a_group_completes_then_up_takes_it_over(make_stack, emu):
    """The completing call lands after the CLI died: the provider notices the engine is gone,
    marks the group pending again and ends itself; the next `up` takes the group over (no
    duplicate), and destroy leaves nothing."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    providers = _up_with_cli_killed_during_completion(stack, emu)
    assert providers, "no provider process found under the CLI"
    assert wait_for(lambda: not any(running(pid) for pid in providers), timeout=30), \
        "the orphaned provider process never ended itself"
    [group_id] = live_group_ids(emu)
    assert _owner_tags(emu)[group_id].startswith("pending:"), "completed where no state records it"
    stack.remove_locks()
    assert [op["type"] for op in stack.pending_operations()] == ["creating"]
    up = stack.run("up")
    assert "pending operations" in up.output  # the engine's own warning
    assert live_group_ids(emu) == {group_id} and stack.resources()["web"]["id"] == group_id
    stack.run("refresh", "--clear-pending-creates")
    stack.run("preview", "--expect-no-changes")
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_up_right_after_a_killed_cli_waits_for_its_provider_and_takes_the_group_over(make_stack, emu):
    """The user runs `pulumi up` again at once, while the killed CLI's provider still waits on
    the held completion: the new create sees in the journal that this maker's engine is gone,
    waits for the maker to end (it puts the group back to pending first) and takes the group
    over, instead of making a second group beside one that is still in progress."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    providers = _up_with_cli_killed_during_completion(stack, emu, hold=6)
    assert any(running(pid) for pid in providers), "the orphaned provider ended before the next up: no race"
    [group_id] = live_group_ids(emu)
    stack.remove_locks()
    stack.run("up")
    assert live_group_ids(emu) == {group_id} and stack.resources()["web"]["id"] == group_id
    assert _owner_tags(emu)[group_id] == stack.urn("web")
    stack.run("refresh", "--clear-pending-creates")
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_the_engines_import_of_pending_creates_does_not_reach_a_dynamic_resource(make_stack, emu):
    """What Pulumi tells the user after a killed CLI, `pulumi refresh --import-pending-creates
    <urn> <id>`, was tried: v3.260.0 turns the pending create into a pending import and the
    refresh then drops it without ever calling Read on the provider (no `__provider` reaches a
    dynamic resource that is not in state). So README documents the next `up` (and the audit)
    as the recovery; this test notices when a later engine starts importing."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    _up_with_cli_killed_during_completion(stack, emu)
    assert wait_for(lambda: len(live_group_ids(emu)) == 1, timeout=30)
    [group_id] = live_group_ids(emu)
    stack.remove_locks()
    urn = stack.urn("web")
    refreshed = stack.run("refresh", "--import-pending-creates", urn, "--import-pending-creates", group_id,
                          trace=True)
    assert not [call for call in refreshed.trace if call["name"] == "web"], "the engine read the imported group"
    assert stack.resources() == {} and not stack.pending_operations(), "imported after all: update README"
    stack.run("up")
    assert live_group_ids(emu) == {group_id}, "the next up takes the group over"
    stack.run("destroy")
    assert live_group_ids(emu) == set()


# -- 4. a state rolled back ---------------------------------------------------------------------
def test_a_rolled_back_state_leaves_a_completed_group_for_the_audit(make_stack, emu, tmp_path):
    """`pulumi stack import` of an export taken before a replacement: refresh drops the entry
    whose group is gone, `up` makes another group, and the group the rollback forgot stays,
    completed and tagged with its owner, never shared and never deleted by a create."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    stack.run("up")
    exported = tmp_path / "before-replace.json"
    exported.write_text(stack.run("stack", "export").output, encoding="utf-8")
    stack.run("up", "--replace", stack.urn("web"))
    forgotten = stack.resources()["web"]["id"]
    stack.run("stack", "import", "--file", str(exported))
    stack.run("refresh")
    assert stack.resources() == {}, "refresh dropped the entry whose group the replacement deleted"
    stack.run("up")
    made = stack.resources()["web"]["id"]
    assert made != forgotten and live_group_ids(emu) == {made, forgotten}
    assert _owner_tags(emu)[forgotten] == stack.urn("web"), "left completed, for the audit to name"
    assert _audit_findings(stack) == {forgotten: "not-in-state"}, "the audit names the group the rollback forgot"
    stack.run("destroy")
    assert live_group_ids(emu) == {forgotten}, "destroy touched only what the state holds"
    cleared = _audit(stack, "--delete", forgotten, "--load-balancer", "lb-demo-hangzhou", "--yes")  # state is empty
    assert cleared.returncode == 1 and f"deleted: {forgotten}" in cleared.stdout, cleared.stdout + cleared.stderr
    assert live_group_ids(emu) == set()


# -- 5. retain_on_delete, then the same resource declared again ---------------------------------
RETAINED = programs.HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80),
                             opts=pulumi.ResourceOptions(retain_on_delete=True))
"""
ADOPT_RETAINED = programs.HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80),
                             adopt_id=pulumi.Config().require("retained"))
"""


def test_a_retained_group_is_never_taken_by_the_next_create_and_its_adoption_says_what_it_is(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(RETAINED)
    stack.run("up")
    retained = stack.resources()["web"]["id"]
    stack.write_program(programs.HEADER)  # the resource removed: retained, not deleted
    stack.run("up")
    assert stack.resources() == {} and live_group_ids(emu) == {retained}
    stack.write_program(programs.ONE_GROUP)
    stack.run("up")
    made = stack.resources()["web"]["id"]
    assert made != retained, "the create took over a retained group some state may hold"
    stack.config_set("retained", retained)
    stack.write_program(ADOPT_RETAINED)
    refused = stack.run("up", check=False)
    assert not refused.ok and "its replacement" not in refused.output
    assert "retain_on_delete" in refused.output and f"audit --release {retained}" in refused.output
    assert live_group_ids(emu) == {made, retained} and stack.resources()["web"]["id"] == made
    released = _audit(stack, "--release", retained, "--yes")  # the explicit step the refusal names
    assert released.returncode == 0, released.stdout + released.stderr
    stack.run("up")  # adopts the retained group, and the replaced one goes
    assert stack.resources()["web"]["id"] == retained and live_group_ids(emu) == {retained}
    stack.run("destroy")
    assert live_group_ids(emu) == set()
