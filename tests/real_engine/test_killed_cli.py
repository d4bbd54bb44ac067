"""A provider process, a CLI or both killed while the API applies a create, through the real CLI,
the real provider process and the emulator (moved out of test_engine_sequences_cli.py so the two
modules run side by side).
After each: the emulator's groups, the checkpoint and the outputs agree (docs/ARCHITECTURE.md, "Ownership")."""

from __future__ import annotations

import os
import signal

import pytest

from harness.waiting import wait_for

from . import programs
from .invariants import (
    assert_invariants,
    live_group_ids,
    settled,
    state_ids,
    two_groups,
)
from .processes import language_host_pids, provider_pids, reap


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
        hosts = language_host_pids(process.pid)
        # The CLI goes first: killed after its provider, it could see the provider's end,
        # record the create as failed and clear the pending note before its own end comes
        # (a lost machine leaves no such window).
        if kill in ("cli", "everything"):
            os.kill(process.pid, signal.SIGKILL)
            reap(hosts)  # left running by the CLI's end (processes.language_host_pids)
        if kill in ("provider", "everything"):
            for pid in providers:
                os.kill(pid, signal.SIGKILL)

    result = stack.run("up", check=False, on_start=kill_when_created)
    assert not result.ok
    return result, providers


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
    settled(stack, emu, {"web_group_id": "web"})
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
    settled(stack, emu, {"web_group_id": "web"})
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
        reap(providers)
        emu.clear_faults()
    stack.remove_locks()
    stack.run("refresh", "--clear-pending-creates")
    stack.run("up")
    assert live_group_ids(emu) == {group["id"]}
    settled(stack, emu, {"web_group_id": "web"})
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
    stack = two_groups(make_stack)
    stack.write_program(programs.WEB_SERVERS_CHANGED)  # a replacement: Create while the old group exists
    _up_killed_mid_create(stack, emu)
    emu.clear_faults()
    stack.run("destroy")
    assert live_group_ids(emu) == set(), "destroy leaves no group behind, not even the killed create's"


