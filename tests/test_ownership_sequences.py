"""Ownership under the engine's own call sequences (issue 16), one test per case.

Every test drives the real `python -u -m pulumi.dynamic` provider process call by call,
in the order the Pulumi engine sends them (pkg/resource/deploy/step_generator.go), with a
FRESH provider process for every `pulumi` command, as the CLI starts one per run: nothing
may depend on calls an earlier process saw. The engine's part (its state: urn -> id,
inputs, outputs) is kept here in a few lines per sequence, not by harness.engine_harness,
so the sequences are exactly the ones listed:

- `pulumi up --replace <urn>` and `pulumi state taint` + `up`: Check(olds = {}, news), no
  Diff, Create, then Delete(old id, old outputs);
- a Diff-driven replace: Check(olds, news), Diff, Check({}, news), Create, Delete(old);
- `pulumi stack rename dev prod`: URNs rewritten, stored inputs and outputs kept;
- a rename with `aliases`: the renamed resource's Check gets the old inputs; a new
  resource of the old name may be created first;
- a provider process killed while the API applies a create: the engine keeps only a
  pending note; the next run Creates again (maybe with another declaration) or destroys.

After each step the emulator's groups are counted against every stack's state: no group
held by two resources, no state id pointing at a deleted group, no orphan, and no group in
state still marked pending.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup
from slb_master_slave.ownership import journal, maker
from slb_master_slave.ownership.tag import pending_value

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import scratch_project
from harness.makers import foreign_maker_token, gone_maker_token
from harness.program import collect_registrations
from harness.provider_process import ProviderError, ProviderProcess
from harness.stack_fixtures import start_provider

from .held_requests import last_logged, wait_for_held_requests, wait_until_held

OWNER_KEY = "slb-master-slave:owner"
TOKEN_KEY = "slb-master-slave:create-token"  # the first release's per-create tag
PENDING_PREFIX = "pending:"  # an owner tag value of a create that has not returned yet
TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
LB = "lb-demo-hangzhou"
CONFIG = {"slb-master-slave:timeoutSeconds": "10", "slb-master-slave:requestTimeoutSeconds": "2"}
HOLD = 1.0  # seconds the emulator holds a create while the provider process is killed
SERVERS_OUT = [{"server_id": "i-demo-web-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"},
               {"server_id": "i-demo-web-2", "port": 80, "weight": 100, "server_type": "Slave", "type": "ecs"}]


def urn_of(name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::project::{TYPE}::{name}"


def program(*declared: dict[str, Any], stack: str = "dev") -> list[Any]:
    """Registrations of a program declaring one group per dict (`resource` names it; `port`,
    `name`, `tags`, `adopt_id`, `aliases`, `parent_chain` optional)."""

    def prog() -> None:
        for d in declared:
            parent = None
            for depth, (typ, comp_name) in enumerate(d.get("parent_chain", ())):
                parent = pulumi.ComponentResource(typ, comp_name, None,
                                                  pulumi.ResourceOptions(parent=parent) if depth else None)
            opts = pulumi.ResourceOptions(parent=parent,
                                          aliases=[pulumi.Alias(name=a) for a in d.get("aliases", ())] or None)
            port = d.get("port", 80)
            MasterSlaveServerGroup(
                d["resource"],
                load_balancer_id=LB,
                name=d.get("name"),
                servers=[BackendServerArgs(server_id="i-demo-web-1", port=port),
                         BackendServerArgs(server_id="i-demo-web-2", port=port, server_type="Slave")],
                tags=d.get("tags"),
                adopt_id=d.get("adopt_id"),
                opts=opts,
            )

    return [r for r in collect_registrations(prog, project="project", stack=stack) if r.is_dynamic]


def one(*declared: dict[str, Any], stack: str = "dev"):
    [registration] = program(*declared, stack=stack)
    return registration


# -- the engine's side: a stack's state and the exact call sequences -------------------------


@dataclass
class Stack:
    """What the engine's checkpoint holds per resource: id, stored inputs, outputs."""

    name: str = "dev"
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ids(self) -> list[str]:
        return [r["id"] for r in self.resources.values()]

    def renamed(self, new_name: str) -> Stack:
        """`pulumi stack rename`: URNs rewritten, stored inputs and outputs left as they are."""
        moved = {urn.replace(f"urn:pulumi:{self.name}::", f"urn:pulumi:{new_name}::", 1): copy.deepcopy(r)
                 for urn, r in self.resources.items()}
        return Stack(new_name, moved)


def checked(p: ProviderProcess, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    result = p.check(urn, olds, copy.deepcopy(news))
    assert result.failures == [], result.failures
    return result.inputs


def up_create(p: ProviderProcess, stack: Stack, reg) -> str:
    """A resource new to the stack: Check({}, news), Create."""
    inputs = checked(p, reg.urn, {}, reg.inputs)
    group_id, outputs = p.create(reg.urn, inputs)
    stack.resources[reg.urn] = {"id": group_id, "inputs": inputs, "outputs": outputs}
    return group_id


def up_existing(p: ProviderProcess, stack: Stack, reg, *, old_urn: str | None = None) -> str:
    """A resource in state (under old_urn for an alias): Check(olds, news), Diff, then same,
    update, or the Diff-driven replace (Check({}, news), Create, Delete(old)). Returns the op."""
    prior = stack.resources.pop(old_urn or reg.urn)
    inputs = checked(p, reg.urn, prior["inputs"], reg.inputs)
    diff = p.diff(reg.urn, prior["id"], prior["outputs"], inputs, old_inputs=prior["inputs"])
    if diff.changes == "none":
        stack.resources[reg.urn] = {**prior, "inputs": inputs}
        return "same"
    if not diff.replaces:
        outputs = p.update(reg.urn, prior["id"], prior["outputs"], inputs, old_inputs=prior["inputs"])
        stack.resources[reg.urn] = {"id": prior["id"], "inputs": inputs, "outputs": outputs}
        return "update"
    fresh = checked(p, reg.urn, {}, reg.inputs)
    try:
        group_id, outputs = p.create(reg.urn, fresh)
    except ProviderError:
        stack.resources[reg.urn] = prior  # a failed create leaves the old generation in place
        raise
    stack.resources[reg.urn] = {"id": group_id, "inputs": fresh, "outputs": outputs}
    p.delete(reg.urn, prior["id"], prior["outputs"], old_inputs=prior["inputs"])
    return "replace"


def targeted_replace(p: ProviderProcess, stack: Stack, reg) -> str:
    """`pulumi up --replace <urn>` (and a tainted resource): Check with NO olds, NO Diff,
    Create, then Delete of the old generation."""
    prior = stack.resources[reg.urn]
    inputs = checked(p, reg.urn, {}, reg.inputs)
    group_id, outputs = p.create(reg.urn, inputs)  # a failure leaves the old generation in state
    stack.resources[reg.urn] = {"id": group_id, "inputs": inputs, "outputs": outputs}
    p.delete(reg.urn, prior["id"], prior["outputs"], old_inputs=prior["inputs"])
    return group_id


def preview(p: ProviderProcess, stack: Stack, regs: list[Any]) -> dict[str, str]:
    """Check(olds, news) and Diff per resource in state: "same", "update" or "replace"."""
    ops = {}
    for reg in regs:
        prior = stack.resources[reg.urn]
        inputs = checked(p, reg.urn, prior["inputs"], reg.inputs)
        diff = p.diff(reg.urn, prior["id"], prior["outputs"], inputs, old_inputs=prior["inputs"])
        ops[reg.name] = "same" if diff.changes == "none" else ("replace" if diff.replaces else "update")
    return ops


def refresh(p: ProviderProcess, stack: Stack) -> None:
    for urn, r in list(stack.resources.items()):
        got = p.read(urn, r["id"], r["outputs"], inputs=r["inputs"])
        if not got.id:
            del stack.resources[urn]
            continue
        stack.resources[urn] = {"id": got.id, "outputs": got.outputs,
                                "inputs": got.inputs if got.inputs is not None else r["inputs"]}


def destroy(p: ProviderProcess, stack: Stack) -> None:
    for urn, r in list(stack.resources.items()):
        p.delete(urn, r["id"], r["outputs"], old_inputs=r["inputs"])
        del stack.resources[urn]


# -- ground truth -----------------------------------------------------------------------------


def assert_settled_then_destroyed(pulumi_run: Callable[..., ProviderProcess], emu: EmulatorProcess, stack: Stack,
                                  reg: Any) -> None:
    """A refresh and the preview after it show no change (invariant 4), and destroy leaves no group."""
    p = pulumi_run()
    refresh(p, stack)
    assert preview(p, stack, [reg]) == {"web": "same"}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def assert_sound(emu: EmulatorProcess, *stacks: Stack, strays: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Invariants 1-3 over every stack: one holder per group, state ids live and completed,
    no orphan (every live group is held, or a group the test made outside)."""
    groups: dict[str, dict[str, Any]] = emu.groups_by_id()
    held = [gid for stack in stacks for gid in stack.ids()]
    assert len(held) == len(set(held)), f"one group held by two resources: {held}"
    assert set(held) <= set(groups), f"state points at deleted groups: {sorted(set(held) - set(groups))}"
    orphans = sorted(set(groups) - set(held) - set(strays))
    assert not orphans, f"orphans: {[(g, groups[g]['name'], groups[g]['tags']) for g in orphans]}"
    for gid in held:
        assert not groups[gid]["tags"].get(OWNER_KEY, "").startswith(PENDING_PREFIX), (
            f"{gid} is in state but still marked pending: {groups[gid]['tags']}")
    return groups


def assert_valid_tag_value(value: str) -> None:
    """The API's rules for a tag value."""
    assert len(value) <= 128, (len(value), value)
    lowered = value.lower()
    assert "http://" not in lowered and "https://" not in lowered, value
    assert not lowered.startswith(("aliyun", "acs:")), value

def make_group(emu: EmulatorProcess, name: str, tags: dict[str, str], port: int = 80) -> str:
    """A group made with the official SDK (outside Pulumi, or by an earlier release)."""
    servers = [{"ServerId": "i-demo-web-1", "Port": str(port), "Weight": "100", "ServerType": "Master", "Type": "ecs"},
               {"ServerId": "i-demo-web-2", "Port": str(port), "Weight": "100", "ServerType": "Slave", "Type": "ecs"}]
    params: dict[str, Any] = {"LoadBalancerId": LB, "MasterSlaveServerGroupName": name,
                              "MasterSlaveBackendServers": json.dumps(servers)}
    for n, (key, value) in enumerate(sorted(tags.items()), start=1):
        params[f"Tag.{n}.Key"] = key
        params[f"Tag.{n}.Value"] = value
    group_id: str = emu.call("CreateMasterSlaveServerGroup", **params)["MasterSlaveServerGroupId"]
    return group_id


def tag_calls(emu: EmulatorProcess) -> list[str]:
    return [a for a in emu.actions() if a in ("TagResources", "UntagResources")]


@pytest.fixture()
def pulumi_run(emulator: EmulatorProcess, tmp_path: Path) -> Iterator[Callable[..., ProviderProcess]]:
    """A fresh, configured provider process: what each `pulumi` command starts."""
    started: list[ProviderProcess] = []

    def start(**config: str) -> ProviderProcess:
        if started:
            started[-1].stop()  # the previous command has ended
        started.append(start_provider(scratch_project(tmp_path / f"run{len(started)}"), emulator,
                                      **{**CONFIG, **config}))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def refuse_once(emu: EmulatorProcess, action: str) -> None:
    """The next `action` is refused with 403 Forbidden.RAM (a RAM policy without it)."""
    emu.add_fault(kind="error", action=action, code="Forbidden.RAM", status=403, count=1,
                  message="User not authorized to operate on the specified resource.")


def kill_during_create(p: ProviderProcess, emu: EmulatorProcess, urn: str, inputs: dict[str, Any]) -> None:
    """The API receives the create and applies it while the provider process is killed:
    the engine only keeps a pending note, and never learns the id."""
    emu.add_fault(kind="latency", seconds=HOLD, action="CreateMasterSlaveServerGroup", count=1)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            p.create(urn, inputs)
        except ProviderError as error:
            errors.append(error)

    since = last_logged(emu)
    caller = threading.Thread(target=call)
    caller.start()
    wait_until_held(emu)
    p.kill()
    caller.join(10)
    assert errors, "the create must not have returned"
    wait_for_held_requests(emu, since, HOLD + 10)  # the held request lands
    emu.clear_faults()


# -- 1. `pulumi up --replace` and `pulumi state taint` ----------------------------------------


@pytest.mark.parametrize("command", ["up --replace", "state taint, then up"])
def test_targeted_replace_keeps_the_new_group_and_deletes_the_old(command: str, emu: EmulatorProcess,
                                                                   pulumi_run) -> None:
    """Both send Check with no olds, no Diff, Create, Delete(old) in a fresh process: the
    Create must never return the group the resource holds now."""
    stack = Stack()
    reg = one({"resource": "web"})
    old_id = up_create(pulumi_run(), stack, reg)
    new_id = targeted_replace(pulumi_run(), stack, reg)
    assert new_id != old_id
    assert list(assert_sound(emu, stack)) == [new_id], "exactly the new group is left"
    assert_settled_then_destroyed(pulumi_run, emu, stack, reg)


def test_diff_driven_replace_and_delete_before_replace_leave_one_group(emu: EmulatorProcess, pulumi_run) -> None:
    stack = Stack()
    up_create(pulumi_run(), stack, one({"resource": "web"}))
    assert up_existing(pulumi_run(), stack, one({"resource": "web", "port": 81})) == "replace"
    assert_sound(emu, stack)
    # delete-before-replace: Delete(old), then Check({}, news) and Create
    reg = one({"resource": "web", "port": 82})
    p = pulumi_run()
    prior = stack.resources.pop(reg.urn)
    p.delete(reg.urn, prior["id"], prior["outputs"])
    up_create(p, stack, reg)
    [group] = assert_sound(emu, stack).values()
    assert group["servers"][0]["Port"] == 82
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def test_a_targeted_replace_of_an_adopted_group_is_refused_and_deletes_nothing(emu: EmulatorProcess,
                                                                                pulumi_run) -> None:
    """`up --replace` of a resource that keeps adopt_id: Create(adopt_id = the group it holds)
    would return it, and the old half's Delete would then delete it."""
    outside = make_group(emu, "legacy", {})
    stack = Stack()
    reg = one({"resource": "legacy", "name": "legacy", "adopt_id": outside})
    assert up_create(pulumi_run(), stack, reg) == outside
    with pytest.raises(ProviderError) as refused:
        targeted_replace(pulumi_run(), stack, reg)
    text = refused.value.details
    assert outside in text and "adopt_id" in text and "Remove adopt_id" in text
    assert list(assert_sound(emu, stack)) == [outside], "the adopted group is still there, still in state"


def test_a_create_with_nineteen_tags_completes_in_the_twentieth_slot(emu: EmulatorProcess, pulumi_run) -> None:
    """The pending value and the completed one share the key: 19 user tags still fit."""
    nineteen = {f"k{i:02d}": "v" for i in range(19)}
    stack = Stack()
    reg = one({"resource": "web", "tags": nineteen})
    gid = up_create(pulumi_run(), stack, reg)
    assert emu.groups_by_id()[gid]["tags"] == {**nineteen, OWNER_KEY: reg.urn}
    new_id = targeted_replace(pulumi_run(), stack, reg)
    assert emu.groups_by_id()[new_id]["tags"] == {**nineteen, OWNER_KEY: reg.urn}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


# -- 2. stack rename, then a stack of the old name ----------------------------------------------


def test_stack_rename_then_a_new_stack_of_the_old_name_never_shares_a_group(emu: EmulatorProcess,
                                                                             pulumi_run) -> None:
    dev = Stack("dev")
    first = up_create(pulumi_run(), dev, one({"resource": "web"}))
    prod = dev.renamed("prod")  # prod's stored `owner` still names the dev URN
    dev = Stack("dev")
    second = up_create(pulumi_run(), dev, one({"resource": "web"}))
    assert second != first, "the new dev stack made its own group"
    assert_sound(emu, prod, dev)
    destroy(pulumi_run(), dev)
    assert list(assert_sound(emu, prod)) == [first], "destroying the new dev stack left prod's group alone"

    prod_reg = one({"resource": "web"}, stack="prod")
    p = pulumi_run()
    assert preview(p, prod, [prod_reg]) == {"web": "update"}, "the ownership tag follows the renamed stack, in place"
    assert up_existing(p, prod, prod_reg) == "update"
    assert emu.groups_by_id()[first]["tags"][OWNER_KEY] == prod_reg.urn
    assert_settled_then_destroyed(pulumi_run, emu, prod, prod_reg)


# -- 3. rename with aliases, and a new resource of the old name created first --------------------


def test_alias_rename_with_a_new_resource_of_the_old_name_created_first(emu: EmulatorProcess, pulumi_run) -> None:
    stack = Stack()
    old = up_create(pulumi_run(), stack, one({"resource": "web", "name": "web"}))
    regs = program({"resource": "web", "name": "web"}, {"resource": "frontend", "name": "web", "aliases": ["web"]})
    web, frontend = regs
    p = pulumi_run()
    state_of_old = stack.resources.pop(web.urn)  # the alias hands the old state to frontend...
    made = up_create(p, stack, web)  # ...but the new "web" is created before frontend is diffed
    stack.resources[frontend.urn + "#old"] = state_of_old
    assert made != old, "the new resource of the old name made its own group"
    assert up_existing(p, stack, frontend, old_urn=frontend.urn + "#old") == "update"
    groups = assert_sound(emu, stack)
    assert sorted(groups) == sorted([old, made])
    assert groups[old]["tags"][OWNER_KEY] == frontend.urn and groups[made]["tags"][OWNER_KEY] == web.urn
    p = pulumi_run()
    refresh(p, stack)
    assert preview(p, stack, regs) == {"web": "same", "frontend": "same"}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


# -- 4. a provider process killed while the API applies a create ---------------------------------


def test_killed_create_then_a_changed_declaration_leaves_no_orphan(emu: EmulatorProcess, pulumi_run) -> None:
    stack = Stack()
    reg = one({"resource": "web"})
    p = pulumi_run()
    kill_during_create(p, emu, reg.urn, checked(p, reg.urn, {}, reg.inputs))
    [left_behind] = emu.groups_by_id().values()
    assert left_behind["tags"][OWNER_KEY].startswith(PENDING_PREFIX), "a create that never returned is pending"
    changed = one({"resource": "web", "port": 81})  # `refresh --clear-pending-creates`, the program changed
    made = up_create(pulumi_run(), stack, changed)
    assert list(assert_sound(emu, stack)) == [made], "the leftover of the killed create was removed"
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def test_killed_create_then_the_same_declaration_takes_the_group_over(emu: EmulatorProcess, pulumi_run) -> None:
    stack = Stack()
    reg = one({"resource": "web", "tags": {"env": "dev"}})
    p = pulumi_run()
    kill_during_create(p, emu, reg.urn, checked(p, reg.urn, {}, reg.inputs))
    [left_behind] = emu.groups_by_id()
    again = one({"resource": "web", "tags": {"env": "prod"}})  # tags changed meanwhile: still the same group
    assert up_create(pulumi_run(), stack, again) == left_behind
    group = assert_sound(emu, stack)[left_behind]
    assert group["tags"] == {OWNER_KEY: reg.urn, "env": "prod"}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def test_killed_replacement_create_then_destroy_leaves_nothing(emu: EmulatorProcess, pulumi_run) -> None:
    """The old generation is in state; its Delete also removes what the killed create left."""
    stack = Stack()
    reg = one({"resource": "web"})
    up_create(pulumi_run(), stack, reg)
    changed = one({"resource": "web", "port": 81})
    p = pulumi_run()
    prior = stack.resources[reg.urn]
    inputs = checked(p, reg.urn, prior["inputs"], changed.inputs)
    assert p.diff(reg.urn, prior["id"], prior["outputs"], inputs).replaces
    kill_during_create(p, emu, reg.urn, checked(p, reg.urn, {}, changed.inputs))
    assert len(emu.groups_by_id()) == 2
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}, "destroy removed the group and the killed replacement's leftover"


def test_a_create_whose_completion_is_refused_deletes_its_group_and_leaves_nothing(emu: EmulatorProcess,
                                                                                   pulumi_run) -> None:
    """Issue 24, case 1: the completing TagResources refused (a RAM policy without
    slb:TagResources), then `destroy`: the create already removed what it made."""
    stack = Stack()
    reg = one({"resource": "web"})
    refuse_once(emu, "TagResources")
    with pytest.raises(ProviderError) as failed:
        up_create(pulumi_run(), stack, reg)
    assert emu.groups_by_id() == {}, "the group the create made is deleted again"
    assert "could not be marked complete" in failed.value.details and "Forbidden.RAM" in failed.value.details
    assert "It was deleted again: nothing is left behind" in failed.value.details
    assert emu.actions() == ["CreateMasterSlaveServerGroup", "TagResources", "DeleteMasterSlaveServerGroup"]
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}
    made = up_create(pulumi_run(), stack, reg)
    assert_sound(emu, stack) and list(emu.groups_by_id()) == [made]


def test_a_create_that_can_neither_complete_nor_delete_stays_pending_and_is_taken_over(emu: EmulatorProcess,
                                                                                        pulumi_run) -> None:
    """Only when the clean-up delete fails too does the pending group remain: the error names it
    and how it is settled, and the next create on this machine takes it over (its maker ended)."""
    stack = Stack()
    reg = one({"resource": "web"})
    for action in ("TagResources", "DeleteMasterSlaveServerGroup"):
        refuse_once(emu, action)
    with pytest.raises(ProviderError) as failed:
        up_create(pulumi_run(), stack, reg)
    [gid] = emu.groups_by_id()
    assert emu.groups_by_id()[gid]["tags"][OWNER_KEY].startswith(PENDING_PREFIX)
    assert f"group {gid} remains, marked pending" in failed.value.details
    assert "the next `pulumi up` of this resource on this machine" in failed.value.details
    assert "audit --delete-leftovers" in failed.value.details
    emu.clear_requests()
    assert up_create(pulumi_run(), stack, reg) == gid, "the next create takes it over"
    assert emu.actions() == ["DescribeMasterSlaveServerGroups", "DescribeMasterSlaveServerGroupAttribute",
                             "TagResources"], "one listing filtered on the exact value the journal names"
    assert_sound(emu, stack)
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def _journal_entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_create_refused_outright_leaves_no_journal_entry(emu: EmulatorProcess, pulumi_run,
                                                           _own_journal: Path) -> None:
    """Nothing was made, so nothing is noted for a later create to look for: refused creates
    (a quota, a policy) must not pile up in the user's cache."""
    stack = Stack()
    reg = one({"resource": "web"})
    refuse_once(emu, "CreateMasterSlaveServerGroup")
    with pytest.raises(ProviderError) as failed:
        up_create(pulumi_run(), stack, reg)
    assert "Forbidden.RAM" in failed.value.details
    assert emu.groups_by_id() == {} and _journal_entries(_own_journal) == []
    made = up_create(pulumi_run(), stack, reg)
    assert list(emu.groups_by_id()) == [made] and _journal_entries(_own_journal) == []


def test_a_create_refused_after_an_attempt_that_may_have_applied_keeps_its_journal_entry(
        emu: EmulatorProcess, pulumi_run, _own_journal: Path) -> None:
    """A dropped connection may have made a group the look-up did not show yet: a refusal of the
    next attempt proves nothing about the first, so the entry stays for the next create."""
    stack = Stack()
    reg = one({"resource": "web"})
    emu.add_fault(kind="drop_before", action="CreateMasterSlaveServerGroup", count=1)
    refuse_once(emu, "CreateMasterSlaveServerGroup")
    with pytest.raises(ProviderError):
        up_create(pulumi_run(), stack, reg)
    assert emu.groups_by_id() == {} and len(_journal_entries(_own_journal)) == 1
    made = up_create(pulumi_run(), stack, reg)  # looks for the noted value once, then forgets it
    assert list(emu.groups_by_id()) == [made] and _journal_entries(_own_journal) == []


def test_an_interrupted_adoption_is_taken_up_again(emu: EmulatorProcess, pulumi_run) -> None:
    reg = one({"resource": "legacy", "name": "legacy", "adopt_id": "rsp-placeholder"})
    # tagged pending by a provider process that was then killed
    gid = make_group(emu, "legacy", {OWNER_KEY: pending_value(reg.urn, gone_maker_token())})
    reg = one({"resource": "legacy", "name": "legacy", "adopt_id": gid})
    stack = Stack()
    assert up_create(pulumi_run(), stack, reg) == gid
    assert emu.groups_by_id()[gid]["tags"] == {OWNER_KEY: reg.urn}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def test_an_adoption_another_deployment_is_running_is_refused(emu: EmulatorProcess, pulumi_run) -> None:
    """The fence: a pending mark of this resource made elsewhere, minutes ago, may still complete."""
    reg = one({"resource": "legacy", "name": "legacy", "adopt_id": "rsp-placeholder"})
    value = pending_value(reg.urn, foreign_maker_token())
    gid = make_group(emu, "legacy", {OWNER_KEY: value})
    reg = one({"resource": "legacy", "name": "legacy", "adopt_id": gid})
    with pytest.raises(ProviderError) as refused:
        up_create(pulumi_run(), Stack(), reg)
    assert "being adopted or created for this resource by another deployment" in refused.value.details
    assert emu.groups_by_id()[gid]["tags"] == {OWNER_KEY: value}, "nothing was changed"


def test_a_create_never_takes_over_a_group_whose_maker_still_runs(emu: EmulatorProcess, pulumi_run) -> None:
    """A pending group this machine's journal names, made by a process that still runs (another
    checkout's `up` right now): the next create leaves it and makes its own group."""
    reg = one({"resource": "web"})
    running_maker = maker.this_process()  # this test's process: alive for the whole test
    value = pending_value(reg.urn, running_maker.token)
    in_flight = make_group(emu, "web", {OWNER_KEY: value})
    journal.record(journal.UnfinishedCreate(value, journal.Place.of(LB, "cn-hangzhou", emu.url, "emulator-demo-key"),
                                            started=time.time()))
    stack = Stack()
    made = up_create(pulumi_run(), stack, reg)
    assert made != in_flight and emu.groups_by_id()[in_flight]["tags"] == {OWNER_KEY: value}
    destroy(pulumi_run(), stack)
    assert list(emu.groups_by_id()) == [in_flight], "nor does the delete's sweep remove it"


def test_a_delete_sweeps_only_what_the_fence_calls_abandoned(emu: EmulatorProcess, pulumi_run) -> None:
    """A delete's sweep removes this stack's pending groups whose maker has ended, and leaves
    alone another deployment's create in flight (another machine, minutes old), a 0.4 pending
    group still inside the window, and another stack's leftovers."""
    reg = one({"resource": "web"})
    stack = Stack()
    up_create(pulumi_run(), stack, reg)
    abandoned = make_group(emu, "web", {OWNER_KEY: pending_value(reg.urn, gone_maker_token())}, port=81)
    in_flight = make_group(emu, "web", {OWNER_KEY: pending_value(reg.urn, foreign_maker_token())}, port=82)
    young_0_4 = make_group(emu, "web", {OWNER_KEY: PENDING_PREFIX + reg.urn}, port=83)
    elsewhere = make_group(emu, "web", {OWNER_KEY: pending_value(urn_of("web", "prod"), gone_maker_token())}, port=84)
    destroy(pulumi_run(), stack)
    assert set(emu.groups_by_id()) == {in_flight, young_0_4, elsewhere}, f"{abandoned} swept, nothing else"


def test_a_create_answered_but_never_saved_by_the_engine_is_left_never_shared(emu: EmulatorProcess,
                                                                               pulumi_run) -> None:
    """The known limit (README, Ownership): the engine dies after Create answered and before
    its checkpoint holds the group. The group is complete, exactly like the old half of a
    replacement, so the next create must not take it: it stays, tagged with its owner,
    for the user to delete (or adopt after removing its tag)."""
    reg = one({"resource": "web"})
    lost = up_create(pulumi_run(), Stack(), reg)  # answered; the engine never saved it
    stack = Stack()
    made = up_create(pulumi_run(), stack, reg)
    assert made != lost
    assert_sound(emu, stack, strays=(lost,))
    assert emu.groups_by_id()[lost]["tags"][OWNER_KEY] == reg.urn
    destroy(pulumi_run(), stack)
    assert list(emu.groups_by_id()) == [lost]


# -- 5. upgrades: groups made by the first release (create token) and by 0.2 (raw URN) -------------


def legacy_state(reg, group_id: str, tags: dict[str, str], *, release: str) -> dict[str, Any]:
    """The state an earlier release wrote: 0.1 had no owner and no delete_protection_validation."""
    outputs: dict[str, Any] = {"load_balancer_id": LB, "region_id": "cn-hangzhou", "name": "web",
                               "servers": copy.deepcopy(SERVERS_OUT), "tags": dict(tags),
                               "__provider": reg.inputs["__provider"]}
    if release == "0.2":
        outputs.update(owner=reg.inputs["owner"], delete_protection_validation=False)
    return {"id": group_id, "inputs": copy.deepcopy(outputs), "outputs": outputs}


def test_upgrade_from_the_first_release_tags_the_group_in_place(emu: EmulatorProcess, pulumi_run) -> None:
    gid = make_group(emu, "web", {TOKEN_KEY: "0f" * 16, "env": "dev"})
    reg = one({"resource": "web", "name": "web", "tags": {"env": "dev"}})
    stack = Stack(resources={reg.urn: legacy_state(reg, gid, {"env": "dev"}, release="0.1")})

    thief = one({"resource": "thief", "name": "web", "adopt_id": gid})
    p = pulumi_run()
    with pytest.raises(ProviderError) as refused:
        p.create(thief.urn, checked(p, thief.urn, {}, thief.inputs))
    assert gid in refused.value.details and TOKEN_KEY in refused.value.details
    assert emu.groups_by_id()[gid]["tags"] == {TOKEN_KEY: "0f" * 16, "env": "dev"}, "a refused adoption changes nothing"

    p = pulumi_run()
    refresh(p, stack)  # the first release's state has no owner: refresh reads, it cannot tag yet
    assert preview(p, stack, [reg]) == {"web": "update"}, "in place: never a replacement"
    emu.clear_requests()
    assert up_existing(pulumi_run(), stack, reg) == "update"
    assert tag_calls(emu) == ["UntagResources", "TagResources"]
    assert emu.groups_by_id()[gid]["tags"] == {OWNER_KEY: reg.urn, "env": "dev"}, "owned now; the create token is gone"
    p = pulumi_run()
    refresh(p, stack)
    assert preview(p, stack, [reg]) == {"web": "same"}
    assert_sound(emu, stack)
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def test_upgrade_from_0_2_refresh_keeps_a_valid_raw_urn_without_a_call(emu: EmulatorProcess, pulumi_run) -> None:
    reg = one({"resource": "web", "name": "web"})
    gid = make_group(emu, "web", {OWNER_KEY: reg.urn})
    stack = Stack(resources={reg.urn: legacy_state(reg, gid, {}, release="0.2")})
    emu.clear_requests()
    p = pulumi_run()
    refresh(p, stack)
    assert tag_calls(emu) == [], "a raw URN within the rules is already the current value"
    assert preview(p, stack, [reg]) == {"web": "same"}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


def long_parents() -> tuple[Any, ...]:
    return (("acme:platform:NetworkingComponentWithAVeryLongTypeName", "shared-networking-" + "n" * 40),
            ("acme:platform:LoadBalancingLayer", "edge-" + "e" * 40))


@pytest.mark.parametrize("first", ["refresh", "up"])
def test_upgrade_from_0_2_retags_a_long_urn_in_place(first: str, emu: EmulatorProcess, pulumi_run) -> None:
    """0.2 wrote the URN's first 63 characters, '~' and a SHA-256 for URNs over 128
    characters: refresh or the first up brings it to the current value, in place."""
    reg = one({"resource": "web", "name": "web", "parent_chain": long_parents()})
    owner = reg.inputs["owner"]
    assert len(owner) > 128
    legacy_value = owner[:63] + "~" + hashlib.sha256(owner.encode()).hexdigest()
    gid = make_group(emu, "web", {OWNER_KEY: legacy_value})
    stack = Stack(resources={reg.urn: legacy_state(reg, gid, {}, release="0.2")})
    p = pulumi_run()
    if first == "refresh":
        refresh(p, stack)
    else:
        assert preview(p, stack, [reg]) == {"web": "update"}
        assert up_existing(p, stack, reg) == "update"
    value = emu.groups_by_id()[gid]["tags"][OWNER_KEY]
    assert value != legacy_value
    assert_valid_tag_value(value)
    assert_settled_then_destroyed(pulumi_run, emu, stack, reg)


def test_upgrade_of_a_first_release_group_with_twenty_tags(emu: EmulatorProcess, pulumi_run) -> None:
    """The first release let users declare 20 tags (the token then made way). Preview says
    what to do; with one tag removed from the program the up frees the slot first."""
    twenty = {f"k{i:02d}": "v" for i in range(20)}
    gid = make_group(emu, "web", twenty)
    reg20 = one({"resource": "web", "name": "web", "tags": twenty})
    stack = Stack(resources={reg20.urn: legacy_state(reg20, gid, twenty, release="0.1")})
    p = pulumi_run()
    failures = p.check(reg20.urn, stack.resources[reg20.urn]["inputs"], reg20.inputs).failures
    assert failures and failures[0][0] == "tags"
    assert "19" in failures[0][1] and "ownership" in failures[0][1] and "remove one" in failures[0][1].lower()

    nineteen = {k: v for k, v in twenty.items() if k != "k19"}
    reg19 = one({"resource": "web", "name": "web", "tags": nineteen})
    assert up_existing(pulumi_run(), stack, reg19) == "update"
    assert emu.groups_by_id()[gid]["tags"] == {**nineteen, OWNER_KEY: reg19.urn}
    assert_settled_then_destroyed(pulumi_run, emu, stack, reg19)


def test_upgrade_of_a_group_with_a_twentieth_tag_added_outside_says_which_group(emu: EmulatorProcess,
                                                                                 pulumi_run) -> None:
    nineteen = {f"k{i:02d}": "v" for i in range(19)}
    gid = make_group(emu, "web", {**nineteen, "added-outside": "x"})
    reg = one({"resource": "web", "name": "web", "tags": nineteen})
    stack = Stack(resources={reg.urn: legacy_state(reg, gid, nineteen, release="0.1")})  # not refreshed since
    before = copy.deepcopy(stack.resources)
    with pytest.raises(ProviderError) as failed:
        up_existing(pulumi_run(), stack, reg)
    text = failed.value.details
    assert gid in text and "20 tags" in text and "remove one" in text.lower()
    stack.resources = before
    assert emu.groups_by_id()[gid]["tags"] == {**nineteen, "added-outside": "x"}, "nothing lost"
    refresh(pulumi_run(), stack)  # refresh sees the outside tag; the program then drops it in place
    assert up_existing(pulumi_run(), stack, reg) == "update"
    assert emu.groups_by_id()[gid]["tags"] == {**nineteen, OWNER_KEY: reg.urn}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


# -- 8. the ownership tag's value is valid for every Pulumi name ----------------------------------


@pytest.mark.parametrize("declared", [
    {"resource": "https://example.com/web", "name": "web"},
    {"resource": "web-" + "w" * 120, "name": "web", "parent_chain": long_parents()},
    {"resource": "aliyun-web", "name": "web", "parent_chain": (("HTTP://acs:Thing", "acs:x"),)},
], ids=["https-in-name", "long-urn", "reserved-words"])
def test_any_pulumi_name_gives_a_valid_owner_tag(declared: dict[str, Any], emu: EmulatorProcess, pulumi_run) -> None:
    stack = Stack()
    reg = one(declared)
    gid = up_create(pulumi_run(), stack, reg)
    value = emu.groups_by_id()[gid]["tags"][OWNER_KEY]
    assert_valid_tag_value(value)
    assert value == stack.resources[reg.urn]["outputs"]["owner_tag"], "state records the exact value written"
    new_id = targeted_replace(pulumi_run(), stack, reg)
    assert list(assert_sound(emu, stack)) == [new_id]
    p = pulumi_run()
    refresh(p, stack)
    assert preview(p, stack, [reg]) == {reg.name: "same"}
    destroy(pulumi_run(), stack)
    assert emu.groups_by_id() == {}


# -- 9. a busy load balancer ------------------------------------------------------------------------


def test_a_busy_load_balancer_with_an_answer_over_a_mebibyte(emu: EmulatorProcess, pulumi_run) -> None:
    full_tags = {f"{i:02d}-" + "k" * 61: "v" * 128 for i in range(20)}
    strays = tuple(make_group(emu, f"busy-{n}", full_tags, port=1000 + n) for n in range(250))
    unfiltered = emu.call("DescribeMasterSlaveServerGroups", LoadBalancerId=LB)
    assert len(json.dumps(unfiltered)) > 1024 * 1024, "the whole listing is over the provider's 1 MiB cap"

    stack = Stack()
    reg = one({"resource": "web"})
    up_create(pulumi_run(), stack, reg)
    targeted_replace(pulumi_run(), stack, reg)
    assert_sound(emu, stack, strays=strays)
    destroy(pulumi_run(), stack)
    assert sorted(emu.groups_by_id()) == sorted(strays), "only the strays are left, untouched"
