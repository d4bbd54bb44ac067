"""What the audit finds, decided from a stack's state and the cloud's listings: pure, no I/O.

A group belongs to a project's stack when its ownership tag (ownership/tag.py) says so:
- exactly: a URN value `urn:pulumi:<stack>::<project>::...`, a long value of this release
  (`...~<stack key>.<digest>`), or a pending value whose stack key is this stack's (release
  0.3/0.4's `pending:<URN>` included);
- probably: a long value of releases 0.2 to 0.4 (`<first 63>~<sha256>`, `<head>..<tail>~<20 hex>`,
  pending or not), which carries no stack key: its readable head is matched against
  `urn:pulumi:<stack>::<project>::` as far as it goes.

The findings:
- `abandoned-create`: a pending group the fence (ownership/fence.py) calls abandoned: its maker is known
  gone, or it is older than the window. No state holds a pending group, so these are what
  `--delete-leftovers` deletes.
- `create-in-progress`: a pending group whose create may still be running: left alone.
- `not-in-state`: a completed group of this stack the state does not hold: retained, forgotten
  by a rolled-back state or a killed CLI, or held by another backend's state with the same
  names. Reported, never deleted unless named.
- `group-gone`: a state entry whose group no longer exists (its load balancer lists no such id,
  or the load balancer is gone: never one answer alone, as client/gone.py).
- `same-owner`: two or more groups carrying one completed owner value.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..domain.model import LiveGroup
from ..ownership import fence
from ..ownership.maker import Maker
from ..ownership.tag import (
    OWNER_TAG_KEY,
    PendingMark,
    completed_stack_key,
    is_pending,
    names_owner,
    parse_pending,
    stack_key,
    urn_scope,
)
from .stack_reader import StackSnapshot, StateGroup

_LEGACY_0_2_LONG = re.compile(r"~[0-9a-f]{64}$")  # the URN's first 63 characters, `~`, its SHA-256
_LEGACY_0_4_LONG = re.compile(r"~[0-9a-f]{20}$")  # a readable head (and tail), `~`, 20 hex digits
_CURRENT_LONG = re.compile(r"~[0-9a-f]{10}\.[0-9a-f]{20}$")  # this release: `~<stack key>.<digest>`
_LEGACY_0_2_HEAD = 63
_LEGACY_0_4_HEAD = 40


class Certainty(str, enum.Enum):
    EXACT = "exact"
    PROBABLE = "probable"  # a long value of release 0.2-0.4: matched by its readable head only


class Kind(str, enum.Enum):
    ABANDONED_CREATE = "abandoned-create"
    CREATE_IN_PROGRESS = "create-in-progress"
    NOT_IN_STATE = "not-in-state"
    GROUP_GONE = "group-gone"
    SAME_OWNER = "same-owner"


def _legacy_head(value: str) -> str | None:
    """The readable head of a long value of release 0.2-0.4, or None for any other value."""
    if _LEGACY_0_2_LONG.search(value):
        return value[:_LEGACY_0_2_HEAD]
    if _LEGACY_0_4_LONG.search(value):
        readable = value[:value.rindex("~")]
        cut = readable[_LEGACY_0_4_HEAD:_LEGACY_0_4_HEAD + 2] == ".."
        return readable[:_LEGACY_0_4_HEAD] if cut else readable
    return None


def _head_matches(head: str, project: str, stack: str) -> bool:
    prefix = f"urn:pulumi:{stack}::{project}::"
    return head.startswith(prefix) or (len(head) < len(prefix) and prefix.startswith(head))


def recognise(value: str | None, project: str, stack: str) -> Certainty | None:
    """Whether an ownership tag value belongs to this project's stack, and how surely."""
    if not value:
        return None
    mark = parse_pending(value)
    named = value if mark is None else mark.legacy_owner_value
    head = _legacy_head(named) if named else None
    if head is not None:
        return Certainty.PROBABLE if _head_matches(head, project, stack) else None
    key = stack_key(project, stack)
    if mark is not None:
        return Certainty.EXACT if mark.stack == key else None
    return Certainty.EXACT if completed_stack_key(value) == key else None


@dataclass(frozen=True)
class ScannedLoadBalancer:
    """One load balancer's groups: those carrying the owner key (with their tags), and every id
    it lists (None when not listed: no state entry there to confirm). `gone`: the load balancer
    itself no longer exists."""

    load_balancer_id: str
    region_id: str
    tagged: tuple[LiveGroup, ...] = ()
    listed_ids: frozenset[str] | None = None
    gone: bool = False


@dataclass(frozen=True)
class Finding:
    kind: Kind
    group_id: str | None  # None for same-owner (see group_ids)
    group_ids: tuple[str, ...]
    name: str
    load_balancer_id: str
    region_id: str
    owner: str | None  # the ownership tag's value
    status: str | None  # "pending" | "completed" | None (a state entry without a group)
    created: str | None  # the API's CreateTime
    age_seconds: int | None
    certainty: Certainty
    resource: str | None  # the URN the owner value names, when known (the state entry's, for group-gone)
    story: str
    leftover: bool = False  # deleted by --delete-leftovers

    @property
    def names_a_group(self) -> bool:
        """A finding about one existing group (what --delete and --release may name)."""
        return self.group_id is not None and self.kind is not Kind.GROUP_GONE


@dataclass(frozen=True)
class Circumstances:
    """What the classification needs from outside: the time, and whether a maker is gone."""

    now: float
    maker_gone: Callable[[Maker], bool | None]
    default_region: str | None = None


def _age(create_time: str | None, now: float) -> int | None:
    created = fence.created_at(create_time)
    return None if created is None else max(0, int(now - created))


def _resource_named(value: str, mark: PendingMark | None, urns: Iterable[str]) -> str | None:
    """The URN (among those the state names) that the value names; a URN value names itself."""
    for urn in sorted(urns):
        if (mark.is_for(urn) if mark is not None else names_owner(value, urn)):
            return urn
    named = mark.legacy_owner_value if mark is not None else value
    hashed = named is not None and (_legacy_head(named) is not None or _CURRENT_LONG.search(named) is not None)
    return named if named and not hashed and urn_scope(named) else None


def _of(resource: str | None) -> str:
    return f" of {resource.rsplit('::', 1)[-1]}" if resource else ""


def _probably(certainty: Certainty) -> str:
    return ("probably this stack's (a long value of release 0.2-0.4, matched by its readable head): "
            if certainty is Certainty.PROBABLE else "")


def _pending_story(mark: PendingMark, standing: fence.Standing, age: str, gone: bool | None,
                   resource: str | None) -> str:
    maker = Maker.parse(mark.maker)
    window = fence.WINDOW_SECONDS // 60
    if standing is fence.Standing.ABANDONED:
        why = (f"its maker, process {maker.pid} on this machine, has ended" if maker is not None and gone
               else f"{age}, past the {window}-minute window after which no create completes it")
        legacy = " (release 0.3/0.4: maker unknown)" if maker is None else ""
        return f"an unfinished create{_of(resource)}{legacy}: {why}; no state holds it"
    if maker is None:
        by = ", by release 0.3/0.4 (maker unknown)"
    elif gone is False:
        by = f", on this machine by process {maker.pid}, still running"
    else:
        by = ", on another machine"
    return (f"a create{_of(resource)} that may still be running ({age}{by}): left alone; if none runs, "
            f"--delete-leftovers deletes it once {window} minutes old")


def _not_in_state_story(group_id: str, resource: str | None, snapshot: StackSnapshot) -> str:
    holder = next((g for g in snapshot.groups if resource and not g.pending_create
                   and resource in (g.urn, g.owner)), None)
    if holder is not None:
        return (f"resource {holder.name} holds group {holder.group_id} in this state and this one carries the "
                "same owner: forgotten by a rolled-back or re-imported state (or a killed CLI), unless another "
                f"backend's state with the same project and stack names holds it; --delete {group_id} removes it")
    if resource in snapshot.pending_creates:
        return (f"the state records an interrupted create{_of(resource)} (a pending operation): "
                "`pulumi refresh --import-pending-creates` takes it into the state")
    return (f"a group{_of(resource)} this stack's state does not hold: retained (retain_on_delete) or forgotten "
            "(a rolled-back state, a killed CLI), unless another backend's state with the same project and stack "
            f"names holds it; --release {group_id} lets adopt_id take it back, --delete {group_id} removes it")


def _group_finding(kind: Kind, group: LiveGroup, scan: ScannedLoadBalancer, value: str, certainty: Certainty,
                   resource: str | None, story: str, now: float) -> Finding:
    return Finding(kind, group.id, (group.id,), group.name, scan.load_balancer_id, scan.region_id, value,
                   "pending" if is_pending(value) else "completed", group.create_time, _age(group.create_time, now),
                   certainty, resource, _probably(certainty) + story, leftover=kind is Kind.ABANDONED_CREATE)


def _tagged_finding(group: LiveGroup, scan: ScannedLoadBalancer, value: str, certainty: Certainty,
                    snapshot: StackSnapshot, at: Circumstances) -> Finding:
    mark = parse_pending(value)
    resource = _resource_named(value, mark, snapshot.urns)
    if mark is None:
        story = _not_in_state_story(group.id, resource, snapshot)
        return _group_finding(Kind.NOT_IN_STATE, group, scan, value, certainty, resource, story, at.now)
    maker = Maker.parse(mark.maker)
    gone = at.maker_gone(maker) if maker is not None else None
    standing = fence.standing(mark, value, group.create_time, now=at.now, me=_NOBODY,
                              maker_gone=lambda _maker: gone, running_here=lambda _value: False)
    story = _pending_story(mark, standing, fence.age_text(group.create_time, at.now), gone, resource)
    kind = Kind.ABANDONED_CREATE if standing is fence.Standing.ABANDONED else Kind.CREATE_IN_PROGRESS
    return _group_finding(kind, group, scan, value, certainty, resource, story, at.now)


# The audit makes no group: no pending value names it as maker.
_NOBODY = Maker("0" * 10, 0, 0)


def _same_owner_findings(carriers: Mapping[str, list[tuple[LiveGroup, ScannedLoadBalancer, Certainty]]],
                         snapshot: StackSnapshot) -> list[Finding]:
    findings = []
    for value, found in sorted(carriers.items()):
        if len(found) < 2:
            continue
        ids = tuple(sorted(group.id for group, _, _ in found))
        held = [group_id for group_id in ids if snapshot.holding(group_id)]
        group, scan, certainty = found[0]
        resource = _resource_named(value, None, snapshot.urns)
        story = (_probably(certainty) + f"{len(ids)} groups carry the owner value{_of(resource)}: {', '.join(ids)}; "
                 + (f"the state holds {', '.join(held)}" if held else "the state holds none of them")
                 + " (each one it does not hold is listed on its own)")
        findings.append(Finding(Kind.SAME_OWNER, None, ids, group.name, scan.load_balancer_id, scan.region_id, value,
                                "completed", None, None, certainty, resource, story))
    return findings


def _gone_finding(entry: StateGroup, scan: ScannedLoadBalancer) -> Finding:
    where = (f"its load balancer {scan.load_balancer_id} is gone" if scan.gone
             else f"load balancer {scan.load_balancer_id} lists no such group")
    story = (f"the state holds {entry.name} with group {entry.group_id}, which no longer exists ({where}): "
             "`pulumi refresh` drops it from the state, and the next `pulumi up` creates it again")
    return Finding(Kind.GROUP_GONE, entry.group_id, (entry.group_id,), entry.name, scan.load_balancer_id,
                   scan.region_id, None, None, None, None, Certainty.EXACT, entry.urn, story)


def _gone_findings(snapshot: StackSnapshot, scans: Iterable[ScannedLoadBalancer],
                   default_region: str | None) -> list[Finding]:
    places = {(scan.load_balancer_id, scan.region_id): scan for scan in scans}
    findings = []
    for entry in snapshot.groups:
        scan = places.get((entry.load_balancer_id or "", entry.region_id or default_region or ""))
        if scan is None or entry.pending_create:
            continue
        if scan.gone or (scan.listed_ids is not None and entry.group_id not in scan.listed_ids):
            findings.append(_gone_finding(entry, scan))
    return findings


def classify(snapshot: StackSnapshot, scans: Iterable[ScannedLoadBalancer], at: Circumstances) -> list[Finding]:
    """Every finding, in a stable order: groups the state does not hold (by load balancer, then
    id), same-owner sets, then state entries whose group is gone."""
    scans = list(scans)
    findings: list[Finding] = []
    carriers: dict[str, list[tuple[LiveGroup, ScannedLoadBalancer, Certainty]]] = {}
    seen: set[str] = set()
    for scan in scans:
        for group in sorted(scan.tagged, key=lambda g: g.id):
            value = (group.tags or {}).get(OWNER_TAG_KEY)
            certainty = recognise(value, snapshot.project, snapshot.stack)
            if value is None or certainty is None or group.id in seen:
                continue
            seen.add(group.id)
            if not is_pending(value):
                carriers.setdefault(value, []).append((group, scan, certainty))
            if snapshot.holding(group.id) is None:
                findings.append(_tagged_finding(group, scan, value, certainty, snapshot, at))
    return findings + _same_owner_findings(carriers, snapshot) + _gone_findings(snapshot, scans, at.default_region)
