"""The engine harness's own tests, against the toy dynamic provider (not the product).

One real `python -m pulumi.dynamic` process serves the whole module; every test uses its
own state file and its own resource keys, and reads the toy's store filtered by them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from typing import Any

import pulumi
import pytest

from harness.engine_harness import (
    UNKNOWN,
    Engine,
    ProviderCrashed,
    ProviderError,
    RefreshResult,
    UpResult,
    load_state,
    scratch_project,
)
from harness.program import Registration, collect_registrations
from harness.provider_process import ProviderProcess, ProviderStartError
from harness.toy_provider import SecretToyThing, ToyThing, read_store

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the root, where harness/ lives
SECRET = "s3cret-value"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("harness")
    project = scratch_project(base, "toyproj")
    store = str(base / "toy-store.json")
    with ProviderProcess(project, extra_pythonpath=[TESTS_DIR]) as prov:
        prov.configure(
            {"toy:store": store, "toy:password": SECRET, "toyproj:plain": "p"},
            secret_keys=["toy:password"],
        )
        yield prov, store, base


class ToyEngine(Engine):
    """The harness's mechanics phase by phase: one shared toy process and no preview phase
    before up or refresh. The whole sequence the engine makes (a preview phase, a process
    per command) is checked against the real engine in tests/test_harness_matches_engine.py."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("process_per_command", False)
        super().__init__(*args, **kwargs)

    def up(self, registrations: Iterable[Registration], *, replace: Iterable[str] = (),
           targets: Iterable[str] | None = None, skip_preview: bool = True) -> UpResult:
        return super().up(registrations, replace=replace, targets=targets, skip_preview=skip_preview)

    def refresh(self, *, skip_preview: bool = True, clear_pending_creates: bool = False) -> RefreshResult:
        return super().refresh(skip_preview=skip_preview, clear_pending_creates=clear_pending_creates)


class World:
    """One test's view: its own state file, key prefix and store filter."""

    def __init__(self, env, tmp_path, parallelism: int = 16):
        self.prov, self.store, _ = env
        self.prefix = uuid.uuid4().hex[:8]
        self.state_path = str(tmp_path / "state.json")
        # The harness's own mechanics on one shared toy process; a process per command is
        # checked against the real engine in tests/test_harness_matches_engine.py.
        self.engine = ToyEngine(self.prov, self.state_path, parallelism=parallelism)

    def k(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def program(self, specs: dict[str, dict[str, Any]], opts: dict[str, Any] | None = None):
        """specs: resource name -> props; the toy key is prefixed for this test."""

        def prog():
            made: dict[str, Any] = {}
            for name, props in specs.items():
                o = (opts or {}).get(name)
                if o is not None and callable(o):
                    o = o(made)
                made[name] = ToyThing(name, {**props, "key": self.k(name)}, o)

        return collect_registrations(prog, project="toyproj")

    def events(self, op: str | None = None) -> list[dict[str, Any]]:
        evs = [e for e in read_store(self.store)["events"]
               if isinstance(e.get("key"), str) and e["key"].startswith(self.prefix)]
        return [e for e in evs if op is None or e["op"] == op]

    def objects(self) -> dict[str, Any]:
        return {i: o for i, o in read_store(self.store)["objects"].items()
                if str(o.get("key", "")).startswith(self.prefix)}

    def methods(self) -> list[str]:
        return [m for m, _ in self.engine.calls]


@pytest.fixture
def world(env, tmp_path):
    return World(env, tmp_path)


# ---------------------------------------------------------------------------------------


def test_program_registrations_carry_provider_and_engine_urns():
    def prog():
        a = ToyThing("a", {"n": 1, "region": pulumi.Config("alicloud").get("region")})
        SecretToyThing("b", {"x": a.id}, pulumi.ResourceOptions(depends_on=[a]))

    for _ in range(2):  # callable repeatedly in one process
        regs = collect_registrations(prog, config={"alicloud:region": "cn-hangzhou"})
        a, b = regs
        assert a.urn == "urn:pulumi:dev::project::pulumi-python:dynamic/toy:Thing::a"
        assert a.is_dynamic and a.custom
        assert a.inputs["region"] == "cn-hangzhou"
        assert a.inputs["n"] == 1.0 and isinstance(a.inputs["n"], float)
        # serialize_as_secret_always=False -> plain string; True -> unwrapped secret
        assert isinstance(a.inputs["__provider"], str)
        assert isinstance(b.inputs["__provider"], str)
        assert b.dependencies == [a.urn]
        assert b.inputs["x"] == "a-id"


def test_preview_unknowns_from_program_become_marker():
    from harness.program import DefaultMocks

    class NoV(DefaultMocks):
        def new_resource(self, args):
            st = dict(args.inputs)
            st.pop("v", None)
            return f"{args.name}-id", st

    def prog():
        a = ToyThing("a", {"v": None, "n": 1})
        ToyThing("b", {"x": a.v})  # type: ignore[attr-defined]  # a dynamic resource's outputs are set at run time

    regs = collect_registrations(prog, mocks=NoV(), preview=True)
    assert regs[1].inputs["x"] is UNKNOWN


def test_provider_start_failure_is_clear(tmp_path):
    # a "python" that cannot start the provider: the error names the cause from stderr
    fake = tmp_path / "fakepy"
    fake.write_text("#!/bin/sh\necho 'No module named pulumi.dynamic' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(ProviderStartError, match=r"No module named pulumi\.dynamic"):
        ProviderProcess(str(tmp_path), python=str(fake), start_timeout=10)


def test_preview_makes_no_mutating_call(world):
    regs = world.program({"a": {"n": 1}, "b": {"n": 2}})
    plan = world.engine.preview(regs)
    assert plan.ok
    assert [s.op for s in plan.steps] == ["create", "create"]
    assert set(world.methods()) == {"Check"}
    assert world.objects() == {}
    assert not os.path.exists(world.state_path) or load_state(world.state_path)["resources"] == []


def test_up_creates_then_second_up_is_noop(world):
    regs = world.program({"a": {"n": 1, "s": "x"}, "b": {"n": 2}})
    r1 = world.engine.up(regs)
    assert r1.ok, r1.errors
    objs = world.objects()
    assert len(objs) == 2
    state = load_state(world.state_path)
    assert [r["name"] for r in state["resources"]] == ["a", "b"]
    for r in state["resources"]:
        assert r["id"] in objs
        assert "__provider" in r["inputs"] and "__provider" in r["outputs"]
        assert r["outputs"]["types"]["n"] == "float"  # numbers arrive as floats
    # checked inputs were sent to Create
    assert world.methods() == ["Check", "Check", "Create", "Create"]
    creates = world.events("create")
    assert [e["key"] for e in creates] in ([world.k("a"), world.k("b")], [world.k("b"), world.k("a")])

    world.engine.calls.clear()
    e2 = ToyEngine(world.prov, world.state_path)  # a fresh engine reading the state file
    r2 = e2.up(world.program({"a": {"n": 1, "s": "x"}, "b": {"n": 2}}))
    assert r2.ok
    assert [s.op for s in r2.steps] == ["same", "same"]
    assert all(s.diff is not None and s.diff.changes == "none" for s in r2.steps)
    assert [m for m, _ in e2.calls] == ["Check", "Diff", "Check", "Diff"]
    # Diff got old OUTPUTS (with __provider), not old inputs
    assert all(e["provider_in_olds"] for e in world.events("diff"))
    assert world.objects() == objs


def test_input_change_is_an_update(world):
    world.engine.up(world.program({"a": {"n": 1}}))
    (oid,) = world.objects()
    world.engine.calls.clear()
    r = world.engine.up(world.program({"a": {"n": 2}}))
    assert r.ok
    assert [s.op for s in r.steps] == ["update"]
    assert world.methods() == ["Check", "Diff", "Update"]
    assert world.objects()[oid]["n"] == 2.0
    st = world.engine.resource(r.steps[0].urn)
    assert st["id"] == oid and st["inputs"]["n"] == 2.0 and st["outputs"]["n"] == 2.0


def test_bare_diff_result_is_unknown_and_engine_compares_inputs(world):
    world.engine.up(world.program({"a": {"n": 1, "bare_diff": True}}))
    world.engine.calls.clear()
    same = world.engine.preview(world.program({"a": {"n": 1, "bare_diff": True}}))
    assert same.steps[0].diff.changes == "unknown" and same.steps[0].op == "same"
    changed = world.engine.up(world.program({"a": {"n": 5, "bare_diff": True}}))
    assert changed.steps[0].diff.changes == "unknown" and changed.steps[0].op == "update"
    assert ("Update", changed.steps[0].urn) in world.engine.calls


def test_replace_is_create_before_delete(world):
    world.engine.up(world.program({"a": {"n": 1, "replace_on": ["n"]}, "b": {"n": 1}}))
    (old_a,) = [i for i, o in world.objects().items() if o["key"] == world.k("a")]
    seq0 = len(world.events())
    world.engine.calls.clear()
    r = world.engine.up(world.program({"a": {"n": 2, "replace_on": ["n"]}, "b": {"n": 1}}))
    assert r.ok, r.errors
    assert r.plan.ops[r.steps[0].urn] == "replace" and r.steps[0].replaces == ["n"]
    urn = r.steps[0].urn
    mine = [m for m, u in world.engine.calls if u == urn]
    assert mine == ["Check", "Diff", "Check", "Create", "Delete"]
    evs = world.events()[seq0:]
    checks = [e for e in evs if e["op"] == "check" and e["key"] == world.k("a")]
    assert [c["olds_empty"] for c in checks] == [False, True]  # the replace re-Checks with no olds
    create = next(e for e in evs if e["op"] == "create")
    delete = next(e for e in evs if e["op"] == "delete")
    assert delete["id"] == old_a and create["seq"] < delete["seq"]
    objs = world.objects()
    assert old_a not in objs and len(objs) == 2
    st = load_state(world.state_path)["resources"]
    assert [x["name"] for x in st] == ["a", "b"] and not any(x.get("delete") for x in st)


def test_replace_delete_before_replace(world):
    props = {"n": 1, "replace_on": ["n"], "delete_before_replace": True}
    world.engine.up(world.program({"a": props}))
    (old_a,) = world.objects()
    seq0 = len(world.events())
    world.engine.calls.clear()
    r = world.engine.up(world.program({"a": {**props, "n": 2}}))
    assert r.ok and r.steps[0].delete_before_replace
    assert world.methods() == ["Check", "Diff", "Check", "Delete", "Create"]
    evs = world.events()[seq0:]
    delete = next(e for e in evs if e["op"] == "delete")
    create = next(e for e in evs if e["op"] == "create")
    assert delete["id"] == old_a and delete["seq"] < create["seq"]


def test_delete_before_replace_resource_option(world):
    def opts(made):
        return pulumi.ResourceOptions(delete_before_replace=True)

    props = {"n": 1, "replace_on": ["n"]}
    world.engine.up(world.program({"a": props}, {"a": opts}))
    world.engine.calls.clear()
    regs = world.program({"a": {**props, "n": 2}}, {"a": opts})
    assert regs[0].delete_before_replace
    r = world.engine.up(regs)
    assert r.ok and r.steps[0].op == "replace" and r.steps[0].delete_before_replace
    assert world.methods() == ["Check", "Diff", "Check", "Delete", "Create"]


def test_old_half_of_replace_is_deleted_after_all_creates(world):
    world.engine.up(world.program({"a": {"n": 1, "replace_on": ["n"]}}))
    seq0 = len(world.events())
    r = world.engine.up(world.program({"a": {"n": 2, "replace_on": ["n"]}, "c": {"sleep": 0.3},
                                       "d": {"sleep": 0.3}}))
    assert r.ok
    evs = world.events()[seq0:]
    delete_seq = next(e["seq"] for e in evs if e["op"] == "delete")
    assert all(e["seq"] < delete_seq for e in evs if e["op"] == "create")


def test_failed_run_leaves_pending_delete_for_next_up(world):
    world.engine.up(world.program({"a": {"n": 1, "replace_on": ["n"]}, "b": {"n": 1}}))
    (old_a,) = [i for i, o in world.objects().items() if o["key"] == world.k("a")]
    r = world.engine.up(world.program({"a": {"n": 2, "replace_on": ["n"]},
                                       "b": {"n": 2, "fail": "update"}}))
    assert [op for _, op, _ in r.errors] == ["update"]
    st = load_state(world.state_path)["resources"]
    pending = [x for x in st if x.get("delete")]
    assert [x["id"] for x in pending] == [old_a] and old_a in world.objects()
    r2 = world.engine.up(world.program({"a": {"n": 2, "replace_on": ["n"]}, "b": {"n": 2}}))
    assert r2.ok and [s.op for s in r2.steps] == ["same", "update", "delete"]
    assert old_a not in world.objects()
    assert not any(x.get("delete") for x in load_state(world.state_path)["resources"])


def test_removed_resources_are_deleted_dependents_first(world):
    def opts(made):
        return pulumi.ResourceOptions(depends_on=[made["a"]])

    world.engine.up(world.program({"a": {"sleep": 0.2}, "b": {"n": 1}}, {"b": opts}))
    seq0 = len(world.events())
    r = world.engine.up(world.program({}))
    assert r.ok
    assert sorted(s.op for s in r.steps) == ["delete", "delete"]
    dels = [e["key"] for e in world.events("delete") if e["seq"] >= seq0]
    assert dels == [world.k("b"), world.k("a")]
    assert world.objects() == {} and load_state(world.state_path)["resources"] == []


def test_up_target_deletes_nothing_untargeted(world):
    """`pulumi up --target <urn>`: a resource gone from the program but not targeted stays."""
    world.engine.up(world.program({"a": {"n": 1}, "b": {"n": 1}}))
    regs = world.program({"a": {"n": 2}})
    world.engine.calls.clear()
    r = world.engine.up(regs, targets=[regs[0].urn])
    assert r.ok, r.errors
    assert world.methods() == ["Check", "Diff", "Update"]
    assert sorted(o["key"] for o in world.objects().values()) == [world.k("a"), world.k("b")]
    assert [x["name"] for x in load_state(world.state_path)["resources"]] == ["a", "b"]


def test_refresh_drops_object_deleted_out_of_band_and_takes_inputs(world):
    world.engine.up(world.program({"a": {"n": 1}, "b": {"n": 1, "report_inputs": True}}))
    ids = {o["key"]: i for i, o in world.objects().items()}
    # delete "a" behind the engine's back, drift "b"
    from harness import toy_provider

    toy_provider._store_path = world.store
    with toy_provider._store() as data:
        del data["objects"][ids[world.k("a")]]
        data["objects"][ids[world.k("b")]]["n"] = 7.0
    world.engine.calls.clear()
    r = world.engine.refresh()
    assert r.ok
    assert sorted(world.methods()) == ["Diff", "Read", "Read"]  # the engine diffs what it read (not what is gone)
    assert [u.split("::")[-1] for u in r.removed] == ["a"]
    st = load_state(world.state_path)["resources"]
    assert [x["name"] for x in st] == ["b"]
    assert st[0]["outputs"]["n"] == 7.0 and st[0]["inputs"]["n"] == 7.0
    assert "__provider" in st[0]["inputs"]


def test_destroy_empties_state_and_store(world):
    world.engine.up(world.program({f"r{i}": {"n": i} for i in range(5)}))
    assert len(world.objects()) == 5
    r = world.engine.destroy()
    assert r.ok and len(r.deleted) == 5
    assert world.objects() == {}
    assert load_state(world.state_path)["resources"] == []


def test_check_failures_are_reported_and_nothing_is_mutated(world):
    world.engine.up(world.program({"a": {"n": 1}}))
    before = world.objects()
    world.engine.calls.clear()
    r = world.engine.up(world.program({"a": {"n": 2}, "b": {"bad": 3}, "c": {"n": 1}}))
    assert not r.ok
    assert [(u.split("::")[-1], p, reason) for u, p, reason in r.failures] == [
        ("b", "bad", "BAD_VALUE: bad is 3.0")]
    assert [s.op for s in r.steps] == ["update", "failed", "create"]
    assert set(world.methods()) <= {"Check", "Diff"}
    assert world.objects() == before
    pv = world.engine.preview(world.program({"b": {"bad": "x"}}))
    assert pv.steps[0].failures == [("bad", "BAD_VALUE: bad is 'x'")]


def test_provider_exception_surfaces_as_provider_error(world):
    r = world.engine.up(world.program({"a": {"fail": "create"}}))
    assert not r.ok
    ((urn, op, err),) = r.errors
    assert op == "create" and isinstance(err, ProviderError)
    assert err.method == "Create"
    assert "Traceback" in err.details and "toy create failed on purpose" in err.details
    assert load_state(world.state_path)["resources"] == []  # a failed create adds nothing
    with pytest.raises(ProviderError, match="toy check failed on purpose"):
        world.prov.check(urn, {}, {"__provider": world.program({"x": {}})[0].inputs["__provider"],
                                   "fail": "check", "key": world.k("x")})


def test_failed_update_and_delete_keep_state(world):
    world.engine.up(world.program({"a": {"n": 1}, "b": {"n": 1}}))
    st0 = load_state(world.state_path)
    r = world.engine.up(world.program({"a": {"n": 2, "fail": "update"}, "b": {"n": 1}}))
    assert [(op, e.method) for _, op, e in r.errors] == [("update", "Update")]
    a0 = st0["resources"][0]
    a1 = world.engine.resource(a0["urn"])
    assert a1["outputs"] == a0["outputs"] and a1["inputs"] == a0["inputs"]
    # make b's delete fail: its stored outputs carry fail=delete
    world.engine.up(world.program({"a": {"n": 1}, "b": {"n": 1, "fail": "delete"}}))
    r2 = world.engine.destroy()
    assert [(u.split("::")[-1], op) for u, op, _ in r2.errors] == [("b", "delete")]
    assert [x["name"] for x in load_state(world.state_path)["resources"]] == ["b"]


def test_numbers_arrive_as_floats(world):
    world.engine.preview(world.program({"a": {"n": 1, "nested": {"port": 80}, "lst": [1, 2]}}))
    (chk,) = world.events("check")
    assert chk["types"]["n"] == "float" and chk["types"]["nested"] == "dict"
    world.engine.up(world.program({"a": {"n": 1, "none": None}}))
    (obj,) = world.objects().values()
    assert obj["types"]["n"] == "float" and "none" not in obj  # None-valued keys disappear


def test_secret_config_arrives_unwrapped(env):
    _prov, store, _ = env
    cfg = [e for e in read_store(store)["events"] if e["op"] == "configure"]
    assert cfg, "configure() runs on the first resource call"
    seen = cfg[0]["config"]
    assert set(seen) == {"toy:store", "toy:password", "toyproj:plain"}
    assert seen["toy:password"]["type"] == "str"
    assert seen["toy:password"]["sha256"] == hashlib.sha256(SECRET.encode()).hexdigest()


def test_unknown_inputs_reach_check_during_preview(world):
    regs = world.program({"a": {"n": 1}})
    regs[0].inputs["x"] = UNKNOWN
    regs[0].inputs["nested"] = {"m": UNKNOWN, "k": 1}
    plan = world.engine.preview(regs)
    assert plan.ok and plan.steps[0].inputs["x"] is UNKNOWN
    (chk,) = world.events("check")
    assert sorted(chk["unknown"]) == ["nested.m", "x"]
    # and on an existing resource, Diff sees them too
    world.engine.up(world.program({"a": {"n": 1}}))
    regs = world.program({"a": {"n": 1}})
    regs[0].inputs["n"] = UNKNOWN
    plan = world.engine.preview(regs)
    assert plan.steps[0].op == "update"
    assert world.events("diff")[-1]["changed"] == ["n"]


def test_creates_run_concurrently(env, tmp_path):
    w = World(env, tmp_path, parallelism=16)
    from harness import toy_provider

    toy_provider._store_path = w.store
    with toy_provider._store() as data:
        data["max_inflight"] = 0
    regs = w.program({f"r{i:02d}": {"sleep": 0.4} for i in range(20)})
    r = w.engine.up(regs)
    assert r.ok and len(w.objects()) == 20
    # the harness had more than 4 Create calls in flight at once ...
    assert w.engine.max_inflight > 4
    # ... and the provider process serves at most 4 at once (its thread pool of 4)
    assert read_store(w.store)["max_inflight"] == 4
    w.engine.destroy()


def test_pipelined_up_starts_creates_while_later_registrations_are_still_checked(env, tmp_path):
    w = World(env, tmp_path)
    w.engine.pipeline = True
    regs = w.program({f"p{i:02d}": {"sleep": 0.05} for i in range(8)})
    result = w.engine.up(regs)
    assert result.ok, result.errors
    methods = w.methods()
    assert methods.index("Create") < len(methods) - 1 - methods[::-1].index("Check"), \
        "the first Create happens before the last Check: planning and execution overlap"
    assert len(w.objects()) == 8


def test_pipelined_up_stops_at_a_failed_check_and_keeps_what_was_done(env, tmp_path):
    w = World(env, tmp_path)
    w.engine.pipeline = True
    regs = w.program({"a": {"n": 1}, "b": {"bad": 1}, "c": {"n": 3}})
    result = w.engine.up(regs)
    assert not result.ok and [u.split("::")[-1] for u, _, _ in result.failures] == ["b"]
    created = sorted(o["key"] for o in w.objects().values())
    assert created == [w.k("a")], "a was created before b's Check failed; c was never planned"
    assert [r["name"] for r in w.engine.state["resources"]] == ["a"]
    assert ("Check", regs[2].urn) not in w.engine.calls


# ---------------------------------------------------------------------------------------
# Crashes of the provider process (Engine.crash_during) and pending operations. Each test
# has its own provider process: the crash kills it, and the engine starts a fresh one.


@pytest.fixture
def crash_world(env, tmp_path):
    _, store, _ = env
    project = scratch_project(tmp_path, "toyproj")
    prov = ProviderProcess(project, extra_pythonpath=[TESTS_DIR])
    prov.configure({"toy:store": store}, secret_keys=[])
    w = World((prov, store, None), tmp_path)
    yield w
    w.engine.provider.stop()


def _configures(store: str) -> int:
    return sum(1 for e in read_store(store)["events"] if e["op"] == "configure")


def test_crash_during_create_leaves_a_pending_create_and_the_next_up_creates_again(crash_world):
    w = crash_world
    old_pid = w.engine.provider.pid
    trigger = w.engine.crash_during("Create", when=lambda: bool(w.objects()))
    r = w.engine.up(w.program({"a": {"n": 1, "crash_window": 5}}))
    assert trigger.fired and not trigger.missed
    assert not r.ok and r.crashed
    [(urn, op, err)] = r.errors
    assert op == "create" and isinstance(err, ProviderCrashed) and err.method == "Create"
    assert not w.engine.provider.alive()
    on_disk = load_state(w.state_path)
    assert on_disk["resources"] == []  # no id, no outputs: only the note
    assert [(o["type"], o["resource"]["urn"]) for o in on_disk["pending_operations"]] == [("creating", urn)]
    assert "id" not in on_disk["pending_operations"][0]["resource"]
    [first_id] = w.objects()  # the create was applied before the crash: nobody knows its id

    configures = _configures(w.store)
    r2 = ToyEngine(w.engine.provider, w.state_path)  # a new `pulumi up`, reading the checkpoint
    w.engine = r2
    up = r2.up(w.program({"a": {"n": 1}}))
    assert up.ok, up.errors
    assert up.pending_cleared == []  # the engine warns and keeps the note (tests/real_engine)
    assert r2.restarts == 1 and r2.provider.alive() and r2.provider.pid != old_pid
    assert _configures(w.store) > configures  # the fresh process was configured again
    assert [s.op for s in up.steps] == ["create"]  # Create again, no memory of the first
    objs = w.objects()
    assert len(objs) == 2 and first_id in objs  # the toy has no idempotency: the first one is orphaned
    state = load_state(w.state_path)
    assert [o["type"] for o in state["pending_operations"]] == ["creating"]
    assert [x["id"] for x in state["resources"]] == [i for i in objs if i != first_id]
    assert [o["type"] for o in r2.refresh(clear_pending_creates=True).pending_cleared] == ["creating"]
    assert "pending_operations" not in load_state(w.state_path)


def test_crash_during_update_keeps_the_old_outputs(crash_world):
    w = crash_world
    assert w.engine.up(w.program({"a": {"n": 1, "crash_window": 2}})).ok
    before = copy_state(w)
    (oid,) = w.objects()
    trigger = w.engine.crash_during("Update", when=lambda: w.objects()[oid]["n"] == 2.0)
    r = w.engine.up(w.program({"a": {"n": 2, "crash_window": 2}}))
    assert trigger.fired and r.crashed and [op for _, op, _ in r.errors] == ["update"]
    st = load_state(w.state_path)
    assert st["resources"] == before["resources"]
    assert [(o["type"], o["resource"]["id"]) for o in st["pending_operations"]] == [("updating", oid)]
    up = w.engine.up(w.program({"a": {"n": 2}}))
    assert up.ok and [s.op for s in up.steps] == ["update"] and w.engine.restarts == 1
    assert "pending_operations" not in load_state(w.state_path)


def test_crash_during_delete_keeps_the_resource_and_the_next_destroy_deletes_again(crash_world):
    w = crash_world
    assert w.engine.up(w.program({"a": {"n": 1, "crash_window": 2}})).ok
    (oid,) = w.objects()
    trigger = w.engine.crash_during("Delete", when=lambda: not w.objects())
    d = w.engine.destroy()
    assert trigger.fired and d.crashed and not d.ok
    st = load_state(w.state_path)
    assert [x["id"] for x in st["resources"]] == [oid], "the resource stays in state"
    assert [o["type"] for o in st["pending_operations"]] == ["deleting"]
    d2 = w.engine.destroy()
    assert d2.ok and [o["type"] for o in d2.pending_cleared] == ["deleting"]
    assert load_state(w.state_path) == {"resources": []}
    assert [e["existed"] for e in w.events("delete")] == [True, False]  # deleted again


def test_crash_during_refresh_leaves_state_unchanged_and_no_note(crash_world):
    w = crash_world
    assert w.engine.up(w.program({"a": {"n": 1, "crash_window": 2}})).ok
    before = copy_state(w)
    trigger = w.engine.crash_during("Read", after=0.3)
    r = w.engine.refresh()
    assert trigger.fired and r.crashed and [op for _, op, _ in r.errors] == ["read"]
    assert load_state(w.state_path) == before
    assert w.engine.up(w.program({"a": {"n": 1, "crash_window": 2}})).ok and w.engine.restarts == 1


def test_a_crash_armed_for_a_call_that_returns_first_kills_nothing(crash_world):
    w = crash_world
    trigger = w.engine.crash_during("Create", after=10)
    r = w.engine.up(w.program({"a": {"n": 1}}))
    trigger.join(15)
    assert r.ok and trigger.missed and not trigger.fired and w.engine.provider.alive()


def copy_state(w: World) -> dict[str, Any]:
    import copy as _copy

    return _copy.deepcopy(load_state(w.state_path))
