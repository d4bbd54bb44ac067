"""The engine's own call sequences, through the real CLI, the real provider process and the
emulator: targeted replace, taint, diff-driven replace, --target, out-of-band deletes, stack
rename, aliases, delete protection, secrets in the checkpoint (kills mid-create: test_killed_cli.py).
After each: the emulator's groups, the checkpoint and the outputs agree (docs/ARCHITECTURE.md, "Ownership")."""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import programs
from .invariants import (
    assert_invariants,
    live_group_ids,
    settled,
    state_ids,
    two_groups,
)


def test_preview_of_an_invalid_declaration_names_each_code_and_path_and_no_crash(make_stack, emu):
    """What the user reads at preview comes from check() in the provider process: each rule's
    code at its property path, no traceback, and no ProviderInternalError (a crash of ours)."""
    stack = make_stack(None)
    stack.write_program(programs.INVALID)
    result = stack.run("preview", check=False)
    assert not result.ok
    lines = result.output.splitlines()
    for path, code in (("servers[0].port", "RealServerPortNotSupport"), ("servers", "BACKEND_SERVERS_NUM_MUST_BE_TWO")):
        assert any(f"property {path} value" in line and f"has a problem: {code}: " in line for line in lines), \
            (path, code, result.output)
    assert "ProviderInternalError" not in result.output, result.output
    # No traceback of ours. (When the engine stops a failed preview, the official host's
    # pulumi-language-python-exec may print its own KeyboardInterrupt traceback: Pulumi's.)
    ours = [line for line in lines if line.strip().startswith("File ") and "pulumi-language-python-exec" not in line
            and ("slb_master_slave" in line or "pulumi/dynamic" in line)]
    assert not ours, result.output
    assert emu.requests() == [], "preview calls no API"


def test_up_replace_makes_a_new_group_and_deletes_only_the_old_one(make_stack, emu):
    stack = two_groups(make_stack)
    before = {name: r["id"] for name, r in stack.resources().items()}
    result = stack.run("up", "--replace", stack.urn("web"), trace=True)
    calls = [(c["method"], c["olds"]) for c in result.trace if c["name"] == "web"]
    assert ("Diff", True) not in calls and ("Create", False) in calls, calls  # the engine's sequence
    after = {name: r["id"] for name, r in stack.resources().items()}
    assert after["api"] == before["api"] and after["web"] != before["web"]
    assert live_group_ids(emu) == set(after.values())
    settled(stack, emu)
    stack.run("destroy")
    assert live_group_ids(emu) == set()


def test_state_taint_then_up_replaces_the_tainted_group(make_stack, emu):
    stack = two_groups(make_stack)
    before = stack.resources()["web"]["id"]
    stack.run("state", "taint", stack.urn("web"), "--yes")
    stack.run("up")
    after = stack.resources()["web"]["id"]
    assert after != before and before not in live_group_ids(emu)
    settled(stack, emu)


def test_diff_driven_replacement(make_stack, emu):
    stack = two_groups(make_stack)
    before = stack.resources()["web"]["id"]
    stack.write_program(programs.WEB_SERVERS_CHANGED)
    stack.run("up")
    assert stack.resources()["web"]["id"] != before
    settled(stack, emu)


def test_up_target_creates_only_the_target(make_stack, emu):
    stack = make_stack(None)
    stack.write_program(programs.TWO_GROUPS)
    stack.run("up", "--target", stack.urn("web"))
    assert set(stack.resources()) == {"web"}
    assert_invariants(emu, state_ids(stack))
    stack.run("up")
    settled(stack, emu)


def test_refresh_drops_a_group_deleted_out_of_band_and_up_recreates_it(make_stack, emu):
    stack = two_groups(make_stack)
    gone = stack.resources()["web"]["id"]
    emu.call("DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=gone)  # as a user would, outside Pulumi
    stack.run("refresh")
    assert set(stack.resources()) == {"api"}
    stack.run("up")
    assert stack.resources()["web"]["id"] != gone
    settled(stack, emu)


def test_stack_rename_then_a_new_stack_of_the_old_name_never_shares_groups(make_stack, emu):
    stack = two_groups(make_stack)
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
    settled(stack, emu, {"web_group_id": "web", "web2_group_id": "web2"})
    stack.run("destroy")
    assert live_group_ids(emu) == set()


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
    stack = two_groups(make_stack)
    raw = stack.export_raw()
    for name, resource in stack.resources().items():
        for value in (resource.get("inputs") or {}, resource.get("outputs") or {}):
            assert "secret" not in json.dumps(value).lower(), name
    assert "emulator-demo-secret" not in raw
    for root, _, names in os.walk(stack.backend):
        for name in names:
            assert b"emulator-demo-secret" not in Path(root, name).read_bytes(), name
