"""`python -m slb_master_slave audit`: the audit from a shell (api.py does the work).

Exit codes: 0 nothing found; 1 found something (and whatever was asked was done, or skipped
because the group changed meanwhile); 2 the audit could not be made, or something named
(`--delete ID`, `--release ID`) could not be done, or a call failed: the message says why.
Everything printed is scrubbed of the stack's secrets.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ..client.scrubbing import scrub
from ..errors import AuditUnavailable
from ..ownership.fence import WINDOW_SECONDS
from .api import (
    Action,
    AuditReport,
    Outcome,
    audit_stack,
    deletable,
    delete_groups,
    releasable,
    release,
)
from .report import render_json, render_outcomes, render_text

PROG = "python -m slb_master_slave audit"
NOTHING_FOUND, FOUND, NOT_DONE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog=PROG, description=(
            "Audit the cloud against a Pulumi stack: groups tagged with an owner of this project and stack that its "
            "state does not hold (unfinished creates, retained or forgotten groups), state entries whose group is "
            "gone, and groups sharing one owner. Changes nothing unless asked."),
        epilog="Exit codes: 0 nothing found, 1 found something, 2 could not audit or could not do what was named.")
    made.add_argument("--cwd", default=".", help="the project directory (default: the current one)")
    made.add_argument("--stack", help="the stack (default: the selected one)")
    made.add_argument("--load-balancer", action="append", default=[], metavar="ID[@REGION]",
                      help="also scan this load balancer (repeatable; default region: the stack's)")
    made.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    made.add_argument("--delete-leftovers", action="store_true",
                      help=f"delete the abandoned creates: pending groups whose maker is gone or older than "
                           f"{WINDOW_SECONDS // 60} minutes")
    made.add_argument("--delete", action="append", default=[], metavar="ID",
                      help="delete this group, which the audit must have found (repeatable)")
    made.add_argument("--release", metavar="ID",
                      help="remove the ownership tag of a group this stack's state does not hold, so adopt_id "
                           "can take it back")
    made.add_argument("--yes", action="store_true", help="do not ask before deleting or releasing")
    return made


class _Console:
    def __init__(self, report: AuditReport | None, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> None:
        self.secrets = report.settings.secrets() if report is not None else []
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr

    def out(self, text: str) -> None:
        self.stdout.write(scrub(text, self.secrets))
        self.stdout.flush()

    def err(self, text: str) -> None:
        self.stderr.write(scrub(text.rstrip("\n") + "\n", self.secrets))
        self.stderr.flush()

    def confirm(self, question: str) -> bool:
        self.stderr.write(scrub(question, self.secrets) + " [y/N] ")
        self.stderr.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")


def _found(report: AuditReport) -> int:
    return FOUND if report.found_anything else NOTHING_FOUND


def _show(console: _Console, report: AuditReport, as_json: bool, outcomes: Sequence[Outcome] = ()) -> None:
    if as_json:
        console.out(render_json(report, outcomes))
    elif outcomes:
        console.out(render_outcomes(outcomes))
    else:
        console.out(render_text(report))


def _refusal(report: AuditReport, group_id: str) -> str | None:
    """Why the named group may not be deleted, or None."""
    try:
        deletable(report, group_id)
    except AuditUnavailable as refused:
        return str(refused)
    return None


def _delete(console: _Console, report: AuditReport, args: argparse.Namespace) -> int:
    wanted = list(dict.fromkeys([*(report.leftover_ids() if args.delete_leftovers else []), *args.delete]))
    if not args.json:
        _show(console, report, False)
    refusals = [refusal for refusal in (_refusal(report, group_id) for group_id in wanted) if refusal]
    if refusals:
        if args.json:
            _show(console, report, True)
        console.err("Nothing deleted:\n" + "\n".join(f"- {refusal}" for refusal in refusals))
        return NOT_DONE
    findings = [deletable(report, group_id) for group_id in wanted]
    if not findings:
        if args.json:
            _show(console, report, True)
        console.err("Nothing to delete: no abandoned create was found.")
        return _found(report)
    listed = ", ".join(f"{f.group_id} ({f.kind.value})" for f in findings)
    if not args.yes and not console.confirm(f"Delete {len(findings)} group(s): {listed}? Each is checked again "
                                            "just before its delete."):
        if args.json:
            _show(console, report, True)
        console.err("Nothing deleted.")
        return _found(report)
    outcomes = delete_groups(report, wanted)  # = delete_leftovers(report, also=args.delete)
    _show(console, report, args.json, outcomes)
    named = set(args.delete)
    not_done = any(o.action is Action.FAILED or (o.action is Action.KEPT and o.group_id in named) for o in outcomes)
    return NOT_DONE if not_done else _found(report)


def _release(console: _Console, report: AuditReport, args: argparse.Namespace) -> int:
    group_id = args.release
    try:
        finding = releasable(report, group_id)
    except AuditUnavailable as refused:
        console.err(f"Not released: {refused}")
        return NOT_DONE
    console.err(
        f"Group {group_id} ({finding.name}, {finding.kind.value}, owner {finding.owner}) is not held by stack "
        f"{report.stack}'s state: {finding.story}.\nReleasing it removes its ownership tag, so that adopt_id can take "
        "it. If another stack's or backend's state holds it (the same project and stack names in another backend "
        "give the same owner), two resources would then manage one group: make sure none does.")
    if not args.yes and not console.confirm(f"Release group {group_id}?"):
        console.err("Not released.")
        return NOT_DONE
    outcome = release(report, group_id)
    _show(console, report, args.json, [outcome])
    return NOTHING_FOUND if outcome.action is Action.RELEASED else NOT_DONE


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    streams = (stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr)
    if args.release and (args.delete or args.delete_leftovers):
        _Console(None, *streams).err(f"{PROG}: --release goes alone, not with --delete or --delete-leftovers.")
        return NOT_DONE
    try:
        report = audit_stack(args.cwd, args.stack, load_balancers=args.load_balancer)
    except AuditUnavailable as error:
        _Console(None, *streams).err(f"Could not audit: {error}")
        return NOT_DONE
    console = _Console(report, *streams)
    if args.release:
        return _release(console, report, args)
    if args.delete_leftovers or args.delete:
        return _delete(console, report, args)
    _show(console, report, args.json)
    return _found(report)
