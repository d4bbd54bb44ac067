"""The engine's own call sequences, through the real CLI, the real provider process and the
emulator: targeted replace, taint, diff-driven replace, --target, out-of-band deletes, stack
rename, aliases, a provider killed mid-create, delete protection, secrets in the checkpoint.
After each: the emulator's groups, the checkpoint and the outputs agree (DEVELOPERS.md)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.pulumi_cli import CliStack
from harness.waiting import wait_for

from . import programs
from .invariants import (
    assert_invariants,
    assert_outputs_match_state,
    live_group_ids,
    state_ids,
)
from .processes import provider_pids

BOTH = {"web_group_id": "web", "api_group_id": "api"}


def _two_groups(make_stack: Callable[..., CliStack], **kwargs: Any) -> CliStack:
    stack = make_stack(None, **kwargs)
    stack.write_program(programs.TWO_GROUPS)
    stack.run("up")
    return stack


def _settled(stack, emu, outputs=BOTH) -> None:
    assert_invariants(emu, state_ids(stack))
    assert_outputs_match_state(stack, outputs)
    stack.run("preview", "--expect-no-changes")


def test_up_replace_makes_a_new_group_and_deletes_only_the_old_one(make_stack, emu):
    stack = _two_groups(make_stack)
    before = {name: r["id"] for name, r in stack.resources().items()}
    result = stack.run("up", "--replace", stack.urn("web"), trace=True)
    calls = [(c["method"], c["olds"]) for c in result.trace if c["name"] == "web"]
    assert ("Diff", True) not in calls and ("Create", False) in calls, calls  # the engine's sequence
    after = {name: r["id"] for name, r in stack.resources().items()}
    assert after["api"] == before["api"] and after["web"] != before["web"]
    assert live_group_ids(emu) == set(after.values())
    _settled(stack, emu)
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_state_taint_then_up_replaces_the_tainted_group(make_stack, emu):
    stack = _two_groups(make_stack)
    before = stack.resources()["web"]["id"]
    stack.run("state", "taint", stack.urn("web"), "--yes")
    stack.run("up")
    after = stack.resources()["web"]["id"]
    assert after != before and before not in live_group_ids(emu)
    _settled(stack, emu)


def test_diff_driven_replacement(make_stack, emu):
    stack = _two_groups(make_stack)
    before = stack.resources()["web"]["id"]
    stack.write_program(programs.WEB_SERVERS_CHANGED)
    stack.run("up")
    assert stack.resources()["web"]["id"] != before
    _settled(stack, emu)


def test_up_target_creates_only_the_target(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(programs.TWO_GROUPS)
    stack.run("up", "--target", stack.urn("web"))
    assert set(stack.resources()) == {"web"}
    assert_invariants(emu, state_ids(stack))
    stack.run("up")
    _settled(stack, emu)


def test_refresh_drops_a_group_deleted_out_of_band_and_up_recreates_it(make_stack, emu):
    stack = _two_groups(make_stack)
    gone = stack.resources()["web"]["id"]
    emu.call("DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=gone)  # as a user would, outside Pulumi
    stack.run("refresh")
    assert set(stack.resources()) == {"api"}
    stack.run("up")
    assert stack.resources()["web"]["id"] != gone
    _settled(stack, emu)


def test_stack_rename_then_a_new_stack_of_the_old_name_never_shares_groups(make_stack, emu):
    stack = _two_groups(make_stack)
    prod_ids = set(state_ids(stack))
    stack.run("stack", "rename", "prod")
    stack.stack = "prod"
    stack.init_stack("dev")
    stack.run("up")
    dev_ids = set(state_ids(stack))
    assert not dev_ids & prod_ids, "the new dev stack took over the renamed stack's groups"
    assert_invariants(emu, state_ids(stack, ["dev", "prod"]))
    stack.run("destroy")
    assert live_group_ids(emu) == prod_ids, "destroying dev touched prod's groups"
    stack.select("prod")
    # The renamed stack's resources have new URNs: their ownership tags follow in place,
    # one TagResources each on the first up, never a replacement (README, Ownership).
    up = stack.run("up")
    assert "~ 2 updated" in up.output and "replaced" not in up.output
    assert set(state_ids(stack)) == prod_ids
    stack.run("preview", "--expect-no-changes")
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_alias_rename_then_a_new_resource_of_the_old_name_created_first(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    stack.run("up")
    original = stack.resources()["web"]["id"]
    stack.write_program(programs.RENAMED)
    stack.run("up")
    assert stack.resources()["web2"]["id"] == original and live_group_ids(emu) == {original}
    stack.write_program(programs.RENAMED_AND_NEW_OF_OLD_NAME)
    stack.run("up")
    resources = stack.resources()
    assert resources["web2"]["id"] == original, "the renamed resource keeps its group"
    assert resources["web"]["id"] != original, "the new resource of the old name took over the renamed one's group"
    _settled(stack, emu, {"web_group_id": "web", "web2_group_id": "web2"})
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def _up_killed_mid_create(stack, emu, *, kill: str = "provider", hold: float = 20):
    """`pulumi up` during which, after the API applied the create and before its answer
    came back (the emulator holds it `hold` s), something is SIGKILLed: "provider" (the
    engine sees a failed create), "everything" (a lost machine: the CLI and its plugins), or
    "cli" (the CLI alone: its provider process lives on in its own process group, gets the
    answer, and must notice the engine is gone). Returns (result, provider pids)."""
    before = live_group_ids(emu)
    emu.add_fault(kind="hold_after", action="CreateMasterSlaveServerGroup", seconds=hold, count=1)
    providers: list[int] = []

    def kill_when_created(process):
        assert wait_for(lambda: live_group_ids(emu) - before, timeout=60), "the create never reached the API"
        providers.extend(provider_pids(process.pid))
        assert providers, "no provider process found under the CLI"
        if kill in ("provider", "everything"):
            for pid in providers:
                os.kill(pid, signal.SIGKILL)
        if kill in ("cli", "everything"):
            os.kill(process.pid, signal.SIGKILL)

    result = stack.run("up", check=False, on_start=kill_when_created)
    assert not result.ok
    return result, providers


def _reap(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_provider_killed_during_create_then_up_again(make_stack, emu):
    """The engine takes a dead provider for a failed create (nothing pending in the
    checkpoint); the group the API made must be taken over by the next up, not duplicated."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    result, _ = _up_killed_mid_create(stack, emu)
    emu.clear_faults()
    assert "error reading from server" in result.output
    assert stack.resources() == {} and not stack.pending_operations()
    stack.run("up")
    assert len(live_group_ids(emu)) == 1, "the killed create's group is taken over, not duplicated"
    _settled(stack, emu, {"web_group_id": "web"})
    stack.run("destroy")
    assert live_group_ids(emu) == set()


@pytest.mark.parametrize("repair", [[], ["refresh", "--clear-pending-creates"]], ids=["up-again", "clear-pending-creates"])
def test_machine_lost_during_create_then_up(make_stack, emu, repair):
    """The CLI and its provider killed together leave the CLI's lock and the create pending in
    the checkpoint. The next up (it warns about the pending create and goes on), with or
    without `refresh --clear-pending-creates` first, takes the group over: one group."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    _up_killed_mid_create(stack, emu, kill="everything")
    emu.clear_faults()
    assert [op["type"] for op in stack.pending_operations()] == ["creating"]
    locked = stack.run("up", check=False)
    assert not locked.ok and "locked" in locked.output
    stack.remove_locks()
    if repair:
        stack.run(*repair)
    up = stack.run("up")
    assert len(live_group_ids(emu)) == 1
    if not repair:  # the engine only warns, and keeps the note until it is cleared
        assert "pending operations" in up.output
        stack.run("refresh", "--clear-pending-creates")
    assert not stack.pending_operations()
    _settled(stack, emu, {"web_group_id": "web"})
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_cli_killed_during_create_its_provider_leaves_the_group_pending(make_stack, emu):
    """SIGKILL of the CLI alone: its provider process outlives it, receives the create's
    answer, and must not mark complete a group no state will record; the next up takes
    it over, whenever it runs."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    _, providers = _up_killed_mid_create(stack, emu, kill="cli", hold=2)
    try:
        assert wait_for(lambda: "CreateMasterSlaveServerGroup" in emu.actions(), timeout=30), "the answer never went out"
        completed = wait_for(lambda: "TagResources" in emu.actions(), timeout=3)
        assert not completed, "the orphaned provider completed a group no state will ever record"
        [group] = emu.state()["groups"]
        assert str(group["tags"]["slb-master-slave:owner"]).startswith("pending:")
    finally:
        _reap(providers)
        emu.clear_faults()
    stack.remove_locks()
    stack.run("refresh", "--clear-pending-creates")
    stack.run("up")
    assert live_group_ids(emu) == {group["id"]}
    _settled(stack, emu, {"web_group_id": "web"})
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_provider_killed_during_create_then_a_changed_declaration(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    _up_killed_mid_create(stack, emu)
    emu.clear_faults()
    stack.write_program(programs.ONE_GROUP.replace("servers(80)", "servers(81)"))
    stack.run("up")
    assert_invariants(emu, state_ids(stack))  # the killed create's group is not left behind
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_provider_killed_during_a_replacement_create_then_destroy(make_stack, emu):
    stack = _two_groups(make_stack)
    stack.write_program(programs.WEB_SERVERS_CHANGED)  # a replacement: Create while the old group exists
    _up_killed_mid_create(stack, emu)
    emu.clear_faults()
    stack.run("destroy")
    assert live_group_ids(emu) == set(), "destroy leaves no group behind, not even the killed create's"


def test_destroy_with_delete_protection_on_keeps_the_group_and_says_why(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(programs.PROTECTED)
    stack.run("up")
    group = stack.resources()["web"]["id"]
    emu.set_delete_protection("lb-demo-hangzhou", on=True)
    result = stack.run("destroy", check=False)
    assert not result.ok
    assert "DeleteProtection" in result.output or "delete protection" in result.output.lower()
    assert group in result.output
    assert live_group_ids(emu) == {group} and set(stack.resources()) == {"web"}
    emu.set_delete_protection("lb-demo-hangzhou", on=False)
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_no_secret_in_the_checkpoint(make_stack, emu):
    """The secret key is in the stack's config (encrypted); it never reaches a group's
    inputs or outputs, and its plaintext is nowhere in the backend."""
    stack = _two_groups(make_stack)
    raw = stack.export_raw()
    for name, resource in stack.resources().items():
        for value in (resource.get("inputs") or {}, resource.get("outputs") or {}):
            assert "secret" not in json.dumps(value).lower(), name
    assert "emulator-demo-secret" not in raw
    for root, _, names in os.walk(stack.backend):
        for name in names:
            assert b"emulator-demo-secret" not in Path(root, name).read_bytes(), name
