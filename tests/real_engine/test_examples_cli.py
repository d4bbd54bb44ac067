"""Every example stack through the real CLI: preview, up, a second preview that must show
no change (--expect-no-changes), refresh, destroy, and nothing left in the emulator."""

from __future__ import annotations

import json
import os

from .invariants import (
    assert_invariants,
    assert_outputs_match_state,
    live_group_ids,
    state_ids,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def _lifecycle(stack, emu, outputs_to_resources: dict[str, str], expected_groups: int) -> None:
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


def test_quickstart_root_stack(make_stack, emu):
    stack = make_stack(None)
    _lifecycle(stack, emu, {"web_group_id": "web", "api_group_id": "api"}, 2)


def test_basic_example(make_stack, emu):
    stack = make_stack(os.path.join(EXAMPLES, "basic"))
    _lifecycle(stack, emu, {"group_id": "basic"}, 1)


def test_lookup_example(make_stack, emu):
    stack = make_stack(os.path.join(EXAMPLES, "lookup"))
    _lifecycle(stack, emu, {}, 1)


def test_adopt_example_keeps_the_outside_group_until_destroy(make_stack, emu):
    outside = emu.call("CreateMasterSlaveServerGroup", LoadBalancerId="lb-demo-hangzhou",
                       MasterSlaveServerGroupName="legacy", MasterSlaveBackendServers=json.dumps([
                           {"ServerId": "i-demo-web-1", "Port": "8080", "Weight": "100", "ServerType": "Master"},
                           {"ServerId": "i-demo-web-3", "Port": "8080", "Weight": "100", "ServerType": "Slave"},
                       ]))["MasterSlaveServerGroupId"]
    stack = make_stack(os.path.join(EXAMPLES, "adopt"))
    stack.config_set("groupId", outside)
    stack.run("up")
    assert stack.resources()["legacy"]["id"] == outside
    assert live_group_ids(emu) == {outside}, "adoption creates nothing"
    stack.run("preview", "--expect-no-changes")
    stack.run("refresh")
    stack.run("preview", "--expect-no-changes")
    stack.run("destroy")
    assert live_group_ids(emu) == set()
