"""What the engine harness's commands return: the plan's steps and each command's result.

Plain data, apart from the few properties tests ask (`ok`, `crashed`, `ops`), so a test
reads a run the way the CLI's summary reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .provider_process import DiffOutcome, Props, ProviderCrashed, ReadOutcome

__all__ = ["DestroyResult", "Plan", "RefreshResult", "Step", "StepError", "UpResult", "UrnOp"]

StepError = tuple[str, str, Exception]  # (urn, op, the error)
UrnOp = tuple[str, str]  # (urn, op)
PendingOperation = dict[str, Any]  # {"type": "creating"|"updating"|"deleting", "resource": {...}}


@dataclass
class Step:
    urn: str
    op: str  # "create" | "same" | "update" | "replace" | "delete" | "read" | "failed"
    replaces: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # [(property, reason)]
    diff: DiffOutcome | None = None
    delete_before_replace: bool = False
    inputs: Props | None = None  # the checked inputs the step would use
    type: str = ""
    name: str = ""
    dependencies: list[str] = field(default_factory=list)
    read: ReadOutcome | None = None  # the ReadOutcome of a "read" step


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # [(urn, property, reason)]
    errors: list[StepError] = field(default_factory=list)  # [(urn, op, ProviderError)]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    @property
    def ops(self) -> dict[str, str]:
        """urn -> op (the op of the last step for that urn)."""
        return {s.urn: s.op for s in self.steps}


def _crashed(errors: list[StepError]) -> bool:
    return any(isinstance(e, ProviderCrashed) for _, _, e in errors)


@dataclass
class UpResult:
    plan: Plan
    errors: list[StepError] = field(default_factory=list)  # [(urn, op, ProviderError)]
    skipped: list[UrnOp] = field(default_factory=list)  # [(urn, op)] never started
    pending_cleared: list[PendingOperation] = field(default_factory=list)  # pending operations of a crashed run, dropped

    @property
    def crashed(self) -> bool:
        """The provider process died during this run (see Engine.crash_during)."""
        return _crashed(self.errors)

    @property
    def steps(self) -> list[Step]:
        return self.plan.steps

    @property
    def failures(self) -> list[tuple[str, str, str]]:
        return self.plan.failures

    @property
    def ok(self) -> bool:
        return self.plan.ok and not self.errors and not self.skipped


@dataclass
class RefreshResult:
    removed: list[str] = field(default_factory=list)  # urns dropped (Read returned id "")
    updated: list[str] = field(default_factory=list)  # urns whose outputs/inputs changed
    errors: list[StepError] = field(default_factory=list)  # [(urn, "read", ProviderError)]
    pending_cleared: list[PendingOperation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def crashed(self) -> bool:
        return _crashed(self.errors)


@dataclass
class DestroyResult:
    deleted: list[str] = field(default_factory=list)
    errors: list[StepError] = field(default_factory=list)  # [(urn, "delete", ProviderError)]
    skipped: list[str] = field(default_factory=list)
    pending_cleared: list[PendingOperation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.skipped

    @property
    def crashed(self) -> bool:
        return _crashed(self.errors)
