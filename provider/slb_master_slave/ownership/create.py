"""Create a group exactly once, and never take one another create is still making
(docs/ARCHITECTURE.md, "Ownership" and "A create, call by call").

A create of a resource, in order:

1. Take over what an earlier create of this resource left on this machine, if its maker is
   gone: the journal (journal.py) names such creates; each costs one listing filtered on its
   exact pending value. A maker whose engine is gone (a killed CLI) is waited for, up to
   WINDING_DOWN_WAIT_SECONDS: it ends itself once its call in flight returns. The usual
   create finds none and makes no call here.
2. Note the create in the journal, then send CreateMasterSlaveServerGroup with the pending
   ownership tag that names this resource and this process. An attempt that may have been
   applied (its answer lost, a 5xx, a mangled 200) is settled before anything is sent again:
   one listing filtered on that exact value finds the group it made, if any (after a read
   timeout it keeps looking for two more read timeouts: the held request may land late).
3. Complete it (completion.py): one TagResources writes the owner value over the pending one. Not when the
   engine that asked is gone (the group stays pending for the next `up` to take over), and
   not past the fence's cutoff (fence.py). If completing fails, the group is deleted again
   and the create fails with both answers: nothing is left behind. Only when that delete
   fails too does the pending group remain, and the error says how it will be settled.
4. Forget the journal entry.

A healthy create is two calls, one after the other: the create and its completion.
"""

from __future__ import annotations

import time

from ..client.api_error import CreateOutcomeUnknown, ErrorKind, SlbApiError
from ..client.gateway import SlbGateway
from ..client.gone import group_not_found
from ..domain.model import GroupSpec, LiveGroup, declaration_mismatches, user_tags
from ..errors import ProviderError
from . import engine_presence, journal, maker
from .completion import AUDIT_COMMAND, NotCompleted, complete
from .fence import COMPLETION_CUTOFF_SECONDS, WINDOW_SECONDS, created_at
from .tag import OWNER_TAG_KEY, owner_of, parse_pending, pending_value

SETTLE_POLL_SECONDS = 0.25
# How long a create waits for the maker of an earlier create of its resource to end once that
# maker's engine is gone: its call in flight (at most a request timeout, 10 s by default) and
# the call that puts its group back to pending.
WINDING_DOWN_WAIT_SECONDS = 30.0


def create_unowned(gateway: SlbGateway, spec: GroupSpec) -> str:
    """A create with no program-side identity (the provider used directly): nothing to settle a
    lost answer with, so an attempt that may have been applied fails instead of being re-sent."""
    try:
        return gateway.create_group(spec, spec.tag_dict)
    except SlbApiError as error:
        if error.may_have_applied:
            raise _outcome_unknown(error, None, "") from None
        raise


def create_owned(gateway: SlbGateway, spec: GroupSpec, owner: str) -> str:
    """The group this create returns to the engine, completed for `owner` (a resource URN)."""
    place = journal.Place.of(spec.load_balancer_id, spec.region_id,
                             gateway.settings.endpoint.url if gateway.settings.endpoint else None,
                             gateway.settings.access_key_id)
    taken = _take_over_abandoned(gateway, spec, owner, place)
    if taken is not None:
        return taken
    pending = pending_value(owner, maker.this_process().token)
    entry = journal.UnfinishedCreate(pending, place, started=time.time(), engine=engine_presence.engine_tokens())
    journal.record(entry)
    with maker.running(pending):
        try:
            group_id = _create_once(gateway, spec, pending)
        except _NothingMade as refused:
            journal.forget(entry)  # no attempt may have made a group: nothing to settle later
            raise refused.error from None
        entry = journal.with_group(entry, group_id)
        try:
            complete(gateway, group_id, spec.tag_dict, spec, owner, pending, started=entry.started, made="made",
                     keep_for_follow_up=True)
        except NotCompleted as failure:
            if failure.keep_pending:
                raise ProviderError(failure.reason) from None
            deleted, message = _clean_up(gateway, group_id, pending, failure.reason)
            if deleted:
                journal.forget(entry)
            raise ProviderError(message) from None
    journal.forget(entry)
    return group_id


# -- 1. what an earlier create of this resource left ------------------------------------
def _take_over_abandoned(gateway: SlbGateway, spec: GroupSpec, owner: str, place: journal.Place) -> str | None:
    """The first group an earlier create of this resource left (its maker gone) that matches
    the declaration, completed for this one; any other such group is deleted."""
    taken: str | None = None
    for entry in journal.unfinished(place):
        mark = parse_pending(entry.value)
        if mark is None or not mark.is_for(owner):
            continue
        left_by = maker.Maker.parse(mark.maker)
        if not maker.maker_has_ended(entry.value, left_by) and not _ended_after_its_engine(gateway, entry, left_by):
            continue
        with journal.claimed(entry) as claim:
            if not claim:
                continue  # another process on this machine is taking it over right now
            for live in _groups_marked(gateway, spec.load_balancer_id, entry.value, with_servers=True):
                if taken is None and _can_take_over(spec, live):
                    _take_over(gateway, spec, owner, live, entry.value)
                    taken = live.id
                else:
                    _delete_left_over(gateway, live.id, entry.value)
            journal.forget(entry)
    return taken


def _ended_after_its_engine(gateway: SlbGateway, entry: journal.UnfinishedCreate, left_by: maker.Maker | None) -> bool:
    """A maker whose engine is gone (a killed CLI) ends itself once its call in flight has
    returned (engine_presence.py): wait for that, bounded, so that an `up` run right after the
    kill takes the group over instead of making a second one. A maker whose engine still runs
    (another deployment, now) is not waited for: its group is its own."""
    engine = [maker.Maker.parse(token) for token in entry.engine]
    if not any(process is not None and maker.is_gone(process) is True for process in engine):
        return False
    waited = 0.0
    limit = min(WINDING_DOWN_WAIT_SECONDS, gateway.seconds_left() / 2)
    while waited < limit:
        gateway.sleep(SETTLE_POLL_SECONDS)
        waited += SETTLE_POLL_SECONDS
        if maker.maker_has_ended(entry.value, left_by):
            return True
    return False


def _can_take_over(spec: GroupSpec, live: LiveGroup) -> bool:
    """It matches the declaration and is young enough that no other deployment may yet take it
    for abandoned (fence.py); an older one is deleted and a new group made instead."""
    created = created_at(live.create_time)
    young = created is not None and time.time() - created < COMPLETION_CUTOFF_SECONDS
    return young and not declaration_mismatches(spec, live)


def _take_over(gateway: SlbGateway, spec: GroupSpec, owner: str, live: LiveGroup, pending: str) -> None:
    try:
        complete(gateway, live.id, user_tags(live.tags or {}), spec, owner, pending, started=time.time(),
                 made="taken over (an earlier create of this resource left it)", keep_for_follow_up=False)
    except NotCompleted as failure:
        raise ProviderError(failure.reason + " It stays pending: run `pulumi up` again.") from None


def _groups_marked(gateway: SlbGateway, load_balancer_id: str, value: str, *, with_servers: bool) -> list[LiveGroup]:
    """The groups on the load balancer that carry exactly this ownership tag value (one listing,
    filtered by the API), each read again with its servers when asked (a listing has none);
    a group that vanished meanwhile, or whose value changed, is left out."""
    found = []
    for item in gateway.list_groups(load_balancer_id, tags={OWNER_TAG_KEY: value}):
        if not item.id or (item.tags is not None and owner_of(item.tags) != value):
            continue
        if not with_servers:
            found.append(item)
            continue
        try:
            live = gateway.describe_group(item.id)
        except SlbApiError as error:
            if group_not_found(error):
                continue
            raise
        if live.tags is None or owner_of(live.tags) == value:
            found.append(live)
    return found


def _delete_left_over(gateway: SlbGateway, group_id: str, value: str) -> None:
    try:
        gateway.delete_group(group_id)
    except SlbApiError as error:
        if not group_not_found(error):
            raise error.with_context(hint=(
                f"Group {group_id} ({OWNER_TAG_KEY}={value}) was left pending by an interrupted create of this "
                f"resource and could not be removed; `{AUDIT_COMMAND} --delete {group_id}` removes it. "
                f"{error.hint}").strip()) from None


# -- 2. the create, settled ------------------------------------------------------------
class _NothingMade(Exception):
    """The create was refused, and no attempt before the refusal may have been applied."""

    def __init__(self, error: SlbApiError) -> None:
        super().__init__(str(error))
        self.error = error


def _create_once(gateway: SlbGateway, spec: GroupSpec, pending: str) -> str:
    """Send the create until it is answered; before sending again after an attempt that may
    have been applied, look for the group it made (only this process writes `pending`).
    Raises _NothingMade when every attempt was refused outright."""
    tags = {**spec.tag_dict, OWNER_TAG_KEY: pending}
    backoff = gateway.new_backoff()
    attempt = 0
    may_have_made = False
    while True:
        attempt += 1
        try:
            return gateway.create_group(spec, tags)
        except SlbApiError as error:
            if not error.may_have_applied:
                if may_have_made:
                    raise
                raise _NothingMade(error) from None
            may_have_made = True
            found = _settle(gateway, spec.load_balancer_id, pending, error)
            if found is not None:
                return found
            try:
                gateway.pause_before_resend(error, backoff, attempt)
            except SlbApiError:
                raise _outcome_unknown(error, None, pending) from None


def _settle(gateway: SlbGateway, load_balancer_id: str, pending: str, cause: SlbApiError) -> str | None:
    """The group an attempt that may have been applied made, or None. After a read timeout the
    held request may still be applied: look again for up to two more read timeouts."""
    found = _own_group(gateway, load_balancer_id, pending, cause)
    if found is not None or not cause.timed_out:
        return found
    grace = min(gateway.seconds_left() - gateway.reserve_for_follow_up(),
                2 * gateway.settings.request_timeout_seconds)
    waited = 0.0
    while waited < grace - 0.05:
        pause = min(SETTLE_POLL_SECONDS, grace - waited)
        gateway.sleep(pause)
        waited += pause
        found = _own_group(gateway, load_balancer_id, pending, cause)
        if found is not None:
            return found
    return None


def _own_group(gateway: SlbGateway, load_balancer_id: str, pending: str, cause: SlbApiError) -> str | None:
    """This create's group: the one carrying its own pending value (should two attempts both
    have landed, the first listed is kept and the others are deleted)."""
    try:
        groups = _groups_marked(gateway, load_balancer_id, pending, with_servers=False)
        for extra in groups[1:]:
            gateway.delete_group(extra.id)
    except SlbApiError as lookup:
        raise _outcome_unknown(cause, lookup, pending) from None
    return groups[0].id if groups else None


def _outcome_unknown(cause: SlbApiError, lookup: SlbApiError | None, pending: str) -> CreateOutcomeUnknown:
    if lookup is None:
        looked = ""
    elif lookup.kind in (ErrorKind.CONNECT_TIMEOUT, ErrorKind.READ_TIMEOUT):
        looked = " (looking it up timed out too)"
    else:
        looked = f" (looking it up failed: {lookup.code})"
    if pending:
        settled_by = ("If it did, its group is marked pending for this create and is never made twice: the next "
                      f"`pulumi up` on this machine takes it over; `{AUDIT_COMMAND}` finds it from anywhere.")
    else:
        settled_by = "The resource passed no owner: check the load balancer's groups before creating again."
    hint = f"The create may have happened{looked}. {settled_by} {cause.hint}".strip()
    return CreateOutcomeUnknown(
        cause.action, cause.code, cause.message, request_id=cause.request_id, http_status=cause.http_status,
        attempts=cause.attempts, kind=cause.kind, may_have_applied=True, subject=cause.subject,
        region=cause.region, endpoint=cause.endpoint, hint=hint, seconds=cause.seconds)


def _clean_up(gateway: SlbGateway, group_id: str, pending: str, reason: str) -> tuple[bool, str]:
    """Delete the group this create made and could not complete: (deleted?, what the user reads)."""
    try:
        gateway.delete_group(group_id)
    except SlbApiError as error:
        if not group_not_found(error):
            request = f", RequestId {error.request_id}" if error.request_id else ""
            return False, (
                f"{reason} Deleting it again failed too ({error.code}{request}), so group {group_id} remains, marked "
                f"pending ({OWNER_TAG_KEY}={pending}); no state holds it. It is settled by the next `pulumi up` of "
                "this resource on this machine (it takes the group over), or from anywhere by "
                f"`{AUDIT_COMMAND} --delete-leftovers` after {WINDOW_SECONDS // 60} minutes (or "
                f"`{AUDIT_COMMAND} --delete {group_id}` at once).")
    return True, f"{reason} It was deleted again: nothing is left behind. Fix the cause, then run `pulumi up` again."
