"""The audit of the cloud against a stack: what the stack left behind, and clearing it.

    from slb_master_slave.audit import audit_stack, delete_leftovers, release
    report = audit_stack("path/to/project")            # the selected stack; stack="prod" for another
    for finding in report.findings: print(finding.kind.value, finding.group_id, finding.story)
    outcomes = delete_leftovers(report)                 # the abandoned creates (also=[ids] for more)
    release(report, "rsp-...")                          # then adopt_id takes the group back

`audit_stack` reads the stack's state and config through the user's Pulumi CLI
(stack_reader.py), then lists, on every load balancer the state names (and any given), the
groups carrying the ownership key; findings.py decides what each one is. It changes
nothing. `delete_groups` and `release` act on what a report found, each group re-checked just
before it is touched: the state is exported again (a concurrent `up` may have just recorded
it) and the group read again (it must still carry the value it was listed with). What is
left is the instant between that read and the call itself: the API has no conditional delete.

Never imported by the provider process (it runs `python -m slb_master_slave audit`).
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..client.api_error import SlbApiError
from ..client.gateway import SlbGateway
from ..client.gone import confirmed_gone, load_balancer_gone
from ..client.scrubbing import scrub
from ..client.settings import Settings, SettingsError, resolve_settings
from ..domain.model import LiveGroup
from ..errors import AuditUnavailable
from ..ownership import maker
from ..ownership.tag import OWNER_TAG_KEY, owner_of
from .findings import Circumstances, Finding, Kind, ScannedLoadBalancer, classify
from .stack_reader import StackReader, StackSnapshot

__all__ = [
    "Action",
    "AuditReport",
    "AuditUnavailable",
    "Finding",
    "Kind",
    "Outcome",
    "audit_stack",
    "deletable",
    "delete_groups",
    "delete_leftovers",
    "releasable",
    "release",
]


@dataclass(frozen=True)
class Place:
    load_balancer_id: str
    region_id: str
    gone: bool = False


@dataclass(frozen=True)
class AuditReport:
    project: str
    stack: str
    scanned: tuple[Place, ...]
    findings: tuple[Finding, ...]
    reader: StackReader = field(repr=False, compare=False)
    settings: Settings = field(repr=False, compare=False)

    @property
    def found_anything(self) -> bool:
        return bool(self.findings)

    def leftover_ids(self) -> list[str]:
        """The groups --delete-leftovers deletes: pending groups the fence calls abandoned."""
        return [f.group_id for f in self.findings if f.leftover and f.group_id]

    def about(self, group_id: str) -> Finding | None:
        """The finding about this one existing group (not a same-owner set or a gone state entry)."""
        return next((f for f in self.findings if f.names_a_group and f.group_id == group_id), None)


class Action(str, enum.Enum):
    DELETED = "deleted"
    RELEASED = "released"
    ALREADY_GONE = "already-gone"
    KEPT = "kept"  # the re-check found it changed: not touched
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    group_id: str
    action: Action
    reason: str = ""


def _parse_place(text: str, default_region: str | None) -> tuple[str, str | None]:
    load_balancer_id, _, region = text.partition("@")
    return load_balancer_id.strip(), (region.strip() or default_region)


def _places(snapshot: StackSnapshot, settings: Settings, extra: Iterable[str]) -> list[tuple[str, str]]:
    """(load balancer, region) pairs to scan: the state's (its pending creates' too) and the given
    ones (`ID` or `ID@REGION`)."""
    wanted = [(load_balancer_id, region or settings.region) for load_balancer_id, region in sorted(
        snapshot.places, key=lambda place: (place[0], place[1] or ""))]
    wanted += [_parse_place(text, settings.region) for text in extra]
    places: list[tuple[str, str]] = []
    for load_balancer_id, region in wanted:
        if not load_balancer_id:
            continue
        if not region:
            raise AuditUnavailable(f"No region for load balancer {load_balancer_id}: set `alicloud:region` in the "
                                   f"stack's config or ALICLOUD_REGION, or give --load-balancer "
                                   f"{load_balancer_id}@REGION.")
        if (load_balancer_id, region) not in places:
            places.append((load_balancer_id, region))
    if not places:
        raise AuditUnavailable(f"Nothing to scan: the state of stack {snapshot.stack} names no load balancer (nothing "
                               "deployed, or destroyed). Name the load balancers to look at with --load-balancer ID "
                               "(repeatable; ID@REGION for another region than the stack's).")
    return places


def _gateway(settings: Settings, region: str) -> SlbGateway:
    try:
        return SlbGateway(dataclasses.replace(settings, region=region))
    except SettingsError as error:
        raise AuditUnavailable(str(error)) from None


def _with_tags(gateway: SlbGateway, groups: list[LiveGroup]) -> tuple[LiveGroup, ...]:
    """A listing item without its Tags is read again for them (the API's answers may omit them)."""
    complete = []
    for listed in groups:
        if listed.tags is not None:
            complete.append(listed)
            continue
        try:
            complete.append(gateway.describe_group(listed.id))
        except SlbApiError as error:
            if not confirmed_gone(gateway, listed.id, listed.load_balancer_id, error):
                raise
    return tuple(complete)


def _scan(gateway: SlbGateway, load_balancer_id: str, region: str, *, list_all: bool) -> ScannedLoadBalancer:
    try:
        tagged = gateway.list_groups(load_balancer_id, tags={OWNER_TAG_KEY: None})
        listed = frozenset(g.id for g in gateway.list_groups(load_balancer_id)) if list_all else None
        return ScannedLoadBalancer(load_balancer_id, region, _with_tags(gateway, tagged), listed)
    except SlbApiError as error:
        if load_balancer_gone(error):
            return ScannedLoadBalancer(load_balancer_id, region, gone=True)
        raise AuditUnavailable(f"Listing the groups of load balancer {load_balancer_id} in {region} failed:\n{error}"
                               ) from None


def audit_stack(cwd: str = ".", stack: str | None = None, *, load_balancers: Sequence[str] = (),
                environ: Mapping[str, str] | None = None) -> AuditReport:
    """Audit the cloud against a stack (the selected one in `cwd`, or `stack`); changes nothing.
    Raises AuditUnavailable when the stack or the cloud cannot be read (the message says why)."""
    reader = StackReader(cwd, stack, environ=environ)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two CLI runs at once: each may wait on the backend
        config, exported = pool.submit(reader.config), pool.submit(reader.snapshot)
    try:
        settings = resolve_settings(config.result(), reader.environ)
    except SettingsError as error:
        raise AuditUnavailable(str(error)) from None
    reader.secrets = sorted(set(reader.secrets) | set(settings.secrets()))
    try:
        snapshot = exported.result()
    except AuditUnavailable as error:
        raise AuditUnavailable(scrub(str(error), reader.secrets)) from None
    state_places = {(g.load_balancer_id, g.region_id or settings.region) for g in snapshot.groups}
    scans = [_scan(_gateway(settings, region), load_balancer_id, region,  # one time budget per load balancer
                   list_all=(load_balancer_id, region) in state_places)
             for load_balancer_id, region in _places(snapshot, settings, load_balancers)]
    findings = classify(snapshot, scans, Circumstances(time.time(), maker.is_gone, settings.region))
    scanned = tuple(Place(s.load_balancer_id, s.region_id, s.gone) for s in scans)
    return AuditReport(snapshot.project, snapshot.stack, scanned, tuple(findings), reader, settings)


def deletable(report: AuditReport, group_id: str) -> Finding:
    """The finding that lets a named group be deleted or released; AuditUnavailable saying why not."""
    finding = report.about(group_id)
    if finding is not None:
        return finding
    gone = next((f for f in report.findings if f.kind is Kind.GROUP_GONE and f.group_id == group_id), None)
    if gone is not None:
        raise AuditUnavailable(f"Group {group_id} no longer exists (the state's {gone.name} still names it): "
                               "`pulumi refresh` drops it from the state.")
    held = report.reader.snapshot().holding(group_id)
    if held is not None:
        raise AuditUnavailable(f"Group {group_id} is held by stack {report.stack}'s state ({held.urn}): the audit "
                               "never touches it. Remove the resource from the program and run `pulumi up` (or "
                               "`pulumi destroy`) to delete it.")
    scanned = ", ".join(f"{p.load_balancer_id} ({p.region_id})" for p in report.scanned)
    raise AuditUnavailable(f"Group {group_id} is not among what this audit found on {scanned}: it carries no owner of "
                           f"project {report.project}'s stack {report.stack}, or it is on a load balancer not scanned "
                           "(add --load-balancer ID).")


def _recheck(report: AuditReport, finding: Finding, gateway: SlbGateway) -> Outcome | None:
    """Just before a group is touched: None when it may go ahead, else the outcome that stops it."""
    assert finding.group_id is not None
    group_id = finding.group_id
    try:
        held = report.reader.snapshot().holding(group_id)
    except AuditUnavailable as error:
        return Outcome(group_id, Action.FAILED, f"the state could not be read again, so it was not touched: {error}")
    if held is not None:
        return Outcome(group_id, Action.KEPT, f"the state holds it now ({held.urn}): not touched")
    try:
        live = gateway.describe_group(group_id)
    except SlbApiError as error:
        if confirmed_gone(gateway, group_id, finding.load_balancer_id, error):
            return Outcome(group_id, Action.ALREADY_GONE, "it no longer exists")
        return Outcome(group_id, Action.FAILED, str(error))
    if live.tags is None:
        return Outcome(group_id, Action.KEPT, "its tags could not be read again: not touched")
    now = owner_of(live.tags)
    if now != finding.owner:
        return Outcome(group_id, Action.KEPT, f"its ownership tag changed since it was listed ({finding.owner} -> "
                                              f"{now or 'none'}): not touched")
    return None


def _delete_one(report: AuditReport, finding: Finding) -> Outcome:
    assert finding.group_id is not None
    gateway = _gateway(report.settings, finding.region_id)
    stopped = _recheck(report, finding, gateway)
    if stopped is not None:
        return stopped
    try:
        gateway.delete_group(finding.group_id)
    except SlbApiError as error:
        if confirmed_gone(gateway, finding.group_id, finding.load_balancer_id, error):
            return Outcome(finding.group_id, Action.ALREADY_GONE, "it no longer exists")
        return Outcome(finding.group_id, Action.FAILED, str(error))
    return Outcome(finding.group_id, Action.DELETED, finding.kind.value)


def delete_groups(report: AuditReport, group_ids: Iterable[str]) -> list[Outcome]:
    """Delete these groups, each one a finding of `report` (`deletable`), each re-checked just
    before its delete; one outcome per group, in order. Raises AuditUnavailable, deleting
    nothing, when any id is not deletable."""
    findings = [deletable(report, group_id) for group_id in dict.fromkeys(group_ids)]
    return [_delete_one(report, finding) for finding in findings]


def releasable(report: AuditReport, group_id: str) -> Finding:
    """The finding that lets a named group be released; AuditUnavailable saying why not."""
    finding = deletable(report, group_id)
    if finding.kind is Kind.CREATE_IN_PROGRESS:
        raise AuditUnavailable(f"Group {group_id} is a create that may still be running ({finding.story}); it is not "
                               "released. Run the audit again once that create has ended.")
    return finding


def delete_leftovers(report: AuditReport, *, also: Iterable[str] = ()) -> list[Outcome]:
    """Delete the report's abandoned creates (`report.leftover_ids()`) and the groups named in
    `also`: what `audit --delete-leftovers [--delete ID ...] --yes` does."""
    return delete_groups(report, [*report.leftover_ids(), *also])


def release(report: AuditReport, group_id: str) -> Outcome:
    """Remove the ownership tag of a group this stack's state does not hold, so `adopt_id`
    can take it back. Refused (AuditUnavailable) for a group the state holds, one the audit
    did not find, or a create that may still be running. Whether another backend's state
    holds it, no audit can tell: the caller must make sure (the command asks)."""
    finding = releasable(report, group_id)
    gateway = _gateway(report.settings, finding.region_id)
    stopped = _recheck(report, finding, gateway)
    if stopped is not None:
        return stopped
    try:
        gateway.untag_group(group_id, [OWNER_TAG_KEY])
    except SlbApiError as error:
        return Outcome(group_id, Action.FAILED, str(error))
    return Outcome(group_id, Action.RELEASED, f"it carries no ownership tag now: adopt_id=\"{group_id}\" on the "
                                              "resource adopts it at the next `pulumi up`")
