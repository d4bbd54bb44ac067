"""The Pulumi engine's call sequences for dynamic resources, against the real provider process.

A test tool, not the engine (see ENGINE_HARNESS.md). It takes the registrations a
program made (harness.program.collect_registrations) and drives a ProviderProcess the
way `pulumi preview`, `pulumi up`, `pulumi refresh` and `pulumi destroy` drive a
provider, keeping a JSON state file like the engine's checkpoint.

Sequences (what the engine does, reduced to one provider and custom resources):

plan (preview and the first phase of up), serially in registration order as the
engine's step generator does:
  Check(urn, olds=prior INPUTS or {}, news=program inputs)
  new urn                        -> "create"
  urn in state: Diff(id, olds=prior OUTPUTS, news=checked inputs)
      DIFF_NONE                  -> "same"
      DIFF_SOME, no replaces     -> "update"
      DIFF_SOME with replaces    -> "replace"; Check again with olds={} (the engine
                                    recomputes defaults for a replacement) and the
                                    replacement uses those inputs
      DIFF_UNKNOWN               -> the engine diffs old inputs against new inputs
                                    itself: changes if they differ (then "update", or
                                    "replace" if the provider listed replaces), else
                                    "same"
  urn in state, not in program   -> "delete" (as are pending deletes left by a
                                    previous failed run)
  Check failures / Check or Diff errors -> step op "failed"; nothing is mutated.

up: plan; if anything failed in planning, stop (no mutating call at all). Otherwise
  create / update / replace steps run concurrently (up to `parallelism`), each after
  the steps of the urns it depends on; then deletes (removed resources and the old
  halves of create-before-delete replacements) in reverse dependency order.
  A provider error stops new steps from starting (in-flight ones finish), skips the
  delete phase, and is recorded; the state keeps what the engine keeps.

refresh: Read(id, props=prior outputs, inputs=prior inputs) for every resource; id ""
  drops it; otherwise outputs (and inputs, if returned) are replaced.

destroy: Delete every resource, dependents first, concurrently where independent.

Crashes (Engine.crash_during): the provider process is killed while a chosen call is in
flight. The run ends as `pulumi up` ends when it is interrupted mid-operation: mutating
calls in flight are left in state as pending operations ("creating": no id, nothing in
resources; "updating": the old state kept; "deleting": the resource kept), nothing else
starts. The next run starts a fresh provider process (Configure again); up and destroy
drop the pending notes (a pending create is treated as never created: the next up
sends Create again, with no memory of the first), refresh drops all but the creates.

read (a `Resource.get`, i.e. a registration with `read_id`): the engine's ReadResource
  step, which runs in preview as in up: Read(id, properties={}, inputs=the program's
  props) -- the dynamic provider then finds `__provider` in the inputs -- and an empty id
  fails the step. At up the resource is stored with `"external": true`; destroy and up
  drop external resources from state without calling Delete, as the engine does.
"""

from __future__ import annotations

import copy
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import grpc

from .crash import CrashTrigger
from .engine_results import (
    DestroyResult,
    Plan,
    RefreshResult,
    Step,
    StepError,
    UpResult,
    UrnOp,
)
from .program import Registration
from .provider_process import (
    UNKNOWN,
    Props,
    ProviderCrashed,
    ProviderError,
    ProviderProcess,
    ReadOutcome,
)
from .scheduling import DeleteKey, delete_graph, run_graph
from .state_file import Entry, State, load_state, save_state

__all__ = [
    "UNKNOWN",
    "CrashTrigger",
    "DestroyResult",
    "Engine",
    "Plan",
    "ProviderCrashed",
    "ProviderError",
    "RefreshResult",
    "Step",
    "UpResult",
    "load_state",
    "scratch_project",
]


_K = TypeVar("_K", bound=Hashable)
_R = TypeVar("_R")
_P = ParamSpec("_P")


def scratch_project(tmp_path: str | os.PathLike[str], name: str = "project") -> str:
    """A directory holding a minimal Pulumi.yaml (name, runtime python); returns its path."""
    path = os.path.join(str(tmp_path), name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "Pulumi.yaml"), "w", encoding="utf-8") as f:
        f.write(f"name: {name}\nruntime: python\ndescription: engine harness scratch project\n")
    return path


def _stop_all(processes: list[ProviderProcess]) -> None:
    """Spares an engine started and never handed out die with it; a process it handed out
    (engine.provider) is the caller's, and is stopped at the test process's exit at the
    latest (provider_process._stop_every_provider)."""
    for process in processes:
        process.stop()


class _Failed(Exception):
    """Internal: a step failed (already recorded)."""


class _Skipped(Exception):
    """Internal: a step never started (a dependency failed, or the run was halted)."""


class Engine:
    def __init__(self, provider: ProviderProcess, state_path: str, *, parallelism: int = 16,
                 pipeline: bool = False, process_per_command: bool = True) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be >= 1")
        self.provider = provider
        # The engine loads the provider plugin afresh for every command, and `up` and
        # `refresh` run a preview phase in a process of its own first (two Handshakes in
        # the engine's gRPC log): a provider can keep nothing in memory from one to the next.
        self.process_per_command = process_per_command
        self._provider_used = False
        self._given = provider
        self._spawned: list[ProviderProcess] = []  # started here, stopped here (or with the engine)
        self._spare: Future[ProviderProcess] | None = None  # the next command's process, starting in the background
        weakref.finalize(self, _stop_all, self._spawned)
        self.processes = 1  # provider processes this engine has used
        self.trace: list[dict[str, Any]] = []  # every provider call: {method, urn, name, olds, id}
        self._replace: frozenset[str] = frozenset()
        self._targets: frozenset[str] | None = None
        self.state_path = state_path
        self.parallelism = parallelism
        # pipeline=True: up starts steps while still planning, as the engine does; the
        # default plans everything first so that a failed Check means no mutating call.
        self.pipeline = pipeline
        self.state: State = load_state(state_path)
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.RLock()
        self._inflight = 0
        self.max_inflight = 0  # most provider calls this harness had in flight at once
        self._crash: CrashTrigger | None = None
        self.restarts = 0  # fresh provider processes started after a crash

    # -- crashes -------------------------------------------------------------------------

    def crash_during(self, method: str, *, urn: str | None = None, after: float = 0.0,
                     when: Callable[[], bool] | None = None, timeout: float = 30.0) -> CrashTrigger:
        """Arm a crash of the provider process during the next `method` call ("Create",
        "Update", "Delete", "Read", "Check", "Diff"), optionally only for `urn`. See
        CrashTrigger for `after` / `when`. Typical use: an emulator latency fault holds the
        API request, `after` kills the process while it is held (the request is still
        applied when the emulator wakes up: "applied, answer lost, process gone")."""
        trigger = CrashTrigger(method, urn, after, when, timeout)
        with self._lock:
            self._crash = trigger
        return trigger

    @property
    def pending_operations(self) -> list[Entry]:
        """[{"type": "creating"|"updating"|"deleting", "resource": {urn, type, name, id?, inputs}}]"""
        return cast(list[Entry], self.state.setdefault("pending_operations", []))

    def _begin_run(self, clear: tuple[str, ...]) -> list[Entry]:
        """Start of a `pulumi` command: a fresh provider process if the last one died
        (configured again), and drop the pending operations of the kinds in `clear`."""
        with self._lock:
            if not self.provider.alive():
                self.provider = self.provider.restarted()
                self.restarts += 1
                self.processes += 1
            elif self.process_per_command and self._provider_used:
                previous = self.provider
                self.provider = self._next_process(previous)
                if previous is not self._given:  # the caller's own process stays theirs to stop
                    threading.Thread(target=previous.stop, daemon=True).start()
                self.processes += 1
            self._provider_used = True
            if self.process_per_command and self._spare is None:
                self._start_spare()
            ops = self.pending_operations
            dropped = [op for op in ops if op["type"] in clear]
            if dropped:
                self.state["pending_operations"] = [op for op in ops if op["type"] not in clear]
                self._save()
            return dropped

    def _pending(self, kind: str, urn: str, typ: str, name: str, inputs: Props | None,
                 id_: str | None = None) -> Entry:
        """Note an operation as pending before its call, as the engine does in its checkpoint.

        Kept in memory only: the harness outlives the provider process it crashes, and the
        step's own save writes the note if the call did not end, so writing (and fsyncing)
        the whole state before every call would only make the harness the bottleneck of
        the benchmark's scale runs."""
        resource: Entry = {"urn": urn, "type": typ, "name": name, "inputs": inputs}
        if id_ is not None:
            resource["id"] = id_
        op = {"type": kind, "resource": resource}
        with self._lock:
            self.pending_operations.append(op)
        return op

    def _settle(self, op: Entry, error: BaseException | None) -> None:
        """The call ended: the note goes, unless the process crashed under it (then the run
        is over and the note stays for the next run to see). The caller saves."""
        if isinstance(error, ProviderCrashed):
            return
        with self._lock:
            self.state["pending_operations"] = [o for o in self.pending_operations if o is not op]

    # -- helpers -----------------------------------------------------------------------

    def _record(self, method: str, urn: str) -> None:
        with self._lock:
            self.calls.append((method, urn))

    def _start_spare(self) -> None:
        """Start the next command's process now, in the background: the engine's plugin
        start costs the harness nothing then (a fresh, configured, never-called process,
        exactly what the next command would have started)."""
        template = self.provider
        spare: Future[ProviderProcess] = Future()

        def spawn() -> None:
            try:
                process = template.sibling()
            except BaseException as error:  # surfaced when the spare is taken
                spare.set_exception(error)
                return
            self._spawned.append(process)  # list.append is atomic; never self._lock: _begin_run holds it while waiting
            spare.set_result(process)

        threading.Thread(target=spawn, name="engine-spare-provider", daemon=True).start()
        self._spare = spare

    def _next_process(self, previous: ProviderProcess) -> ProviderProcess:
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                taken = spare.result(timeout=60)
                self._spawned.remove(taken)  # handed out: no longer a spare to clean up
                return taken
            except Exception:
                pass  # start one the plain way, below, and let its error speak
        return previous.sibling()

    def _trace(self, method: str, urn: str, args: tuple[Any, ...]) -> None:
        """As the engine's gRPC log shows the call: whether olds were sent, and the id."""
        olds = bool(args[0]) if method == "Check" else bool(args[1]) if method in ("Diff", "Update") else False
        id_ = args[0] if method in ("Diff", "Update", "Delete", "Read") else None
        with self._lock:
            self.trace.append({"method": method, "urn": urn, "name": urn.split("::")[-1], "olds": olds,
                               "id": id_ or None})

    def taint(self, urn: str) -> None:
        """`pulumi state taint <urn>`: the next up replaces it (Check with no olds, no Diff)."""
        entry = self.resource(urn)
        if entry is None:
            raise KeyError(f"no resource {urn} in state")
        entry["taint"] = True
        self._save()

    def _save(self) -> None:
        with self._lock:
            if not self.state.get("pending_operations"):
                self.state.pop("pending_operations", None)
            save_state(self.state_path, self.state)

    def resources(self) -> list[Entry]:
        return cast(list[Entry], self.state["resources"])

    def resource(self, urn: str) -> Entry | None:
        """The live (not pending-delete) state entry for urn."""
        return next((r for r in self.resources() if r["urn"] == urn and not r.get("delete")), None)

    def _live(self, urn: str) -> Entry:
        """The live state entry a planned update or replace works on (it was there at planning)."""
        entry = self.resource(urn)
        if entry is None:
            raise KeyError(f"no live resource {urn} in state")
        return entry

    def _provider_call(self, method: str, urn: str, fn: Callable[Concatenate[str, _P], _R],
                       *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            if not self.provider.configured:
                # The engine configures every provider before its first resource call
                # (with whatever stack config there is, possibly none).
                self.provider.configure({})
            trigger = self._crash if self._crash is not None and self._crash.matches(method, urn) else None
            if trigger is not None:
                self._crash = None
        self._record(method, urn)
        self._trace(method, urn, args)
        with self._lock:
            self._inflight += 1
            self.max_inflight = max(self.max_inflight, self._inflight)
        call_done = threading.Event()
        if trigger is not None:
            trigger.start(self.provider, call_done)
        try:
            return fn(urn, *args, **kwargs)
        finally:
            if trigger is not None:
                trigger.finish(call_done)
            with self._lock:
                self._inflight -= 1

    @staticmethod
    def _driven(registrations: Iterable[Registration]) -> tuple[list[Registration], list[Registration]]:
        driven: list[Registration] = []
        ignored: list[Registration] = []
        for r in registrations:
            (driven if (r.is_dynamic and r.custom) else ignored).append(r)
        return driven, ignored

    # -- plan (preview) ------------------------------------------------------------------

    def _plan(self, registrations: Iterable[Registration]) -> Plan:
        regs, ignored = self._driven(registrations)
        plan = Plan(ignored=ignored)
        for _ in self._planned_steps(regs, plan):
            pass
        return plan

    def _planned_steps(self, regs: list[Registration], plan: Plan) -> Iterator[Step]:
        """Plan registration by registration, yielding each step as soon as it is planned
        (ops create/same/update/replace/failed); delete steps are appended at the end."""
        seen: set[str] = set()
        for reg in regs:
            if reg.urn in seen:
                raise ValueError(f"duplicate resource urn {reg.urn}")
            seen.add(reg.urn)
            if self._targets is not None and reg.urn not in self._targets:
                # --target: an untargeted resource gets no provider call at all; one in
                # state stays as it is, a new one is not created.
                prior = self.resource(reg.urn)
                if prior is not None:
                    same = Step(urn=reg.urn, op="same", type=reg.type, name=reg.name,
                                dependencies=list(reg.dependencies), inputs=prior["inputs"])
                    plan.steps.append(same)
                    yield same
                continue
            step = Step(urn=reg.urn, op="failed", type=reg.type, name=reg.name,
                        dependencies=list(reg.dependencies))
            plan.steps.append(step)
            self._plan_step(reg, step, plan)
            yield step
        # Deletes: resources no longer in the program, and pending deletes.
        for r in self.state["resources"]:
            if r.get("external"):
                continue  # an external resource is dropped from state, never deleted
            if self._targets is not None and r["urn"] not in self._targets:
                continue
            if r.get("delete") or r["urn"] not in seen:
                plan.steps.append(Step(urn=r["urn"], op="delete", type=r.get("type", ""),
                                       name=r.get("name", ""), dependencies=list(r.get("dependencies", []))))

    def _checked(self, reg: Registration, olds: Props, step: Step, plan: Plan) -> Props | None:
        """Check, recording an error or failures on the step and the plan; the checked
        inputs, or None when the step failed."""
        try:
            checked = self._provider_call("Check", reg.urn, self.provider.check, olds, copy.deepcopy(reg.inputs))
        except ProviderError as e:
            step.error = e
            plan.errors.append((reg.urn, "check", e))
            return None
        if checked.failures:
            step.failures = list(checked.failures)
            plan.failures += [(reg.urn, prop, reason) for prop, reason in checked.failures]
            return None
        return checked.inputs

    def _plan_step(self, reg: Registration, step: Step, plan: Plan) -> None:
        """Set the step's op (it stays "failed" on a Check/Diff error or failure)."""
        if reg.read_id:
            self._plan_read(reg, reg.read_id, step, plan)
            return
        prior = self.resource(reg.urn)
        if prior is not None and (prior.get("taint") or reg.urn in self._replace):
            self._plan_targeted_replace(reg, step, plan)
            return
        inputs = self._checked(reg, copy.deepcopy(prior["inputs"]) if prior else {}, step, plan)
        if inputs is None:
            return
        step.inputs = inputs
        if prior is None:
            step.op = "create"
            return
        self._plan_change(reg, prior, inputs, step, plan)

    def _plan_targeted_replace(self, reg: Registration, step: Step, plan: Plan) -> None:
        """`up --replace <urn>` and a tainted resource: Check with NO olds, no Diff at all
        (isTargetedReplace and the early return in the step generator's diff())."""
        inputs = self._checked(reg, {}, step, plan)
        if inputs is None:
            return
        step.inputs = inputs
        step.replaces = ["(targeted replace)"]
        step.delete_before_replace = reg.delete_before_replace
        step.op = "replace"

    def _plan_change(self, reg: Registration, prior: Entry, inputs: Props, step: Step, plan: Plan) -> None:
        """A resource already in state: Diff, and the op its answer means."""
        try:
            d = self._provider_call("Diff", reg.urn, self.provider.diff, prior["id"], prior["outputs"], inputs,
                                    old_inputs=prior["inputs"])
        except ProviderError as e:
            step.error = e
            plan.errors.append((reg.urn, "diff", e))
            return
        step.diff = d
        changes = d.changes
        if changes == "unknown":
            # DIFF_UNKNOWN: the engine diffs old inputs against new inputs itself
            # (diffResource in pkg/resource/deploy/step_generator.go) and keeps the
            # provider's replaces.
            changes = "some" if prior["inputs"] != inputs else "none"
        if changes == "none":
            step.op = "same"
        elif d.replaces:
            step.replaces = list(d.replaces)
            step.delete_before_replace = d.delete_before_replace or reg.delete_before_replace
            # A replacement recomputes defaults: Check again with no olds.
            rechecked = self._checked(reg, {}, step, plan)
            if rechecked is None:
                return
            step.inputs = rechecked
            step.op = "replace"
        else:
            step.op = "update"

    def _plan_read(self, reg: Registration, read_id: str, step: Step, plan: Plan) -> None:
        """ReadResource: Read(id, properties = inputs = the program's props); runs in preview too."""
        try:
            # The engine sends the program's props as both properties and inputs (its gRPC
            # log for a `get`); pulumi.dynamic 3.260 reads __provider from the properties.
            got = self._provider_call("Read", reg.urn, self.provider.read, read_id, copy.deepcopy(reg.inputs),
                                      inputs=copy.deepcopy(reg.inputs))
        except ProviderError as e:
            step.error = e
            plan.errors.append((reg.urn, "read", e))
            return
        if not got.id:
            missing = ProviderError("Read", grpc.StatusCode.NOT_FOUND, f"resource '{read_id}' does not exist")
            step.error = missing
            plan.errors.append((reg.urn, "read", missing))
            return
        step.read = got
        step.inputs = got.inputs if got.inputs is not None else reg.inputs
        step.op = "read"

    def _options(self, replace: Iterable[str], targets: Iterable[str] | None) -> None:
        self._replace = frozenset(replace)
        self._targets = frozenset(targets) if targets is not None else None

    def preview(self, registrations: Iterable[Registration], *, replace: Iterable[str] = (),
                targets: Iterable[str] | None = None) -> Plan:
        """Check (and Diff for existing resources); never Create/Update/Delete/Read.
        `replace` / `targets`: the CLI's --replace and --target urns."""
        self._begin_run(clear=())
        self._options(replace, targets)
        return self._plan(list(registrations))

    # -- scheduling ----------------------------------------------------------------------

    def _run_graph(self, keys: list[_K], waits_for: dict[_K, set[_K]],
                   fn: Callable[[_K], None]) -> tuple[list[_K], list[_K], list[_K]]:
        return run_graph(keys, waits_for, fn, self.parallelism)

    def _record_failure(self, errors: list[StepError], urn: str, op: str, note: Entry, error: Exception) -> None:
        """A mutating call failed: record it, settle its pending note, save."""
        with self._lock:
            errors.append((urn, op, error))
            self._settle(note, error)
            self._save()

    def _delete_entry(self, entry: Entry, errors: list[StepError], op: str = "delete") -> None:
        note = self._pending("deleting", entry["urn"], entry.get("type", ""), entry.get("name", ""),
                             entry["inputs"], entry["id"])
        try:
            self._provider_call("Delete", entry["urn"], self.provider.delete, entry["id"],
                                entry["outputs"], old_inputs=entry["inputs"])
        except Exception as e:
            self._record_failure(errors, entry["urn"], op, note, e)
            raise _Failed() from e
        with self._lock:
            self._settle(note, None)
            self.state["resources"] = [r for r in self.resources() if r is not entry]
            self._save()

    # -- up ------------------------------------------------------------------------------

    def up(self, registrations: Iterable[Registration], *, replace: Iterable[str] = (),
           targets: Iterable[str] | None = None, skip_preview: bool = False) -> UpResult:
        """`pulumi up [--replace urn]... [--target urn]... [--skip-preview]`: unless
        skip_preview, a preview phase first (its own provider process, Check and Diff only);
        a preview that fails stops the up before any mutating call, as the CLI does."""
        registrations = list(registrations)
        if not skip_preview:
            plan = self.preview(registrations, replace=replace, targets=targets)
            if not plan.ok:
                return UpResult(plan=plan, errors=list(plan.errors), skipped=_would_mutate(plan))
        # `pulumi up` warns about the pending operations of an interrupted run and goes on
        # (pulumi/pulumi#9293); v3.260 keeps a pending create's note in the checkpoint
        # until `refresh --clear-pending-creates` (tests/real_engine), so only updates and
        # deletes are dropped here. A pending create is never sent again from its note.
        cleared = self._begin_run(clear=("updating", "deleting"))
        self._options(replace, targets)
        if self.pipeline:
            result, failed, program_urns = self._up_pipelined(registrations)
            result.pending_cleared = cleared
            return self._up_deletes(registrations, result, failed, program_urns)
        plan = self._plan(registrations)
        result = UpResult(plan=plan, errors=list(plan.errors), pending_cleared=cleared)
        if not plan.ok:
            # Simplest faithful choice: a failed Check/Diff fails the deployment before
            # any mutating call is made.
            result.skipped = _would_mutate(plan)
            return result

        main = [s for s in plan.steps if s.op != "delete"]
        by_urn = {s.urn: s for s in main}

        def run_step(urn: str) -> None:
            s = by_urn[urn]
            try:
                self._apply(s, result.errors)
            except _Failed:
                raise
            except Exception as e:  # a harness bug: record it like a provider error
                with self._lock:
                    result.errors.append((urn, s.op, e))
                raise
            if s.op != "same":
                with self._lock:
                    result.done.append((urn, s.op))

        _, failed_urns, skipped = self._run_graph(
            [s.urn for s in main], {s.urn: set(s.dependencies) for s in main}, run_step)
        result.skipped += [(u, by_urn[u].op) for u in skipped]
        return self._up_deletes(registrations, result, bool(failed_urns), set(by_urn))

    def _up_pipelined(self, registrations: list[Registration]) -> tuple[UpResult, bool, set[str]]:
        """Up as the engine runs it: each step starts as soon as it is planned and the
        steps it depends on are done, while later registrations are still being checked
        (the step generator feeds the step executor). A failed Check/Diff stops the
        planning, and steps already issued still run; a failed step also keeps issued
        steps that have not started from starting."""
        regs, ignored = self._driven(registrations)
        plan = Plan(ignored=ignored)
        step_errors: list[StepError] = []
        result = UpResult(plan=plan)
        halt = threading.Event()
        futures: dict[str, Future[None]] = {}
        steps: dict[str, Step] = {}

        def run(step: Step, deps: list[Future[None]]) -> None:
            if halt.is_set() or any(dep.exception() is not None for dep in deps):
                raise _Skipped()
            try:
                self._apply(step, step_errors)
            except Exception:
                halt.set()
                raise
            if step.op != "same":
                with self._lock:
                    result.done.append((step.urn, step.op))

        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="engine-step") as ex:
            for step in self._planned_steps(regs, plan):
                if step.op == "failed" or halt.is_set():
                    break  # steps already issued still run; a failed step halts the rest
                steps[step.urn] = step
                futures[step.urn] = ex.submit(run, step, [futures[d] for d in step.dependencies if d in futures])
        result.errors = list(plan.errors) + step_errors
        result.skipped = [(u, steps[u].op) for u, f in futures.items() if isinstance(f.exception(), _Skipped)]
        failed = halt.is_set() or not plan.ok
        return result, failed, {r.urn for r in regs}

    def _up_deletes(self, registrations: list[Registration], result: UpResult, failed: bool,
                    program_urns: set[str]) -> UpResult:
        """The last phase of up: resources gone from the program and the old halves of
        create-before-delete replacements, dependents first; skipped after a failure."""
        with self._lock:  # external resources no longer read by the program leave state, undeleted
            self.state["resources"] = [r for r in self.resources()
                                       if not (r.get("external") and r["urn"] not in program_urns)]
        deletes = [r for r in self.resources()
                   if not r.get("external") and (r.get("delete") or r["urn"] not in program_urns)]
        if failed:
            result.skipped += [(r["urn"], "delete") for r in deletes]
        else:
            keys, waits = delete_graph(deletes)
            entry_of = dict(zip(keys, deletes))

            def run_delete(k: DeleteKey) -> None:
                self._delete_entry(entry_of[k], result.errors)
                with self._lock:
                    result.done.append((k[0], "delete"))

            _, _, skipped = self._run_graph(keys, waits, run_delete)
            result.skipped += [(k[0], "delete") for k in skipped]

        self._reorder([r.urn for r in self._driven(registrations)[0]])
        self._save()
        return result

    def _apply(self, s: Step, errors: list[StepError]) -> None:
        """Run one planned step: the provider calls its op means, and its state entry."""
        if s.op == "same":
            self._keep(s)
        elif s.op == "create":
            self._create(s, errors)
        elif s.op == "read":
            self._store_read(s)
        elif s.op == "update":
            self._update(s, errors)
        elif s.op == "replace":
            self._replace_step(s, errors)
        else:
            raise AssertionError(f"unexpected op {s.op}")

    def _keep(self, s: Step) -> None:
        """A "same" step: no call; the entry takes the checked inputs and dependencies."""
        with self._lock:
            entry = self._live(s.urn)
            entry["inputs"] = s.inputs
            entry["dependencies"] = list(s.dependencies)
            self._save()

    def _store_read(self, s: Step) -> None:
        """A "read" step: the external resource as Read returned it, marked external."""
        assert s.read is not None
        entry = {"urn": s.urn, "type": s.type, "name": s.name, "id": s.read.id, "inputs": s.inputs,
                 "outputs": s.read.outputs, "dependencies": list(s.dependencies), "external": True}
        with self._lock:
            self.state["resources"] = [r for r in self.resources() if r["urn"] != s.urn]
            self.resources().append(entry)
            self._save()

    def _update(self, s: Step, errors: list[StepError]) -> None:
        with self._lock:
            entry = self._live(s.urn)
        note = self._pending("updating", s.urn, s.type, s.name, s.inputs, entry["id"])
        try:
            outs = self._provider_call("Update", s.urn, self.provider.update, entry["id"], entry["outputs"],
                                       s.inputs or {}, old_inputs=entry["inputs"])
        except Exception as e:
            self._record_failure(errors, s.urn, "update", note, e)
            raise _Failed() from e
        with self._lock:
            self._settle(note, None)
            entry["inputs"] = s.inputs
            entry["outputs"] = outs
            entry["dependencies"] = list(s.dependencies)
            self._save()

    def _replace_step(self, s: Step, errors: list[StepError]) -> None:
        with self._lock:
            old = self._live(s.urn)
        if s.delete_before_replace:
            self._delete_entry(old, errors, op="replace")
            self._create(s, errors, op="replace")
        else:
            self._create(s, errors, op="replace", replacing=old)

    def _create(self, s: Step, errors: list[StepError], op: str = "create", replacing: Entry | None = None) -> None:
        note = self._pending("creating", s.urn, s.type, s.name, s.inputs)
        try:
            id_, outs = self._provider_call("Create", s.urn, self.provider.create, s.inputs or {})
        except Exception as e:
            self._record_failure(errors, s.urn, op, note, e)
            raise _Failed() from e
        entry = {
            "urn": s.urn, "type": s.type, "name": s.name, "id": id_,
            "inputs": s.inputs, "outputs": outs, "dependencies": list(s.dependencies),
        }
        with self._lock:
            self._settle(note, None)
            if replacing is not None:
                # Create-before-delete: the old one stays, marked for deletion at the end.
                replacing["delete"] = True
            self.resources().append(entry)
            self._save()

    def _reorder(self, program_urns: list[str]) -> None:
        """Registration order first (live resources), then whatever else is left."""
        with self._lock:
            rs = self.resources()
            pos = {u: i for i, u in enumerate(program_urns)}
            live = sorted((r for r in rs if not r.get("delete") and r["urn"] in pos), key=lambda r: pos[r["urn"]])
            rest = [r for r in rs if r.get("delete") or r["urn"] not in pos]
            self.state["resources"] = live + rest

    # -- refresh -------------------------------------------------------------------------

    def _refresh_preview(self) -> None:
        """The preview phase of `pulumi refresh --yes`: Read and Diff every resource in a
        process of its own, changing nothing."""
        self._begin_run(clear=())
        entries = list(self.resources())

        def run(i: int) -> None:
            try:
                self._read_and_diff(entries[i])
            except Exception:
                return  # the refresh itself reports it

        self._run_graph(list(range(len(entries))), {}, run)

    def _read_and_diff(self, entry: Entry) -> ReadOutcome:
        """One resource's refresh, both phases: Read, then (when it still exists) the Diff
        the engine makes to show what changed."""
        got = self._provider_call("Read", entry["urn"], self.provider.read, entry["id"], entry["outputs"],
                                  inputs=entry["inputs"])
        if got.id:
            self._provider_call("Diff", entry["urn"], self.provider.diff, got.id, got.outputs,
                                got.inputs if got.inputs is not None else entry["inputs"], old_inputs=entry["inputs"])
        return got

    def refresh(self, *, skip_preview: bool = False, clear_pending_creates: bool = False) -> RefreshResult:
        """Read every resource, then Diff it as the engine does to show the refresh's changes."""
        if not skip_preview:
            self._refresh_preview()
        # A (non-interactive) refresh clears pending updates and deletes; pending creates
        # need an interactive refresh (or --clear-pending-creates), so they stay.
        clear = ("creating", "updating", "deleting") if clear_pending_creates else ("updating", "deleting")
        result = RefreshResult(pending_cleared=self._begin_run(clear=clear))
        entries = list(self.resources())

        def run(i: int) -> None:
            e = entries[i]
            try:
                got = self._read_and_diff(e)
            except Exception as ex:
                with self._lock:
                    result.errors.append((e["urn"], "read", ex))
                return  # a failed read keeps the resource as it was; others carry on
            with self._lock:
                self._refreshed(e, got, result)
                self._save()

        self._run_graph(list(range(len(entries))), {}, run)
        self._save()
        return result

    def _refreshed(self, entry: Entry, got: ReadOutcome, result: RefreshResult) -> None:
        """Take one Read's answer into state: gone (id ""), changed or unchanged."""
        if not got.id:
            self.state["resources"] = [r for r in self.resources() if r is not entry]
            result.removed.append(entry["urn"])
            return
        before = (entry["id"], entry["outputs"], entry["inputs"])
        entry["id"] = got.id
        entry["outputs"] = got.outputs
        if got.inputs is not None:
            entry["inputs"] = got.inputs
        changed = before != (entry["id"], entry["outputs"], entry["inputs"])
        (result.updated if changed else result.unchanged).append(entry["urn"])

    # -- destroy -------------------------------------------------------------------------

    def destroy(self) -> DestroyResult:
        # Pending creates are not in resources, so destroy cannot delete what they made:
        # the engine warns and goes on without the notes, as up does.
        result = DestroyResult(pending_cleared=self._begin_run(clear=("creating", "updating", "deleting")))
        with self._lock:  # the engine drops external (read) resources without deleting them
            self.state["resources"] = [r for r in self.resources() if not r.get("external")]
        entries = list(self.resources())
        keys, waits = delete_graph(entries)
        entry_of = dict(zip(keys, entries))

        def run(k: DeleteKey) -> None:
            self._delete_entry(entry_of[k], result.errors)
            with self._lock:
                result.deleted.append(k[0])

        _, _, skipped = self._run_graph(keys, waits, run)
        result.skipped = [k[0] for k in skipped]
        self._save()
        return result


def _would_mutate(plan: Plan) -> list[UrnOp]:
    """The steps a failed plan keeps from running: all but the unchanged and the failed."""
    return [(s.urn, s.op) for s in plan.steps if s.op not in ("same", "failed")]
