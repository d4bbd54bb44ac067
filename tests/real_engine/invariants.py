"""The promises of docs/ARCHITECTURE.md ("Ownership") checked from the outside: the emulator's groups against the
stacks' checkpoints (as `pulumi stack export` shows them) and the programs' outputs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from harness.pulumi_cli import CliStack

from . import programs


def live_group_ids(emu) -> set[str]:
    return set(emu.groups_by_id())


def state_ids(stack: CliStack, stack_names: list[str] | None = None) -> list[str]:
    """The group ids every named stack of this project references (the selected one by default)."""
    current = stack.stack
    ids: list[str] = []
    for name in stack_names or [current]:
        if name != stack.stack:
            stack.select(name)
        ids += [r["id"] for r in stack.resources().values() if r.get("id")]
    if stack.stack != current:
        stack.select(current)
    return ids


def assert_invariants(emu, referenced: list[str]) -> None:
    """1: no group owned twice, none orphaned; every group in any state is live."""
    live = live_group_ids(emu)
    twice = [gid for gid, n in Counter(referenced).items() if n > 1]
    assert not twice, f"groups referenced by two resources: {twice}"
    dangling = sorted(set(referenced) - live)
    assert not dangling, f"state points at groups that are gone: {dangling} (live: {sorted(live)})"
    orphans = sorted(live - set(referenced))
    assert not orphans, f"groups no state references (orphans): {orphans}"


def assert_outputs_match_state(stack: CliStack, output_to_resource: dict[str, str]) -> None:
    """The program's exported ids are the ids in the checkpoint."""
    outputs = stack.outputs()
    resources = stack.resources()
    for output, name in output_to_resource.items():
        assert outputs.get(output) == resources[name]["id"], (output, outputs.get(output), resources[name]["id"])


def assert_lifecycle(stack: CliStack, emu, outputs_to_resources: dict[str, str], expected_groups: int) -> None:
    """preview, up, a no-change preview, refresh, another, destroy, and nothing left."""
    preview = stack.run("preview")
    assert "to create" in preview.output
    assert live_group_ids(emu) == set(), "preview must not create anything"
    stack.run("up")
    assert len(live_group_ids(emu)) == expected_groups
    assert_invariants(emu, state_ids(stack))
    assert_outputs_match_state(stack, outputs_to_resources)
    stack.run("preview", "--expect-no-changes")  # invariant 4, right after up
    stack.run("refresh")
    stack.run("preview", "--expect-no-changes")  # and right after refresh
    assert_invariants(emu, state_ids(stack))
    stack.run("destroy")
    assert live_group_ids(emu) == set()
    assert stack.resources() == {}


def assert_adoption_lifecycle(stack: CliStack, emu) -> None:
    """examples/adopt: a group made outside Pulumi is adopted (nothing created), stays
    unchanged through preview and refresh, and goes with destroy."""
    outside = emu.call("CreateMasterSlaveServerGroup", LoadBalancerId="lb-demo-hangzhou",
                       MasterSlaveServerGroupName="legacy", MasterSlaveBackendServers=json.dumps([
                           {"ServerId": "i-demo-web-1", "Port": "8080", "Weight": "100", "ServerType": "Master"},
                           {"ServerId": "i-demo-web-3", "Port": "8080", "Weight": "100", "ServerType": "Slave"},
                       ]))["MasterSlaveServerGroupId"]
    stack.config_set("groupId", outside)
    stack.run("up")
    assert stack.resources()["legacy"]["id"] == outside
    assert live_group_ids(emu) == {outside}, "adoption creates nothing"
    stack.run("preview", "--expect-no-changes")
    stack.run("refresh")
    stack.run("preview", "--expect-no-changes")
    stack.run("destroy")
    assert live_group_ids(emu) == set()


# -- shared by the modules that start from two groups ----------------------------------------
BOTH = {"web_group_id": "web", "api_group_id": "api"}


def two_groups(make_stack: Callable[..., CliStack], **kwargs: Any) -> CliStack:
    """A new stack with programs.TWO_GROUPS, up."""
    stack = make_stack(None, **kwargs)
    stack.write_program(programs.TWO_GROUPS)
    stack.run("up")
    return stack


def settled(stack: CliStack, emu: Any, outputs: dict[str, str] = BOTH) -> None:
    """The groups, the checkpoint and the outputs agree, and a preview shows no change."""
    assert_invariants(emu, state_ids(stack))
    assert_outputs_match_state(stack, outputs)
    stack.run("preview", "--expect-no-changes")
