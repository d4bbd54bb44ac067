"""Never lose, orphan or duplicate a group: a stateful property-based test (issue 9).

Hypothesis drives one stack through random steps, through the real
`python -m pulumi.dynamic` provider process (played by harness.engine_harness.Engine)
and the SLB emulator:

- program edits: declare a group (two regions: lb-demo-hangzhou in cn-hangzhou and
  lb-demo-shanghai in cn-shanghai through the resource's `region_id`), declare a twin
  (a second resource declared identically), change tags (an update) or servers, port,
  name or a server's description (a replacement), remove a resource, adopt a group made
  outside (`adopt_id`, with an up at once) and later change it (tags; a description
  change keeping adopt_id, which replaces; servers, dropping adopt_id);
- runs: `up`, `refresh`, `destroy`, and `converge` (refresh, up, refresh, preview), each
  clean, or with one emulator fault (a request lost before or after it is applied, 503s,
  throttling, latency past the request timeout), or one answer mangled after the call
  was applied (harness.mangling_proxy, the provider's endpoint: HTML, truncated JSON,
  JSON without the call's fields, a body cut short), or with a crash of the provider process
  in the middle of a Create, Update, Delete or Read (Engine.crash_during; the API request
  is held by a latency fault and the process is killed while it is held, the request
  then lands ("applied") or is dropped ("not applied"));
- out-of-band changes through the official SDK: delete a stack's group, drift its tags,
  make a stray group on the load balancer that the stack must never touch;
- what users do (issue 24): a completion refused while the clean-up delete is refused too
  (the `stranded` fault: the group stays pending for the next up); another deployment of
  the same names creating one of the stack's resources right now (a group pending for that
  resource, made by a process on another machine minutes ago, which nothing may take over or
  delete); a state rolled back to an earlier snapshot (`pulumi stack import`: the groups it
  forgot stay, completed, for the audit);
- the engine's sequences the harness's up does not play, driven call by call, each in a
  fresh provider process (nothing the provider kept from earlier calls survives):
  `pulumi up --replace <urn>` and taint (Check with no olds, no Diff, Create, Delete of the
  old group), `pulumi stack rename` (URNs rewritten, stored inputs kept) followed by a new
  stack of the old name that goes up and is destroyed, an `aliases` rename with a new
  resource of the old name (same declaration) created before the renamed one is diffed,
  and an upgrade (the state and tags release 0.1 or 0.2 left for one group). After every
  clean up each group carries its resource's completed ownership tag and no create token.

After every step the invariants are checked (`ownership_invariants`; the run rules
check `clean-up-works` and `no-change` themselves, `teardown` at the end):

  unique-owner      no two resources in state hold the same group id;
  state-true        every resource in state has its live group, unless that group was
                    deleted outside (or by a crashed delete) and no refresh ran since;
  no-orphan         every live group is in state, or a stray the test made outside and
                    did not adopt, or the leftover of a crashed create the engine itself
                    forgot (a pending create dropped by destroy or by an up that no
                    longer declares it, or re-declared differently): the provider cannot
                    know about those. A pending create of the same declaration that the
                    next up creates again must NOT leave its first group behind;
  clean-up-works    an up without faults or crashes of a valid program succeeds and the
                    live groups match the declarations (skipped while the state knows of
                    a group that is gone, an adopted group is missing, or an adopted
                    group was changed so it needs a replacement with adopt_id kept: the
                    provider may refuse that, safely);
  no-change         converge: after a successful refresh, up and refresh, a preview
                    shows every resource "same";
  teardown          a final destroy without faults succeeds, empties the state and
                    leaves exactly the strays.

A failure prints the invariant, the steps so far (with each run's outcome) and the
state and live groups; hypothesis then shrinks the sequence and prints the minimal one
and a `@reproduce_failure` blob. The search is not derandomized.

Knobs (environment):
  SLB_STATEFUL_EXAMPLES   examples (default 12; e.g. 200 for a long run)
  SLB_STATEFUL_STEPS      steps per example (default 15)
  SLB_STATEFUL_VERBOSE=1  print every example's steps and outcomes (run pytest with -s)
  SLB_STATEFUL_SHRINK=0   report the first failing sequence as found, without shrinking
                          (shrinking replays crashes and can take up to ~5 minutes)
  SLB_STATEFUL_KINDS      comma-separated step kinds to enable (default: all):
                          declare,twin,change,remove,region,adopt,refresh,destroy,
                          converge,outside,fault,crash,replace,rename,alias,upgrade,
                          concurrent,rollback
                          `up` is always on. Without `region`, decls stay in
                          cn-hangzhou; without `adopt`, no adoption. To see it green
                          against a provider that cannot do everything yet, enable
                          only some kinds; the provider before the data-safety fixes
                          (65fc2bf) passed
                          SLB_STATEFUL_KINDS=declare,twin,change,remove,refresh,destroy,converge,outside,fault
                          and failed with region, adopt or crash. The provider before
                          issue 16 (4c8b825) fails each of replace, rename, alias and
                          upgrade within one example.

    SLB_STATEFUL_EXAMPLES=200 SLB_STATEFUL_STEPS=25 bash scripts/test.sh -q tests/test_stateful.py
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar, NoReturn

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from slb_master_slave.ownership.tag import (
    LEGACY_TOKEN_KEY,
    OWNER_TAG_KEY,
    owner_value,
    pending_value,
)
from slb_master_slave.provider.internal_error import INTERNAL_ERROR_CODE

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.makers import foreign_maker_token
from harness.mangling_proxy import MANGLES, ManglingProxy
from harness.program import collect_registrations
from harness.provider_process import ProviderError, ProviderProcess
from harness.stack_fixtures import start_provider

from .held_requests import last_logged, wait_for_held_requests

ALL_KINDS = ("declare", "twin", "change", "remove", "region", "adopt", "refresh", "destroy", "converge",
             "outside", "fault", "crash", "replace", "rename", "alias", "upgrade", "concurrent", "rollback")
# The engine's sequences that no up of the harness plays, driven call by call in a fresh
# provider process: `up --replace` / taint (replace), `stack rename` then a new stack of the
# old name (rename), an `aliases` rename with a new resource of the old name created first
# (alias), and the state and tags an earlier release left (upgrade).
SEQUENCES = {"replace": ("up --replace", "taint")}
KINDS = frozenset(k.strip() for k in os.environ.get("SLB_STATEFUL_KINDS", ",".join(ALL_KINDS)).split(",") if k.strip())
_unknown = KINDS - set(ALL_KINDS) - {"up"}
if _unknown:
    raise ValueError(f"SLB_STATEFUL_KINDS: unknown step kinds {sorted(_unknown)}; known: {', '.join(ALL_KINDS)}")
EXAMPLES = int(os.environ.get("SLB_STATEFUL_EXAMPLES", "12"))
STEPS = int(os.environ.get("SLB_STATEFUL_STEPS", "15"))
VERBOSE = os.environ.get("SLB_STATEFUL_VERBOSE") == "1"  # print every example's steps (with -s)
SHRINK = os.environ.get("SLB_STATEFUL_SHRINK", "1") != "0"

TIMEOUT_SECONDS = "4"  # the provider's budget per operation: faults resolve fast
REQUEST_TIMEOUT = "1"
SLOW = 1.6  # latency past the request timeout
HOLD = 0.8  # how long a crash holds the API request (below the request timeout)
TOKEN_PREFIX = "slb-master-slave:"

LB = {"hz": "lb-demo-hangzhou", "sh": "lb-demo-shanghai"}
REGION = {"hz": "cn-hangzhou", "sh": "cn-shanghai"}
# (server_id, type, server_ip) for the Master then the Slave
SERVER_SETS: dict[str, list[tuple[tuple[str, str, str | None], ...]]] = {
    "hz": [(("i-demo-web-1", "ecs", None), ("i-demo-web-2", "ecs", None)),
           (("i-demo-web-2", "ecs", None), ("i-demo-web-3", "ecs", None)),
           (("eni-demo-1", "eni", "192.168.0.21"), ("eci-demo-1", "eci", "192.168.0.31"))],
    "sh": [(("i-demo-sh-1", "ecs", None), ("i-demo-sh-2", "ecs", None)),
           (("i-demo-sh-2", "ecs", None), ("i-demo-sh-1", "ecs", None))],
}
NAMES = ("g0", "g1", "g2", "g3")
TAG_SETS = ((), (("env", "dev"),), (("env", "prod"), ("team", "blue")))

ACTIONS = {
    "create": "CreateMasterSlaveServerGroup",
    "delete": "DeleteMasterSlaveServerGroup",
    "tag": "TagResources",
    "untag": "UntagResources",
    "describe": "DescribeMasterSlaveServerGroupAttribute",
    "list": "DescribeMasterSlaveServerGroups",
}
FAULT_KINDS: dict[str, Callable[[str], list[dict[str, Any]]]] = {
    "drop_before": lambda a: [dict(kind="drop_before", action=a, count=1)],
    "drop_after": lambda a: [dict(kind="drop_after", action=a, count=1)],
    "slow": lambda a: [dict(kind="latency", seconds=SLOW, action=a, count=1)],
    "503x2": lambda a: [dict(kind="error", code="ServiceUnavailable", status=503, action=a, count=2,
                             message="The request has failed due to a temporary failure of the server.")],
    "throttled": lambda a: [dict(kind="error", code="Throttling.User", status=400, action=a, count=2,
                                 message="Request was denied due to user flow control.")],
    # a RAM policy without slb:TagResources and slb:DeleteMasterSlaveServerGroup: the next
    # create's completion is refused, and so is its clean-up (the action drawn is ignored)
    "stranded": lambda a: [dict(kind="error", code="Forbidden.RAM", status=403, action=action, count=1,
                                message="User not authorized to operate on the specified resource.")
                           for action in ("TagResources", "DeleteMasterSlaveServerGroup")],
}
CRASH_ACTIONS = {
    "Create": ("CreateMasterSlaveServerGroup",),
    "Update": ("UntagResources", "TagResources"),
    "Delete": ("DeleteMasterSlaveServerGroup",),
    "Read": ("DescribeMasterSlaveServerGroupAttribute",),
}


@dataclass(frozen=True)
class Decl:
    """One resource of the program, as the test declares it."""

    region: str = "hz"
    servers: int = 0  # index into SERVER_SETS[region]
    port: int = 80
    name: str = "web"
    tags: tuple[Any, ...] = ()
    desc: str | None = None  # the Master's description: part of servers, so a change replaces
    adopt_id: str | None = None

    def server_list(self) -> list[dict[str, Any]]:
        out = []
        for (sid, typ, ip), role in zip(SERVER_SETS[self.region][self.servers], ("Master", "Slave")):
            s: dict[str, Any] = {"server_id": sid, "port": self.port, "server_type": role}
            if typ != "ecs":
                s["type"] = typ
            if ip:
                s["server_ip"] = ip
            if self.desc and role == "Master":
                s["description"] = self.desc
            out.append(s)
        return out

    def key(self) -> tuple[Any, ...]:
        """What identifies the group on the API: load balancer, name, (server, port) pairs."""
        return (LB[self.region], self.name, tuple(sorted((s["server_id"], self.port) for s in self.server_list())))


def _last_line(error: BaseException) -> str:
    lines = str(getattr(error, "details", error)).strip().splitlines()
    return lines[-1] if lines else type(error).__name__


def live_key(group: dict[str, Any]) -> tuple[Any, ...]:
    return (group["load_balancer_id"], group["name"],
            tuple(sorted((s["ServerId"], int(s["Port"])) for s in group["servers"])))


def inputs_key(inputs: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        return (inputs["load_balancer_id"], inputs.get("name", ""),
                tuple(sorted((s["server_id"], int(s["port"])) for s in inputs["servers"])))
    except (KeyError, TypeError, ValueError):
        return None


def _not_excused(live: dict[str, dict[str, Any]], group_ids: list[str], forgotten: list[tuple[Any, ...]]) -> list[str]:
    """The groups left after a destroy that no leftover the engine itself forgot (a dropped
    pending create) accounts for; each forgotten key excuses one group."""
    allowed = list(forgotten)
    left = []
    for gid in group_ids:
        key = live_key(live[gid])
        if key in allowed:
            allowed.remove(key)
        else:
            left.append(gid)
    return left


def user_tags(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group["tags"].items() if not k.startswith(TOKEN_PREFIX)}


def program(decls: dict[str, Decl], stack: str = "dev") -> list[Any]:
    from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

    def prog() -> None:
        for res, d in decls.items():
            MasterSlaveServerGroup(
                res,
                load_balancer_id=LB[d.region],
                servers=[BackendServerArgs(**s) for s in d.server_list()],
                name=d.name,
                region_id=REGION[d.region] if d.region != "hz" else None,
                tags=dict(d.tags) or None,
                adopt_id=d.adopt_id,
            )

    return collect_registrations(prog, project="project", stack=stack)


# ---------------------------------------------------------------------------------------
# Out of band: the official SDK against the emulator.


def sdk_call(emu: EmulatorProcess, region: str, action: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = emu.call(action, region=REGION[region], **params)
    return answer


def create_outside(emu: EmulatorProcess, d: Decl) -> str:
    servers = []
    for s in d.server_list():
        item = {"ServerId": s["server_id"], "Port": s["port"], "ServerType": s["server_type"],
                "Type": s.get("type", "ecs"), "Weight": 100}
        if s.get("server_ip"):
            item["ServerIp"] = s["server_ip"]
        if s.get("description"):
            item["Description"] = s["description"]
        servers.append(item)
    group_id: str = sdk_call(emu, d.region, "CreateMasterSlaveServerGroup", LoadBalancerId=LB[d.region],
                             MasterSlaveServerGroupName=d.name,
                             MasterSlaveBackendServers=json.dumps(servers))["MasterSlaveServerGroupId"]
    return group_id


# ---------------------------------------------------------------------------------------
# Strategies


def _decls() -> st.SearchStrategy[Decl]:
    regions = ["hz", "sh"] if "region" in KINDS else ["hz"]

    @st.composite
    def build(draw: st.DrawFn) -> Decl:
        region = draw(st.sampled_from(regions))
        return Decl(region=region, servers=draw(st.integers(0, len(SERVER_SETS[region]) - 1)),
                    port=draw(st.sampled_from([80, 81])), name=draw(st.sampled_from(["web", "api"])),
                    tags=draw(st.sampled_from(TAG_SETS)), desc=draw(st.sampled_from([None, "primary"])))

    return build()


# emulator faults, and answers mangled by harness.mangling_proxy after the emulator applied
# the call (HTML, truncated JSON, JSON without the call's fields, a body cut short)
FAULTS = st.tuples(st.sampled_from(sorted(FAULT_KINDS) + list(MANGLES)), st.sampled_from(sorted(ACTIONS)))


def _events(crash_methods: tuple[str, ...]) -> st.SearchStrategy:
    """None (a clean run), ("fault", kind, action) or ("crash", method, applied)."""
    options: list[st.SearchStrategy] = [st.none()]
    if "fault" in KINDS:
        options.append(FAULTS.map(lambda f: ("fault", *f)))
    if "crash" in KINDS:
        options.append(st.tuples(st.just("crash"), st.sampled_from(crash_methods), st.booleans()))
    return st.one_of(*options)


# ---------------------------------------------------------------------------------------


@dataclass
class Shared:
    """What lives for the whole module: the emulator and the (latest) provider process."""

    emu: EmulatorProcess
    provider: ProviderProcess
    proxy: ManglingProxy  # the provider's endpoint: passes everything through unless told to mangle
    tmp: str
    examples: int = 0


class InvariantBroken(AssertionError):
    pass


class SlbStack(RuleBasedStateMachine):
    """One stack's life. The model: the program (`decls`), the strays made outside, and
    what the test knows the stack may legitimately be unaware of."""

    # Set by the module's `shared` fixture: hypothesis builds the machine without arguments.
    module_shared: ClassVar[Shared | None] = None

    def __init__(self) -> None:
        super().__init__()
        shared = SlbStack.module_shared
        assert shared is not None, "the shared fixture starts the emulator and the provider"
        self.shared = shared
        self.emu = shared.emu
        shared.examples += 1
        self.emu.reset()
        shared.proxy.clear()
        state_dir = tempfile.mkdtemp(prefix=f"stateful-{shared.examples}-", dir=shared.tmp)
        # One provider process across commands (process_per_command=False) keeps the search
        # fast (a process per command and phase costs it ~7x); the engine's own sequences and
        # a fresh process per command are checked against the real engine's traces
        # (tests/test_harness_matches_engine.py) and driven by tests/test_ownership_sequences.py
        # and tests/real_engine; the replace, rename, alias and upgrade rules here start fresh
        # processes themselves.
        self.engine = Engine(shared.provider, os.path.join(state_dir, "state.json"), process_per_command=False)
        self.decls: dict[str, Decl] = {}
        self.stack = "dev"  # `pulumi stack rename` changes it (the engine_sequence rule)
        self.strays: set[str] = set()  # made outside, not (yet) adopted
        self.adopted: set[str] = set()  # made outside, then seen in state: the stack owns them
        self.gone: set[str] = set()  # ids deleted outside / by a crashed delete, not refreshed since
        self.drifted: set[str] = set()  # ids whose tags were changed outside, not refreshed since
        self.pending: dict[str, tuple[Any, ...]] = {}  # urn -> declaration key of a crashed create
        self.readopt: set[str] = set()  # adopted resources changed so they need a replacement, adopt_id kept
        self.forgotten: list[tuple[Any, ...]] = []  # keys of groups the engine dropped with a pending create
        self.in_flight_elsewhere: set[str] = set()  # another deployment's pending groups: never touched
        self.snapshot: tuple[str, dict[str, Any]] | None = None  # (stack, `pulumi stack export`) taken earlier
        self.trace: list[str] = []
        self.in_step = False
        self.broken = False

    # -- bookkeeping ---------------------------------------------------------------------

    def _step(self, text: str) -> None:
        self.in_step = True
        self.trace.append(text)

    def _done(self, note: str = "") -> None:
        if note:
            self.trace[-1] += f"  -> {note}"
        if INTERNAL_ERROR_CODE in note:  # a failed step may be the faults' doing; a crash of check() never is
            self._fail("check-never-crashes", note)
        self.shared.provider = self.engine.provider  # a crash restarts it: later examples use the live one
        self.in_step = False

    def _fail(self, invariant_name: str, detail: str) -> NoReturn:
        self.broken = True
        live = self.live()
        lines = [f"invariant {invariant_name!r} broken: {detail}", "steps:"]
        lines += [f"  {i + 1}. {t}" for i, t in enumerate(self.trace)]
        lines.append("program: " + (", ".join(f"{k}={v}" for k, v in self.decls.items()) or "(empty)"))
        lines.append("state: " + json.dumps([{"name": r["name"], "id": r["id"], "delete": r.get("delete", False)}
                                             for r in self.engine.resources()]))
        if self.engine.pending_operations:
            lines.append("pending operations: " + json.dumps([(o["type"], o["resource"]["urn"].split("::")[-1])
                                                               for o in self.engine.pending_operations]))
        lines.append("live groups: " + json.dumps([{"id": g["id"], "lb": g["load_balancer_id"], "name": g["name"],
                                                    "servers": [(s["ServerId"], s["Port"]) for s in g["servers"]],
                                                    "tags": user_tags(g)} for g in live.values()]))
        lines.append(f"strays {sorted(self.strays)} adopted {sorted(self.adopted)} gone {sorted(self.gone)} "
                     f"forgotten-by-engine {self.forgotten} pending {self.pending}")
        raise InvariantBroken("\n".join(lines))

    def live(self) -> dict[str, dict[str, Any]]:
        return {g["id"]: g for g in self.emu.state()["groups"]}

    @staticmethod
    def _outcome(result: Any) -> str:
        if result.ok:
            return "ok"
        parts = []
        for urn, op, err in getattr(result, "errors", []):
            text = str(err).strip().splitlines()
            parts.append(f"{urn.split('::')[-1]} {op}: {text[-1][:300] if text else type(err).__name__}")
        for urn, prop, reason in getattr(result, "failures", []):
            parts.append(f"{urn.split('::')[-1]} check {prop}: {reason[:120]}")
        crashed = " CRASHED" if getattr(result, "crashed", False) else ""
        return "FAILED" + crashed + ("; " + "; ".join(parts) if parts else "")

    def _urn(self, res: str) -> str:
        return f"urn:pulumi:{self.stack}::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::{res}"

    # -- running an operation with a fault or a crash ----------------------------------

    def _with_event(self, event: tuple[Any, ...] | None, run: Callable[[], Any]) -> Any:
        if event is None:
            return run()
        if event[0] == "fault":
            _, kind, action = event
            return self._with_fault(kind, action, run)
        _, method, applied = event
        return self._with_crash(method, applied, run)

    def _with_fault(self, kind: str, action: str, run: Callable[[], Any]) -> Any:
        """Run with one emulator fault or one mangled answer on the action's calls."""
        emu = self.emu
        if kind in MANGLES:
            self.shared.proxy.mangle(ACTIONS[action], kind)
        else:
            for spec in FAULT_KINDS[kind](ACTIONS[action]):
                emu.add_fault(**spec)
        since = last_logged(emu)
        try:
            return run()
        finally:
            if kind == "slow":  # a held request still lands: wait for it before judging
                wait_for_held_requests(emu, since, SLOW + 10)
            emu.clear_faults()
            self.shared.proxy.clear()

    def _with_crash(self, method: str, applied: bool, run: Callable[[], Any]) -> Any:
        """Run and kill the provider process while a call of `method` is held at the API."""
        emu = self.emu
        # Every request of the action is held (and dropped, for "not applied") until the
        # faults are cleared: parallel calls in flight all meet the same fate, so a replay
        # of the example does what the first run did.
        for action in CRASH_ACTIONS[method]:
            emu.add_fault(kind="latency", seconds=HOLD, action=action)
            if not applied:
                emu.add_fault(kind="drop_before", action=action)

        def held() -> bool:
            return any(f["kind"] == "latency" and f["fired"] for f in emu.faults())

        since = last_logged(emu)
        trigger = self.engine.crash_during(method, when=held, timeout=HOLD + 3)
        try:
            result = run()
        finally:
            trigger.join(HOLD + 5)
            if trigger.fired:  # the held request lands (or is dropped) before we look
                wait_for_held_requests(emu, since, HOLD + 10)
            emu.clear_faults()
        self.trace[-1] += " [killed]" if trigger.fired else " [no kill: the call never reached the API]"
        live = self.live()
        for op in self.engine.pending_operations:
            # a delete applied under a crash: the engine keeps the resource (pending delete)
            if op["type"] == "deleting" and op["resource"].get("id") not in live:
                self.gone.add(op["resource"]["id"])
        return result

    def _note_pending_creates(self) -> None:
        for op in self.engine.pending_operations:
            if op["type"] == "creating":
                key = inputs_key(op["resource"]["inputs"])
                if key is not None:
                    self.pending[op["resource"]["urn"]] = key

    def _note_failed_creates(self, result: Any) -> None:
        """A create that could neither complete its group nor delete it again says so: its
        group stays pending for that resource, as a crashed create's does (ownership/create.py)."""
        declared = {self._urn(r): d.key() for r, d in self.decls.items()}
        for urn, op, err in getattr(result, "errors", []):
            if op in ("create", "replace") and "remains, marked pending" in str(err) and urn in declared:
                self.pending[urn] = declared[urn]

    def _resolve_pending(self, result: Any, destroyed: bool) -> None:
        """After an up or destroy dropped the pending creates: which leftovers the engine
        forgot (the provider cannot know them), and which the provider must account for."""
        if not self.pending:
            return
        created = {u for u, op in getattr(result, "done", []) if op in ("create", "replace")}
        declared = {self._urn(r): d.key() for r, d in self.decls.items()}
        for urn, key in list(self.pending.items()):
            if destroyed or urn not in declared or declared[urn] != key:
                self.forgotten.append(key)
                del self.pending[urn]
            elif urn in created:
                del self.pending[urn]  # created again, same declaration: the provider's job
        self._note_pending_creates()

    def _after_refresh(self, result: Any) -> None:
        if result.ok:
            self.gone.clear()
            self.drifted.clear()

    def _expect_clean_up_to_work(self) -> bool:
        """A valid program without faults must go through, unless the state knows of a
        group that is gone (Update/Delete of it fail until a refresh) or an adoption
        target is missing."""
        live = self.live()
        if any(r["id"] not in live for r in self.engine.resources()):
            return False
        in_state = {r["urn"] for r in self.engine.resources() if not r.get("delete")}
        for res in self.readopt:
            # A replacement of an adopted group that keeps adopt_id would adopt the group
            # it is about to delete: refusing it is right (nothing may be lost either way,
            # which the ownership invariants check).
            d = self.decls.get(res)
            if d is not None and d.adopt_id and self._urn(res) in in_state:
                return False
        for res, d in self.decls.items():
            if d.adopt_id and self._urn(res) not in in_state and d.adopt_id not in live:
                return False
        return True

    def _check_converged(self, what: str) -> None:
        live = self.live()
        by_urn = {r["urn"]: r for r in self.engine.resources() if not r.get("delete")}
        for res, d in self.decls.items():
            entry = by_urn.get(self._urn(res))
            if entry is None:
                self._fail("clean-up-works", f"{what}: {res} is declared but not in state")
            group = live.get(entry["id"])
            if group is None:
                self._fail("clean-up-works", f"{what}: {res} holds {entry['id']}, which does not exist")
            if live_key(group) != d.key():
                self._fail("clean-up-works", f"{what}: {res}'s group {entry['id']} is {live_key(group)}, "
                                             f"declared {d.key()}")
            owner = group["tags"].get(OWNER_TAG_KEY)
            if owner != owner_value(self._urn(res)) or LEGACY_TOKEN_KEY in group["tags"]:
                self._fail("clean-up-works", f"{what}: {res}'s group {entry['id']} carries {OWNER_TAG_KEY}={owner!r}"
                                             f" (and {sorted(group['tags'])}), not this resource's completed value")
            if entry["id"] not in self.drifted and user_tags(group) != dict(d.tags):
                self._fail("clean-up-works", f"{what}: {res}'s group {entry['id']} has tags {user_tags(group)}, "
                                             f"declared {dict(d.tags)}")
        extra = [r["name"] for r in self.engine.resources() if r["urn"] not in {self._urn(x) for x in self.decls}
                 or r.get("delete")]
        if extra:
            self._fail("clean-up-works", f"{what}: state still holds {extra} after a successful up")

    # -- program edits -------------------------------------------------------------------

    @initialize(decls=st.lists(_decls(), min_size=1, max_size=3), event=_events(("Create",)))
    def start(self, decls: list[Decl], event: tuple[Any, ...] | None) -> None:
        """Every example starts by deploying a stack, so the search spends its steps on
        changes to something that exists; that first up may itself meet a fault or be
        interrupted (the most common crash: the first deployment dies)."""
        for res, d in zip(NAMES, decls):
            self.decls[res] = d
        self._step("start: " + ", ".join(f"{k}={v}" for k, v in self.decls.items()) + f"; up {event or ''}".rstrip())
        expect = event is None and self._expect_clean_up_to_work()
        result = self._with_event(event, lambda: self.engine.up(program(self.decls, self.stack)))
        self._note_pending_creates()
        self._note_failed_creates(result)
        self._done(self._outcome(result))
        if expect:
            if not result.ok:
                self._fail("clean-up-works", f"an up without faults failed: {self._outcome(result)}")
            self._check_converged("after a clean up")

    def _free(self) -> list[str]:
        return [n for n in NAMES if n not in self.decls]

    @precondition(lambda self: "declare" in KINDS)
    @rule(slot=st.integers(0, len(NAMES) - 1), decl=_decls())
    def declare(self, slot: int, decl: Decl) -> None:
        free = self._free()
        if not free:
            return
        res = free[slot % len(free)]
        self._step(f"declare {res} = {decl}")
        self.decls[res] = decl
        self._done()

    @precondition(lambda self: "twin" in KINDS and any(d.adopt_id is None for d in self.decls.values()))
    @rule(pick=st.integers(0, 7))
    def twin(self, pick: int) -> None:
        free = self._free()
        if not free:
            return
        sources = sorted(r for r, d in self.decls.items() if d.adopt_id is None)
        src = sources[pick % len(sources)]
        self._step(f"twin {free[0]} = {src} ({self.decls[src]})")
        self.decls[free[0]] = self.decls[src]
        self._done()

    @precondition(lambda self: "change" in KINDS and bool(self.decls))
    @rule(pick=st.integers(0, 7), what=st.sampled_from(["tags", "description", "servers", "port", "name"]),
          tags=st.sampled_from(TAG_SETS), choice=st.integers(0, 7))
    def change(self, pick: int, what: str, tags: tuple[Any, ...], choice: int) -> None:
        res = sorted(self.decls)[pick % len(self.decls)]
        d = self.decls[res]
        if what == "tags":
            new = replace(d, tags=tags)
        elif what == "description":
            # a replacement that keeps adopt_id: the adopted group stays as declared otherwise
            new = replace(d, desc=None if d.desc else "primary")
            if d.adopt_id:
                self.readopt.add(res)
        elif what == "servers":
            new = replace(d, servers=choice % len(SERVER_SETS[d.region]), adopt_id=None)
        elif what == "port":
            new = replace(d, port=81 if d.port == 80 else 80, adopt_id=None)
        else:
            new = replace(d, name="api" if d.name == "web" else "web", adopt_id=None)
        # Other replacements of an adopted group drop adopt_id (keeping it would declare a
        # group that does not exist): the stack then owns a new group.
        self._step(f"change {res}: {what} -> {new}")
        self.decls[res] = new
        self._done()

    @precondition(lambda self: "adopt" in KINDS and "change" in KINDS
                  and any(d.adopt_id for d in self.decls.values()))
    @rule(pick=st.integers(0, 7), what=st.sampled_from(["tags", "description", "servers"]),
          tags=st.sampled_from(TAG_SETS))
    def change_adopted(self, pick: int, what: str, tags: tuple[Any, ...]) -> None:
        """What happens to adopted groups afterwards is where ownership bugs hide: a rule of
        its own, so the search gets there often."""
        adopted = sorted(r for r, d in self.decls.items() if d.adopt_id)
        res = adopted[pick % len(adopted)]
        d = self.decls[res]
        if what == "tags":
            new = replace(d, tags=tags)
        elif what == "description":
            new = replace(d, desc=None if d.desc else "primary")  # replaced, adopt_id kept
            self.readopt.add(res)
        else:
            new = replace(d, servers=(d.servers + 1) % len(SERVER_SETS[d.region]), adopt_id=None)
        self._step(f"change adopted {res}: {what} -> {new}")
        self.decls[res] = new
        self._done()

    @precondition(lambda self: "remove" in KINDS and bool(self.decls))
    @rule(pick=st.integers(0, 7))
    def remove(self, pick: int) -> None:
        res = sorted(self.decls)[pick % len(self.decls)]
        self._step(f"remove {res}")
        del self.decls[res]
        self._done()

    @precondition(lambda self: "adopt" in KINDS)
    @rule(decl=_decls())
    def adopt(self, decl: Decl) -> None:
        free = self._free()
        if not free:
            return
        res = free[0]
        gid = create_outside(self.emu, replace(decl, tags=()))
        self.strays.add(gid)
        self._step(f"adopt {res}: made {gid} outside, declared with adopt_id ({decl}); up")
        self.decls[res] = replace(decl, adopt_id=gid)
        # adopting is what an up does with the declaration: run it now, so the search
        # spends its steps on what happens to adopted groups afterwards
        expect = self._expect_clean_up_to_work()
        result = self.engine.up(program(self.decls, self.stack))
        self._done(self._outcome(result))
        if expect:
            if not result.ok:
                self._fail("clean-up-works", f"an up without faults failed: {self._outcome(result)}")
            self._check_converged("after a clean up")

    # -- runs ----------------------------------------------------------------------------

    @rule(event=_events(("Create", "Update", "Delete")))
    def up(self, event: tuple[Any, ...] | None) -> None:
        self._step(f"up {event or ''}".strip())
        expect = event is None and self._expect_clean_up_to_work()
        result = self._with_event(event, lambda: self.engine.up(program(self.decls, self.stack)))
        self._note_pending_creates()
        self._resolve_pending(result, destroyed=False)
        self._note_failed_creates(result)
        self._done(self._outcome(result))
        if expect:
            if not result.ok:
                self._fail("clean-up-works", f"an up without faults failed: {self._outcome(result)}")
            self._check_converged("after a clean up")

    @precondition(lambda self: "refresh" in KINDS)
    @rule(event=_events(("Read",)))
    def refresh(self, event: tuple[Any, ...] | None) -> None:
        self._step(f"refresh {event or ''}".strip())
        result = self._with_event(event, self.engine.refresh)
        self._after_refresh(result)
        self._done(self._outcome(result))
        if event is None and not result.ok:
            self._fail("clean-up-works", f"a refresh without faults failed: {self._outcome(result)}")

    @precondition(lambda self: "destroy" in KINDS)
    @rule(event=_events(("Delete",)))
    def destroy(self, event: tuple[Any, ...] | None) -> None:
        self._step(f"destroy {event or ''}".strip())
        result = self._with_event(event, self.engine.destroy)
        self._resolve_pending(result, destroyed=True)
        self._done(self._outcome(result))
        if event is None and not result.ok and not self.gone:
            self._fail("teardown", f"a destroy without faults failed: {self._outcome(result)}")

    @precondition(lambda self: "converge" in KINDS)
    @rule()
    def converge(self) -> None:
        """refresh, up, refresh, preview: the preview must show no change."""
        self._step("converge (refresh, up, refresh, preview)")
        r1 = self.engine.refresh()
        self._after_refresh(r1)
        expect = self._expect_clean_up_to_work()
        up = self.engine.up(program(self.decls, self.stack))
        self._resolve_pending(up, destroyed=False)
        self._note_failed_creates(up)
        if expect and up.ok:
            self._check_converged("converge, after its up")  # before a refresh hides the cause
        r2 = self.engine.refresh()
        self._after_refresh(r2)
        plan = self.engine.preview(program(self.decls, self.stack))
        changes = [(s.urn.split("::")[-1], s.op) for s in plan.steps if s.op != "same"]
        self._done(f"refresh {self._outcome(r1)}, up {self._outcome(up)}, refresh {self._outcome(r2)}, "
                   f"preview {changes or 'no change'}")
        if not (r1.ok and r2.ok):
            self._fail("clean-up-works", "a refresh without faults failed")
        if expect:
            if not up.ok:
                self._fail("clean-up-works", f"an up without faults failed: {self._outcome(up)}")
            self._check_converged("converge")
            if changes:
                detail = [(s.urn.split("::")[-1], s.op, s.replaces) for s in plan.steps if s.op != "same"]
                self._fail("no-change", f"preview after up and refresh shows changes {detail}")

    # -- the engine's own sequences, call by call, each in a fresh provider process ---------

    def _managed(self) -> list[str]:
        """Declared resources whose live group the state holds (no pending delete)."""
        live = self.live()
        held = {r["urn"]: r["id"] for r in self.engine.resources() if not r.get("delete")}
        return sorted(r for r in self.decls if held.get(self._urn(r)) in live)

    def _fresh_provider(self) -> ProviderProcess:
        """What a new `pulumi` command starts: a new process, configured again. Nothing the
        provider may have kept from earlier calls survives it."""
        self.engine.provider = self.engine.provider.restarted()
        return self.engine.provider

    def _sequence_ready(self, kind: str) -> bool:
        return (kind in KINDS and not self.engine.pending_operations and not self.pending and not self.gone
                and bool(self._managed()))

    def _sequence(self, which: str, pick: int, run: Callable[[str], str]) -> None:
        managed = self._managed()
        res = managed[pick % len(managed)]
        self._step(f"{which} {res}")
        self._done(run(res))

    @precondition(lambda self: self._sequence_ready("replace"))
    @rule(which=st.sampled_from(SEQUENCES["replace"]), pick=st.integers(0, 7))
    def targeted_replace(self, which: str, pick: int) -> None:
        self._sequence(which, pick, self._targeted_replace)

    @precondition(lambda self: self._sequence_ready("rename"))
    @rule()
    def stack_rename(self) -> None:
        self._step("stack rename, then a new stack of the old name: up, destroy")
        self._done(self._stack_rename())

    @precondition(lambda self: self._sequence_ready("alias"))
    @rule(pick=st.integers(0, 7))
    def alias_rename(self, pick: int) -> None:
        self._sequence("alias rename", pick, self._alias_rename)

    @precondition(lambda self: self._sequence_ready("upgrade"))
    @rule(release=st.sampled_from(["0.1", "0.2"]), pick=st.integers(0, 7))
    def upgrade(self, release: str, pick: int) -> None:
        self._sequence(f"upgrade from {release}", pick, lambda res: self._upgrade(res, release))

    def _state_entry(self, res: str) -> dict[str, Any]:
        """The resource's entry in the state (the sequences run only on resources in state)."""
        entry = self.engine.resource(self._urn(res))
        assert entry is not None, f"{res} is not in the state"
        return entry

    def _registration(self, res: str) -> Any:
        return next(r for r in program(self.decls, self.stack) if r.urn == self._urn(res))

    def _targeted_replace(self, res: str) -> str:
        """`pulumi up --replace <urn> --target <urn>` (and taint): Check with no olds, no Diff,
        Create, then Delete of the old generation."""
        p = self._fresh_provider()
        d = self.decls[res]
        entry = self._state_entry(res)
        reg = self._registration(res)
        checked = p.check(reg.urn, {}, copy.deepcopy(reg.inputs))
        try:
            new_id, outputs = p.create(reg.urn, checked.inputs)
        except ProviderError as error:
            if d.adopt_id is None:
                self._fail("clean-up-works", f"the replacement's create failed: {_last_line(error)}")
            return f"create refused: {_last_line(error)[:120]}"  # adopt_id kept: it would adopt what it replaces
        old = dict(entry)
        entry.update(id=new_id, inputs=checked.inputs, outputs=outputs)
        self.engine.save()
        try:
            p.delete(reg.urn, old["id"], old["outputs"], old_inputs=old["inputs"])
        except ProviderError as error:
            self.engine.state["resources"].append({**old, "delete": True})
            self.engine.save()
            self._fail("clean-up-works", f"the old half's delete failed: {_last_line(error)}")
        live = self.live()
        if new_id == old["id"] or new_id not in live or old["id"] in live:
            self._fail("clean-up-works", f"replaced {old['id']} by {new_id}; live now {sorted(live)}")
        if live_key(live[new_id]) != d.key():
            self._fail("clean-up-works", f"the new group {new_id} is {live_key(live[new_id])}, declared {d.key()}")
        return f"{old['id']} -> {new_id}"

    def _stack_rename(self) -> str:
        """`pulumi stack rename`: URNs rewritten, stored inputs and outputs (the owner among
        them) kept; then a new stack of the old name with the same program goes up and is
        destroyed. It must take none of the renamed stack's groups, nor delete them."""
        old_stack, new_stack = self.stack, "prod" if self.stack == "dev" else "dev"
        for entry in self.engine.state["resources"]:
            entry["urn"] = entry["urn"].replace(f"urn:pulumi:{old_stack}::", f"urn:pulumi:{new_stack}::", 1)
        self.stack = new_stack
        self.engine.save()
        mine = {r["id"] for r in self.engine.resources()}
        other = Engine(self._fresh_provider(), os.path.join(os.path.dirname(self.engine.state_path),
                                                            f"stack-{old_stack}-{len(self.trace)}.json"))
        # adoptions left out: the new stack must not (and cannot) adopt the renamed stack's groups
        up = other.up(program({r: replace(d, adopt_id=None) for r, d in self.decls.items()}, old_stack))
        theirs = {r["id"] for r in other.resources()}
        if not up.ok:
            self._fail("clean-up-works", f"the new {old_stack} stack's up failed: {self._outcome(up)}")
        if mine & theirs:
            self._fail("unique-owner", f"the new {old_stack} stack holds the renamed stack's groups {sorted(mine & theirs)}")
        gone = other.destroy()
        live = self.live()
        if not gone.ok or theirs & set(live):
            self._fail("teardown", f"the new {old_stack} stack's destroy: {self._outcome(gone)}, left {sorted(theirs & set(live))}")
        if mine - set(live):
            self._fail("state-true", f"destroying the new {old_stack} stack deleted {sorted(mine - set(live))}")
        return f"{old_stack} -> {new_stack}; a new {old_stack} stack made and destroyed {sorted(theirs)}"

    def _alias_rename(self, res: str) -> str:
        """`aliases` rename of res to a free name, and a new resource of the old name with the
        same declaration, which the engine creates before it diffs the renamed one."""
        free = self._free()
        if not free:
            return "no free name"
        renamed, d = free[0], self.decls[res]
        p = self._fresh_provider()
        old = self._state_entry(res)
        self.decls[renamed] = d
        self.decls[res] = replace(d, adopt_id=None)
        if res in self.readopt:  # the model's note follows the resource to its new name
            self.readopt.discard(res)
            self.readopt.add(renamed)
        regs = {r.name: r for r in program(self.decls, self.stack)}
        self.engine.state["resources"].remove(old)
        fresh = p.check(regs[res].urn, {}, copy.deepcopy(regs[res].inputs)).inputs
        try:
            made, outputs = p.create(regs[res].urn, fresh)
        except ProviderError as error:
            self.engine.state["resources"].append(old)
            self._fail("clean-up-works", f"the new {res}'s create failed: {_last_line(error)}")
        self.engine.state["resources"].append({"urn": regs[res].urn, "type": old["type"], "name": res, "id": made,
                                               "inputs": fresh, "outputs": outputs, "dependencies": []})
        reg = regs[renamed]
        moved = {**old, "urn": reg.urn, "name": renamed}
        self.engine.state["resources"].append(moved)
        self.engine.save()
        inputs = p.check(reg.urn, old["inputs"], copy.deepcopy(reg.inputs)).inputs
        diff = p.diff(reg.urn, old["id"], old["outputs"], inputs, old_inputs=old["inputs"])
        try:
            if diff.replaces:  # the program had changed it too: Check again, create, delete the old
                again = p.check(reg.urn, {}, copy.deepcopy(reg.inputs)).inputs
                new_id, outs = p.create(reg.urn, again)
                moved.update(id=new_id, inputs=again, outputs=outs)
                self.engine.save()
                p.delete(reg.urn, old["id"], old["outputs"], old_inputs=old["inputs"])
                step = "replace"
            elif diff.changes == "some":
                moved.update(inputs=inputs, outputs=p.update(reg.urn, old["id"], old["outputs"], inputs,
                                                             old_inputs=old["inputs"]))
                step = "update"
            else:
                moved.update(inputs=inputs)
                step = "same"
        except ProviderError as error:
            if d.adopt_id is None:
                self._fail("clean-up-works", f"{renamed} (was {res}): {_last_line(error)}")
            step = f"failed: {_last_line(error)[:100]}"
        self.engine.save()
        return f"{res} -> {renamed} ({step}); a new {res} made {made}"

    def _upgrade(self, res: str, release: str) -> str:
        """The state and tags release 0.1 (create token, no owner, no owner_tag) or 0.2 (the
        raw URN as owner tag, no owner_tag) left: later runs must bring them to the current
        form in place (checked after every clean up) and lose nothing."""
        entry = self._state_entry(res)
        gid = entry["id"]
        region = {v: k for k, v in REGION.items()}[self.live()[gid]["region_id"]]
        for bag in (entry["outputs"], entry["inputs"]):
            bag.pop("owner_tag", None)
            if release == "0.1":
                bag.pop("owner", None)
                bag.pop("delete_protection_validation", None)
        if release == "0.1":
            sdk_call(self.emu, region, "UntagResources", ResourceType="masterslaveservergroup",
                     **{"ResourceId.1": gid, "TagKey.1": OWNER_TAG_KEY})
            sdk_call(self.emu, region, "TagResources", ResourceType="masterslaveservergroup",
                     **{"ResourceId.1": gid, "Tag.1.Key": LEGACY_TOKEN_KEY, "Tag.1.Value": "0f" * 16})
        self.engine.save()
        return f"{gid} as release {release} left it"

    # -- out of band ---------------------------------------------------------------------

    def _state_ids(self) -> list[tuple[str, str]]:
        """(id, region) of the live groups the state holds."""
        live = self.live()
        regions = {v: k for k, v in REGION.items()}
        # ordered by resource name, not by (random) id, so a replay picks the same one
        entries = sorted((r for r in self.engine.resources() if r["id"] in live),
                         key=lambda r: (r["name"], bool(r.get("delete"))))
        return [(r["id"], regions.get(live[r["id"]]["region_id"], "hz")) for r in entries]

    @precondition(lambda self: "outside" in KINDS)
    @rule(pick=st.integers(0, 7))
    def delete_outside(self, pick: int) -> None:
        ids = self._state_ids()
        if not ids:
            return
        gid, region = ids[pick % len(ids)]
        self._step(f"delete {gid} outside")
        sdk_call(self.emu, region, "DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=gid)
        self.gone.add(gid)
        self._done()

    @precondition(lambda self: "outside" in KINDS)
    @rule(pick=st.integers(0, 7))
    def drift_tags_outside(self, pick: int) -> None:
        ids = self._state_ids()
        if not ids:
            return
        gid, region = ids[pick % len(ids)]
        self._step(f"tag {gid} env=hacked outside")
        sdk_call(self.emu, region, "TagResources", ResourceType="masterslaveservergroup",
                 **{"ResourceId.1": gid, "Tag.1.Key": "env", "Tag.1.Value": "hacked"})
        self.drifted.add(gid)
        self._done()

    @precondition(lambda self: "outside" in KINDS)
    @rule(decl=_decls())
    def stray_outside(self, decl: Decl) -> None:
        gid = create_outside(self.emu, replace(decl, tags=()))
        self._step(f"make stray {gid} outside ({decl})")
        self.strays.add(gid)
        self._done()

    @precondition(lambda self: "concurrent" in KINDS and bool(self.decls))
    @rule(pick=st.integers(0, 3))
    def another_deployment_creating(self, pick: int) -> None:
        """Another checkout of the same project and stack (its own backend) is creating one of
        our resources right now: its group, pending for that resource, made elsewhere."""
        res = sorted(self.decls)[pick % len(self.decls)]
        d = self.decls[res]
        gid = create_outside(self.emu, d)
        sdk_call(self.emu, d.region, "TagResources", ResourceType="masterslaveservergroup", **{
            "ResourceId.1": gid, "Tag.1.Key": OWNER_TAG_KEY,
            "Tag.1.Value": pending_value(self._urn(res), foreign_maker_token())})
        self._step(f"another deployment is creating {res}: {gid}")
        self.in_flight_elsewhere.add(gid)
        self.strays.add(gid)
        self._done()

    @precondition(lambda self: "rollback" in KINDS and self.snapshot is None)
    @rule()
    def export_state(self) -> None:
        self._step("pulumi stack export")
        self.snapshot = (self.stack, copy.deepcopy(self.engine.state))
        self._done()

    @precondition(lambda self: "rollback" in KINDS and self.snapshot is not None and self.snapshot[0] == self.stack
                  and not self.pending and not self.engine.pending_operations)
    @rule()
    def rollback(self) -> None:
        """`pulumi stack import` of the earlier export: the groups it does not know stay (no
        provider can tell them from a group another state holds); groups it holds that are
        gone since are dropped by the next refresh."""
        assert self.snapshot is not None
        self._step("pulumi stack import (the earlier export)")
        restored = copy.deepcopy(self.snapshot[1])
        held = {r["id"] for r in restored.get("resources", [])}
        live = self.live()
        for gid, group in live.items():
            if gid not in held and gid not in self.strays:
                self.forgotten.append(live_key(group))
        self.gone |= held - set(live)
        self.engine.state = restored
        self.snapshot = None
        self._done()

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def ownership_invariants(self) -> None:
        if self.in_step or self.broken:
            return
        live = self.live()
        entries = self.engine.resources()
        ids = [r["id"] for r in entries]
        in_state = set(ids)
        for gid in list(self.strays):
            if gid in in_state:
                self.strays.discard(gid)
                self.adopted.add(gid)
        taken = sorted(self.in_flight_elsewhere & (in_state | (set(self.in_flight_elsewhere) - set(live))))
        if taken:
            self._fail("fence", f"another deployment's pending group taken over or deleted: {taken}")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            holders = {i: [r["name"] for r in entries if r["id"] == i] for i in dupes}
            self._fail("unique-owner", f"one group held by several resources: {holders}")
        missing = [(r["name"], r["id"]) for r in entries if r["id"] not in live and r["id"] not in self.gone]
        if missing:
            self._fail("state-true", f"resources in state whose group does not exist: {missing}")
        unexplained = [g for gid, g in live.items() if gid not in in_state and gid not in self.strays]
        allowed = list(self.forgotten) + list(self.pending.values())
        orphans = []
        for g in unexplained:
            k = live_key(g)
            if k in allowed:
                allowed.remove(k)
            else:
                orphans.append(g)
        if orphans:
            detail = [(g["id"], g["name"], [(s["ServerId"], s["Port"]) for s in g["servers"]]) for g in orphans]
            self._fail("no-orphan", f"live groups neither in state nor made outside: {detail}")

    def teardown(self) -> None:
        self.shared.provider = self.engine.provider
        if VERBOSE:
            print(f"\n-- example {self.shared.examples}:\n   " + "\n   ".join(self.trace))
        if self.in_step or self.broken:
            return
        self.trace.append("teardown: destroy")
        result = self.engine.destroy()
        self._resolve_pending(result, destroyed=True)
        self.shared.provider = self.engine.provider
        if not result.ok and not self.gone:
            self._fail("teardown", f"the final destroy failed: {self._outcome(result)}")
        if not result.ok:
            # the state held groups deleted outside: refresh, then destroy again
            self._after_refresh(self.engine.refresh())
            result = self.engine.destroy()
            if not result.ok:
                self._fail("teardown", f"the final destroy failed after a refresh: {self._outcome(result)}")
        if self.engine.resources():
            self._fail("teardown", "the state is not empty after destroy")
        live = self.live()
        left = _not_excused(live, sorted(set(live) - self.strays), self.forgotten)
        if left:
            self._fail("teardown", f"groups left after destroy: {left} (strays {sorted(self.strays)})")
        gone_strays = sorted(self.strays - set(live))
        if gone_strays:
            self._fail("teardown", f"strays the stack never adopted were deleted: {gone_strays}")


@pytest.fixture(scope="module")
def shared(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    base = tmp_path_factory.mktemp("stateful")
    with ManglingProxy(emulator.url) as proxy:
        provider = start_provider(scratch_project(base), emulator,
                                  **{"slb-master-slave:timeoutSeconds": TIMEOUT_SECONDS,
                                     "slb-master-slave:requestTimeoutSeconds": REQUEST_TIMEOUT,
                                     "slb-master-slave:endpoint": proxy.url})
        shared = SlbStack.module_shared = Shared(emu=emulator, provider=provider, proxy=proxy, tmp=str(base))
        try:
            yield shared
        finally:
            shared.provider.stop()
            SlbStack.module_shared = None


# About a minute with the default knobs; a failure's shrinking replays crashes for up to
# ~5 minutes (SLB_STATEFUL_SHRINK=0 skips it). Longer searches (SLB_STATEFUL_EXAMPLES) scale it.
@pytest.mark.timeout(600 * max(1, EXAMPLES // 12))
def test_stack_never_loses_orphans_or_duplicates_a_group(shared: Shared) -> None:
    run_state_machine_as_test(SlbStack, settings=settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        print_blob=True,
        phases=tuple(Phase) if SHRINK else tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain)),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    ))
