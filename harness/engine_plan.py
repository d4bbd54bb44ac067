"""Step generation: what `pulumi preview` and the first phase of `pulumi up` ask the provider
and the op each resource gets, serially in registration order as the engine's step
generator does (reduced to one provider and dynamic custom resources).

  Check(urn, olds = prior INPUTS or {}, news = program inputs)
  new urn                          -> "create"
  urn in state: Diff(id, olds = prior OUTPUTS, news = checked inputs)
      DIFF_NONE                    -> "same"
      DIFF_SOME, no replaces       -> "update"
      DIFF_SOME with replaces      -> "replace": Check again with olds {} (a replacement
                                      recomputes defaults); the replacement uses those inputs
      DIFF_UNKNOWN                 -> the engine compares old and new inputs itself
                                      (diffResource in pkg/resource/deploy/step_generator.go)
  `up --replace <urn>`, a tainted resource -> Check with olds {}, no Diff, "replace"
  `--target`: no call at all for an untargeted resource; one in state stays "same"
  a `Resource.get` (registration with read_id) -> Read(id, properties = inputs = the
                                      program's props): "read"; an empty id fails the step
  urn in state, not in the program -> "delete" (as are pending deletes of a failed run)
  a Check failure or a Check/Diff/Read error -> "failed"; nothing is mutated.

Against the real engine's golden traces (tests/test_harness_matches_engine.py): create,
same, update, diff-driven replace, --replace, taint, --target and delete. The Read of a
`get`, DIFF_UNKNOWN and delete-before-replace have no golden trace.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator

import grpc

from .engine_results import Plan, Step
from .plugin_host import PluginHost
from .program import Registration
from .provider_process import Props, ProviderError
from .state_file import Entry, live_entry

__all__ = ["Planner", "driven"]


def driven(registrations: Iterable[Registration]) -> list[Registration]:
    """The registrations the harness drives: dynamic custom resources (components and
    other packages' resources are ignored, and so are dependencies on them)."""
    return [r for r in registrations if r.is_dynamic and r.custom]


class Planner:
    """One command's step generation. The state is read afresh at every step: a pipelined
    up changes it while planning goes on."""

    def __init__(self, host: PluginHost, resources: Callable[[], list[Entry]], *,
                 replace: Iterable[str] = (), targets: Iterable[str] | None = None) -> None:
        self._host = host
        self._resources = resources
        self._replace = frozenset(replace)
        self._targets = frozenset(targets) if targets is not None else None

    def plan(self, registrations: list[Registration]) -> Plan:
        plan = Plan()
        for _ in self.steps(registrations, plan):
            pass
        return plan

    def steps(self, registrations: list[Registration], plan: Plan) -> Iterator[Step]:
        """Plan registration by registration, yielding each step as soon as it is planned
        (ops create/same/update/replace/read/failed); delete steps are added to the plan at
        the end, never yielded."""
        seen: set[str] = set()
        for reg in driven(registrations):
            if reg.urn in seen:
                raise ValueError(f"duplicate resource urn {reg.urn}")
            seen.add(reg.urn)
            step = self._step(reg, plan) if self.targeted(reg.urn) else self._untargeted(reg)
            if step is not None:
                plan.steps.append(step)
                yield step
        plan.steps += self._deletes(seen)

    def targeted(self, urn: str) -> bool:
        """Not left out by --target."""
        return self._targets is None or urn in self._targets

    def _untargeted(self, reg: Registration) -> Step | None:
        """--target leaves this one alone: no call; in state it stays as it is, new it is not created."""
        prior = live_entry(self._resources(), reg.urn)
        if prior is None:
            return None
        return Step(urn=reg.urn, op="same", type=reg.type, name=reg.name,
                    dependencies=list(reg.dependencies), inputs=prior["inputs"])

    def _deletes(self, program_urns: set[str]) -> list[Step]:
        """Resources gone from the program and pending deletes; external ones (a `get`) are
        dropped from state by up, never deleted."""
        return [Step(urn=r["urn"], op="delete", type=r.get("type", ""), name=r.get("name", ""),
                     dependencies=list(r.get("dependencies", [])))
                for r in self._resources()
                if not r.get("external") and self.targeted(r["urn"])
                and (r.get("delete") or r["urn"] not in program_urns)]

    def _step(self, reg: Registration, plan: Plan) -> Step:
        """The step for one registration; its op stays "failed" on an error or a check failure."""
        step = Step(urn=reg.urn, op="failed", type=reg.type, name=reg.name, dependencies=list(reg.dependencies))
        if reg.read_id:
            self._read(reg, reg.read_id, step, plan)
            return step
        prior = live_entry(self._resources(), reg.urn)
        if prior is not None and (prior.get("taint") or reg.urn in self._replace):
            self._targeted_replace(reg, step, plan)
            return step
        inputs = self._check(reg, copy.deepcopy(prior["inputs"]) if prior else {}, step, plan)
        if inputs is None:
            return step
        step.inputs = inputs
        if prior is None:
            step.op = "create"
        else:
            self._diff(reg, prior, inputs, step, plan)
        return step

    def _check(self, reg: Registration, olds: Props, step: Step, plan: Plan) -> Props | None:
        """Check; the checked inputs, or None after recording an error or failures."""
        try:
            checked = self._host.call("Check", reg.urn, self._host.provider.check, olds, copy.deepcopy(reg.inputs))
        except ProviderError as e:
            plan.errors.append((reg.urn, "check", e))
            return None
        if checked.failures:
            step.failures = list(checked.failures)
            plan.failures += [(reg.urn, prop, reason) for prop, reason in checked.failures]
            return None
        return checked.inputs

    def _targeted_replace(self, reg: Registration, step: Step, plan: Plan) -> None:
        """`up --replace <urn>` and a tainted resource: Check with NO olds, no Diff at all
        (isTargetedReplace and the early return in the step generator's diff())."""
        inputs = self._check(reg, {}, step, plan)
        if inputs is None:
            return
        step.inputs = inputs
        step.replaces = ["(targeted replace)"]
        step.delete_before_replace = reg.delete_before_replace
        step.op = "replace"

    def _diff(self, reg: Registration, prior: Entry, inputs: Props, step: Step, plan: Plan) -> None:
        """A resource already in state: Diff, and the op its answer means."""
        try:
            d = self._host.call("Diff", reg.urn, self._host.provider.diff, prior["id"], prior["outputs"], inputs,
                                old_inputs=prior["inputs"])
        except ProviderError as e:
            plan.errors.append((reg.urn, "diff", e))
            return
        step.diff = d
        changes = d.changes
        if changes == "unknown":  # the engine diffs the inputs itself and keeps the provider's replaces
            changes = "some" if prior["inputs"] != inputs else "none"
        if changes == "none":
            step.op = "same"
        elif not d.replaces:
            step.op = "update"
        else:
            step.replaces = list(d.replaces)
            step.delete_before_replace = d.delete_before_replace or reg.delete_before_replace
            rechecked = self._check(reg, {}, step, plan)  # a replacement recomputes defaults
            if rechecked is not None:
                step.inputs = rechecked
                step.op = "replace"

    def _read(self, reg: Registration, read_id: str, step: Step, plan: Plan) -> None:
        """ReadResource, in preview as in up: the engine sends the program's props as both
        properties and inputs (its gRPC log for a `get`); pulumi.dynamic 3.260 reads
        __provider from the properties."""
        try:
            got = self._host.call("Read", reg.urn, self._host.provider.read, read_id, copy.deepcopy(reg.inputs),
                                  inputs=copy.deepcopy(reg.inputs))
        except ProviderError as e:
            plan.errors.append((reg.urn, "read", e))
            return
        if not got.id:
            missing = ProviderError("Read", grpc.StatusCode.NOT_FOUND, f"resource '{read_id}' does not exist")
            plan.errors.append((reg.urn, "read", missing))
            return
        step.read = got
        step.inputs = got.inputs if got.inputs is not None else reg.inputs
        step.op = "read"
