"""The Pulumi engine's commands for dynamic resources, played in-process against the real
provider process: faster than the CLI, and able to kill the provider mid-call.

A test tool, not the engine (ENGINE_HARNESS.md has the details). `Engine` takes the
registrations a program made (harness.program.collect_registrations), drives a
ProviderProcess as `pulumi preview`, `up`, `refresh`, `destroy` and `state taint` do, and
keeps a JSON state file like the engine's checkpoint (state_file.py). Step generation is
engine_plan.py; the provider processes, the call record and crash injection plugin_host.py.

  preview  Check, Diff (Read for a `get`); never Create, Update or Delete.
  up       a preview phase in a process of its own (unless skip_preview), then the plan;
           a failed plan mutates nothing. Steps run concurrently, each after those it
           depends on (pipeline=True: as soon as it is planned); then the deletes (removed
           resources, old halves of replacements), dependents first. A failed step stops
           new steps and skips the deletes.
  refresh  a preview phase, then Read and (when the resource is still there) Diff, each
           resource; id "" drops it.
  destroy  Delete every resource, dependents first.
  crash_during  the provider killed mid-call: calls in flight stay as pending operations,
           which the next commands drop or keep as the engine v3.260 does.

Checked against the real engine: tests/test_harness_matches_engine.py compares every
resource's calls in the scenarios of tests/real_engine/trace_scenarios.py (fresh up and
preview, no-op up, update, diff-driven replace and its preview, --replace, taint,
--target, refresh, destroy, a removed resource; the up scenarios pipelined too) with the
golden traces the real CLI recorded (tests/real_engine/golden_traces, re-recorded by
tests/real_engine/test_golden_traces_cli.py), and that each command gets a fresh process.
Modelled without a golden trace: the Read of a `get`, DIFF_UNKNOWN, delete-before-replace,
failed steps, a refresh finding a resource gone, --skip-preview, crashes (the real CLI's
kills: tests/real_engine/test_killed_cli.py).

Not modelled: stacks, config, secrets encryption, plugin resolution, ignore_changes,
protect, retain_on_delete, aliases, import, replace_on_changes, --continue-on-error,
Cancel; the program runs once, against mocks, before any provider call.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import cast

from .engine_plan import Planner, driven
from .engine_results import (
    DestroyResult,
    Plan,
    RefreshResult,
    Step,
    StepError,
    UpResult,
    UrnOp,
)
from .plugin_host import PluginHost
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
from .state_file import Entry, State, live_entry, load_state, save_state

__all__ = [
    "UNKNOWN",
    "Engine",
    "ProviderCrashed",
    "ProviderError",
    "RefreshResult",
    "UpResult",
    "load_state",
    "scratch_project",
]

# The pending operations each command drops when it starts (`pulumi up` warns about those
# of an interrupted run and goes on, pulumi/pulumi#9293; v3.260 keeps a pending create's
# note until `refresh --clear-pending-creates`: tests/real_engine/test_killed_cli.py).
_UP_CLEARS = ("updating", "deleting")
_REFRESH_CLEARS = ("updating", "deleting")
_EVERY_PENDING = ("creating", "updating", "deleting")


def scratch_project(tmp_path: str | os.PathLike[str], name: str = "project") -> str:
    """A directory holding a minimal Pulumi.yaml (name, runtime python); returns its path."""
    path = os.path.join(str(tmp_path), name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "Pulumi.yaml"), "w", encoding="utf-8") as f:
        f.write(f"name: {name}\nruntime: python\ndescription: engine harness scratch project\n")
    return path


class _Failed(Exception):
    """Internal: a step failed (already recorded)."""


class _Skipped(Exception):
    """Internal: a step never started (a dependency failed, or the run was halted)."""


class Engine(PluginHost):
    """`pulumi preview / up / refresh / destroy / state taint` against one provider, with the
    state in `state_path`. The provider processes and the call record: PluginHost."""

    def __init__(self, provider: ProviderProcess, state_path: str, *, parallelism: int = 16,
                 pipeline: bool = False, process_per_command: bool = True) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be >= 1")
        super().__init__(provider, process_per_command=process_per_command)
        self.state_path = state_path
        self.parallelism = parallelism
        self.pipeline = pipeline  # up starts steps while still planning, as the engine does
        self.state: State = load_state(state_path)

    # -- the state -----------------------------------------------------------------------

    def resources(self) -> list[Entry]:
        return cast(list[Entry], self.state["resources"])

    def resource(self, urn: str) -> Entry | None:
        """The live (not pending-delete) state entry for urn."""
        return live_entry(self.resources(), urn)

    @property
    def pending_operations(self) -> list[Entry]:
        """[{"type": "creating"|"updating"|"deleting", "resource": {urn, type, name, id?, inputs}}]"""
        return cast(list[Entry], self.state.setdefault("pending_operations", []))

    def save(self) -> None:
        """Write the state file (atomically), without an empty pending_operations."""
        with self._lock:
            if not self.state.get("pending_operations"):
                self.state.pop("pending_operations", None)
            save_state(self.state_path, self.state)

    def taint(self, urn: str) -> None:
        """`pulumi state taint <urn>`: the next up replaces it (Check with no olds, no Diff)."""
        entry = self.resource(urn)
        if entry is None:
            raise KeyError(f"no resource {urn} in state")
        entry["taint"] = True
        self.save()

    def _live(self, urn: str) -> Entry:
        """The live entry a planned update or replace works on (it was there at planning)."""
        entry = self.resource(urn)
        if entry is None:
            raise KeyError(f"no live resource {urn} in state")
        return entry

    def _begin_command(self, clear: tuple[str, ...]) -> list[Entry]:
        """A `pulumi` command starts: its provider process, and the pending operations of
        the kinds in `clear` dropped (returned)."""
        with self._lock:
            self._start_command()
            dropped = [op for op in self.pending_operations if op["type"] in clear]
            if dropped:
                self.state["pending_operations"] = [op for op in self.pending_operations if op["type"] not in clear]
                self.save()
            return dropped

    def _note_pending(self, kind: str, urn: str, type_: str, name: str, inputs: Props | None,
                      id_: str | None = None) -> Entry:
        """Note an operation as pending before its call, as the engine does in its checkpoint.

        Kept in memory only: the step's own save writes the note if the call did not end,
        so writing (and fsyncing) the whole state before every call would only make the
        harness the bottleneck of the benchmark's scale runs."""
        resource: Entry = {"urn": urn, "type": type_, "name": name, "inputs": inputs}
        if id_ is not None:
            resource["id"] = id_
        note = {"type": kind, "resource": resource}
        with self._lock:
            self.pending_operations.append(note)
        return note

    def _settle(self, note: Entry, error: BaseException | None) -> None:
        """The call ended: the note goes, unless the process crashed under it (then the run
        is over and the note stays for the next command). The caller saves."""
        if isinstance(error, ProviderCrashed):
            return
        with self._lock:
            self.state["pending_operations"] = [o for o in self.pending_operations if o is not note]

    def _record_failure(self, errors: list[StepError], urn: str, op: str, note: Entry, error: Exception) -> None:
        """A mutating call failed: record it, settle its note, save."""
        with self._lock:
            errors.append((urn, op, error))
            self._settle(note, error)
            self.save()

    # -- preview and up ------------------------------------------------------------------

    def preview(self, registrations: Iterable[Registration], *, replace: Iterable[str] = (),
                targets: Iterable[str] | None = None) -> Plan:
        """Check (and Diff for existing resources, Read for a `get`); never Create, Update or
        Delete. `replace` / `targets`: the CLI's --replace and --target urns."""
        self._begin_command(clear=())
        return self._planner(replace, targets).plan(list(registrations))

    def _planner(self, replace: Iterable[str], targets: Iterable[str] | None) -> Planner:
        return Planner(self, self.resources, replace=replace, targets=targets)

    def up(self, registrations: Iterable[Registration], *, replace: Iterable[str] = (),
           targets: Iterable[str] | None = None, skip_preview: bool = False) -> UpResult:
        """`pulumi up [--replace urn]... [--target urn]... [--skip-preview]`: a failed preview
        phase stops the up before any mutating call, as the CLI does."""
        registrations = list(registrations)
        if not skip_preview:
            plan = self.preview(registrations, replace=replace, targets=targets)
            if not plan.ok:
                return UpResult(plan=plan, errors=list(plan.errors), skipped=_would_mutate(plan))
        cleared = self._begin_command(clear=_UP_CLEARS)
        planner = self._planner(replace, targets)
        if self.pipeline:  # each step starts as soon as it is planned, as the engine runs it
            plan = Plan()
            steps: Iterable[Step] = planner.steps(registrations, plan)
        else:  # plan everything first: a failed Check means no mutating call at all
            plan = planner.plan(registrations)
            if not plan.ok:
                return UpResult(plan=plan, errors=list(plan.errors), skipped=_would_mutate(plan),
                                pending_cleared=cleared)
            steps = [s for s in plan.steps if s.op != "delete"]
        errors, skipped, step_failed = self._execute(steps)
        result = UpResult(plan=plan, errors=list(plan.errors) + errors, skipped=skipped, pending_cleared=cleared)
        self._up_deletes([r.urn for r in driven(registrations)], planner, result, failed=step_failed or not plan.ok)
        return result

    def _execute(self, steps: Iterable[Step]) -> tuple[list[StepError], list[UrnOp], bool]:
        """Up's main phase: each step starts as soon as the steps it depends on are done, up
        to `parallelism` at once, while later steps may still be planned (the engine's step
        generator feeds its step executor). A "failed" step (a failed Check or Diff) ends
        the planning and issued steps still run; a failed step keeps issued steps from
        starting. Returns the errors, the steps never started, and whether a step failed."""
        errors: list[StepError] = []
        halt = threading.Event()
        futures: dict[str, Future[None]] = {}
        ops: dict[str, str] = {}

        def run(step: Step, deps: list[Future[None]]) -> None:
            if halt.is_set() or any(dep.exception() is not None for dep in deps):
                raise _Skipped()
            try:
                self._apply(step, errors)
            except _Failed:
                halt.set()
                raise
            except Exception as e:  # a harness bug: record it like a provider error
                halt.set()
                with self._lock:
                    errors.append((step.urn, step.op, e))
                raise

        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="engine-step") as ex:
            for step in steps:
                if step.op == "failed" or halt.is_set():
                    break
                ops[step.urn] = step.op
                futures[step.urn] = ex.submit(run, step, [futures[d] for d in step.dependencies if d in futures])
        skipped = [(u, ops[u]) for u, f in futures.items() if isinstance(f.exception(), _Skipped)]
        return errors, skipped, halt.is_set()

    def _up_deletes(self, program_urns: list[str], planner: Planner, result: UpResult, failed: bool) -> None:
        """The last phase of up: resources gone from the program and the old halves of
        create-before-delete replacements (only targeted ones under --target), dependents
        first; skipped after a failure. External resources the program no longer reads
        leave state, undeleted."""
        in_program = set(program_urns)
        with self._lock:
            self.state["resources"] = [r for r in self.resources()
                                       if not (r.get("external") and r["urn"] not in in_program)]
        deletes = [r for r in self.resources() if not r.get("external") and planner.targeted(r["urn"])
                   and (r.get("delete") or r["urn"] not in in_program)]
        if failed:
            result.skipped += [(r["urn"], "delete") for r in deletes]
        else:
            _, never_started = self._delete_in_order(deletes, result.errors)
            result.skipped += [(urn, "delete") for urn in never_started]
        self._reorder(program_urns)
        self.save()

    def _reorder(self, program_urns: list[str]) -> None:
        """Registration order first (live resources), then whatever else is left."""
        with self._lock:
            position = {u: i for i, u in enumerate(program_urns)}
            entries = self.resources()
            live = sorted((r for r in entries if not r.get("delete") and r["urn"] in position),
                          key=lambda r: position[r["urn"]])
            rest = [r for r in entries if r.get("delete") or r["urn"] not in position]
            self.state["resources"] = live + rest

    # -- the steps -----------------------------------------------------------------------

    def _apply(self, step: Step, errors: list[StepError]) -> None:
        """Run one planned step: the provider calls its op means, and its state entry."""
        if step.op == "same":
            self._keep(step)
        elif step.op == "create":
            self._create(step, errors)
        elif step.op == "read":
            self._store_read(step)
        elif step.op == "update":
            self._update(step, errors)
        elif step.op == "replace":
            self._replace(step, errors)
        else:
            raise AssertionError(f"unexpected op {step.op}")

    def _keep(self, step: Step) -> None:
        """A "same" step: no call; the entry takes the checked inputs and dependencies."""
        with self._lock:
            entry = self._live(step.urn)
            entry["inputs"] = step.inputs
            entry["dependencies"] = list(step.dependencies)
            self.save()

    def _store_read(self, step: Step) -> None:
        """A "read" step: the external resource as Read returned it, marked external."""
        assert step.read is not None
        entry = {"urn": step.urn, "type": step.type, "name": step.name, "id": step.read.id, "inputs": step.inputs,
                 "outputs": step.read.outputs, "dependencies": list(step.dependencies), "external": True}
        with self._lock:
            self.state["resources"] = [r for r in self.resources() if r["urn"] != step.urn]
            self.resources().append(entry)
            self.save()

    def _create(self, step: Step, errors: list[StepError], op: str = "create", replacing: Entry | None = None) -> None:
        note = self._note_pending("creating", step.urn, step.type, step.name, step.inputs)
        try:
            id_, outputs = self.call("Create", step.urn, self.provider.create, step.inputs or {})
        except Exception as e:
            self._record_failure(errors, step.urn, op, note, e)
            raise _Failed() from e
        entry = {"urn": step.urn, "type": step.type, "name": step.name, "id": id_, "inputs": step.inputs,
                 "outputs": outputs, "dependencies": list(step.dependencies)}
        with self._lock:
            self._settle(note, None)
            if replacing is not None:  # create-before-delete: the old one is deleted at the end
                replacing["delete"] = True
            self.resources().append(entry)
            self.save()

    def _update(self, step: Step, errors: list[StepError]) -> None:
        with self._lock:
            entry = self._live(step.urn)
        note = self._note_pending("updating", step.urn, step.type, step.name, step.inputs, entry["id"])
        try:
            outputs = self.call("Update", step.urn, self.provider.update, entry["id"], entry["outputs"],
                                step.inputs or {}, old_inputs=entry["inputs"])
        except Exception as e:
            self._record_failure(errors, step.urn, "update", note, e)
            raise _Failed() from e
        with self._lock:
            self._settle(note, None)
            entry["inputs"] = step.inputs
            entry["outputs"] = outputs
            entry["dependencies"] = list(step.dependencies)
            self.save()

    def _replace(self, step: Step, errors: list[StepError]) -> None:
        with self._lock:
            old = self._live(step.urn)
        if step.delete_before_replace:
            self._delete_entry(old, errors, op="replace")
            self._create(step, errors, op="replace")
        else:
            self._create(step, errors, op="replace", replacing=old)

    def _delete_entry(self, entry: Entry, errors: list[StepError], op: str = "delete") -> None:
        note = self._note_pending("deleting", entry["urn"], entry.get("type", ""), entry.get("name", ""),
                                  entry["inputs"], entry["id"])
        try:
            self.call("Delete", entry["urn"], self.provider.delete, entry["id"], entry["outputs"],
                      old_inputs=entry["inputs"])
        except Exception as e:
            self._record_failure(errors, entry["urn"], op, note, e)
            raise _Failed() from e
        with self._lock:
            self._settle(note, None)
            self.state["resources"] = [r for r in self.resources() if r is not entry]
            self.save()

    def _delete_in_order(self, entries: list[Entry], errors: list[StepError]) -> tuple[list[str], list[str]]:
        """Delete `entries` dependents first, concurrently where independent; none started
        after a failure. Returns the urns deleted and the urns never started."""
        keys, waits = delete_graph(entries)
        entry_of = dict(zip(keys, entries))
        deleted: list[str] = []

        def delete(key: DeleteKey) -> None:
            self._delete_entry(entry_of[key], errors)
            with self._lock:
                deleted.append(key[0])

        _, never_started = run_graph(keys, waits, delete, self.parallelism)
        return deleted, [key[0] for key in never_started]

    # -- refresh and destroy -------------------------------------------------------------

    def refresh(self, *, skip_preview: bool = False, clear_pending_creates: bool = False) -> RefreshResult:
        """`pulumi refresh --yes [--skip-preview] [--clear-pending-creates]`: Read every
        resource, then Diff it as the engine does to show the refresh's changes; a failed
        Read keeps the resource as it was and the others carry on."""
        if not skip_preview:  # the preview phase: Read and Diff in a process of its own, nothing stored
            self._begin_command(clear=())
            self._for_each_resource(self._read_and_diff_quietly)
        clear = _EVERY_PENDING if clear_pending_creates else _REFRESH_CLEARS
        result = RefreshResult(pending_cleared=self._begin_command(clear=clear))

        def refresh_one(entry: Entry) -> None:
            try:
                got = self._read_and_diff(entry)
            except Exception as e:
                with self._lock:
                    result.errors.append((entry["urn"], "read", e))
                return
            with self._lock:
                self._take_read(entry, got, result)
                self.save()

        self._for_each_resource(refresh_one)
        self.save()
        return result

    def _for_each_resource(self, fn: Callable[[Entry], None]) -> None:
        """fn(entry) for every resource in state now, concurrently; fn must not raise."""
        entries = list(self.resources())
        run_graph(list(range(len(entries))), {}, lambda i: fn(entries[i]), self.parallelism)

    def _read_and_diff(self, entry: Entry) -> ReadOutcome:
        """One resource's refresh: Read, then (when it still exists) Diff."""
        got = self.call("Read", entry["urn"], self.provider.read, entry["id"], entry["outputs"],
                        inputs=entry["inputs"])
        if got.id:
            self.call("Diff", entry["urn"], self.provider.diff, got.id, got.outputs,
                      got.inputs if got.inputs is not None else entry["inputs"], old_inputs=entry["inputs"])
        return got

    def _read_and_diff_quietly(self, entry: Entry) -> None:
        with contextlib.suppress(Exception):  # the refresh phase reports it
            self._read_and_diff(entry)

    def _take_read(self, entry: Entry, got: ReadOutcome, result: RefreshResult) -> None:
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
        if before != (entry["id"], entry["outputs"], entry["inputs"]):
            result.updated.append(entry["urn"])

    def destroy(self) -> DestroyResult:
        """`pulumi destroy --yes`: every pending note dropped (a pending create is not in
        resources, so nothing can delete what it made), external resources dropped
        undeleted, the others deleted dependents first."""
        result = DestroyResult(pending_cleared=self._begin_command(clear=_EVERY_PENDING))
        with self._lock:
            self.state["resources"] = [r for r in self.resources() if not r.get("external")]
        result.deleted, result.skipped = self._delete_in_order(list(self.resources()), result.errors)
        self.save()
        return result


def _would_mutate(plan: Plan) -> list[UrnOp]:
    """The steps a failed plan keeps from running: all but the unchanged and the failed."""
    return [(s.urn, s.op) for s in plan.steps if s.op not in ("same", "failed")]
