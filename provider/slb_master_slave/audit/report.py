"""The audit's report for people (a short table, each finding's story under it) and for
programs (`--json`: one stable document). Pure: text in, text out."""

from __future__ import annotations

import dataclasses
import enum
import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..ownership.fence import WINDOW_SECONDS
from .findings import Finding, Kind

if TYPE_CHECKING:
    from .api import AuditReport, Outcome

JSON_FORMAT = 1
OWNER_CHARS = 44
STORY_WIDTH = 100
_COLUMNS = ("GROUP", "KIND", "NAME", "AGE", "OWNER")


def short_age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _cut(text: str | None, limit: int) -> str:
    if not text:
        return "-"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _row(finding: Finding) -> tuple[str, ...]:
    group = finding.group_id or ",".join(finding.group_ids)
    return (group, finding.kind.value, _cut(finding.name, 24) if finding.name else "-", short_age(finding.age_seconds),
            _cut(finding.owner, OWNER_CHARS))


def _table(findings: Sequence[Finding]) -> list[str]:
    rows = [_COLUMNS, *(_row(f) for f in findings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index:
            lines += textwrap.wrap(findings[index - 1].story, STORY_WIDTH, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False)
    return lines


def _what_next(report: AuditReport) -> str:
    leftovers = report.leftover_ids()
    kinds = {f.kind for f in report.findings}
    parts = []
    if leftovers:
        parts.append(f"--delete-leftovers deletes the {len(leftovers)} abandoned create(s) ({', '.join(leftovers)})")
    if kinds & {Kind.NOT_IN_STATE, Kind.SAME_OWNER}:
        parts.append("a completed group the state does not hold is deleted only when named (--delete ID), or "
                     "taken back with --release ID and adopt_id")
    if Kind.CREATE_IN_PROGRESS in kinds:
        parts.append(f"a create that may still be running is left alone: audit again after {WINDOW_SECONDS // 60} "
                     "minutes")
    if Kind.GROUP_GONE in kinds:
        parts.append("`pulumi refresh` drops the state entries whose group is gone")
    return "; ".join(parts) + "."


def render_text(report: AuditReport) -> str:
    places = ", ".join(f"{p.load_balancer_id} ({p.region_id}{', gone' if p.gone else ''})" for p in report.scanned)
    lines = [f"Audit of stack {report.stack} (project {report.project}) on {places}:"]
    if not report.findings:
        lines.append("nothing found: every group of this stack there is held by its state, and every group its "
                     "state holds there exists.")
        return "\n".join(lines) + "\n"
    count = len(report.findings)
    lines.append(f"{count} finding{'s' if count != 1 else ''}.")
    lines += ["", *_table(report.findings), ""]
    lines += textwrap.wrap(_what_next(report), STORY_WIDTH, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def render_outcomes(outcomes: Sequence[Outcome]) -> str:
    lines = [f"{outcome.action.value}: {outcome.group_id}" + (f" ({outcome.reason})" if outcome.reason else "")
             for outcome in outcomes]
    return "\n".join(lines) + ("\n" if lines else "")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def report_document(report: AuditReport, outcomes: Sequence[Outcome] = ()) -> dict[str, Any]:
    """The `--json` document: `format` changes only when a field changes meaning or goes."""
    return {
        "format": JSON_FORMAT,
        "project": report.project,
        "stack": report.stack,
        "scanned": [dataclasses.asdict(place) for place in report.scanned],
        "found": report.found_anything,
        "findings": [_plain(dataclasses.asdict(finding)) for finding in report.findings],
        "actions": [_plain(dataclasses.asdict(outcome)) for outcome in outcomes],
    }


def render_json(report: AuditReport, outcomes: Sequence[Outcome] = ()) -> str:
    return json.dumps(report_document(report, outcomes), indent=2) + "\n"
