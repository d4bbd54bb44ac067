"""After a delete: remove what interrupted creates of this stack left on the load balancer
(docs/ARCHITECTURE.md, "Ownership").

A replacement killed mid-create, then `destroy`, leaves a pending group that no later call of
that resource would ever remove: so every delete lists the load balancer's groups carrying the
ownership key (one listing, filtered by the API on the key) and deletes the pending ones of
this stack that the fence (fence.py) calls abandoned, each read again just before its delete.
A group another deployment may still be creating is left alone. The listing is fresh for
every delete: nothing cached ever decides what is deleted. It is sent alongside the delete
(`list_alongside`), so a delete waits for one round trip, not two; it is used only once the
delete succeeded, and the group being deleted, listed or not, is never swept.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from ..client.api_error import SlbApiError
from ..client.gateway import SlbGateway
from ..client.gone import group_not_found, load_balancer_gone
from ..client.settings import MAX_CONCURRENT_OPERATIONS
from ..domain.model import LiveGroup
from . import fence, journal, maker
from .tag import OWNER_TAG_KEY, owner_of, parse_pending, stack_key_of

# One listing per delete in flight: as many threads as operations may run at once.
_listings = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_OPERATIONS, thread_name_prefix="slb-sweep-listing")


def list_owned(gateway: SlbGateway, load_balancer_id: str) -> list[LiveGroup]:
    """The load balancer's groups carrying the ownership key (none when the load balancer is gone)."""
    try:
        return gateway.list_groups(load_balancer_id, tags={OWNER_TAG_KEY: None})
    except SlbApiError as error:
        if load_balancer_gone(error):
            return []  # the load balancer is gone, and its groups with it
        raise


def list_alongside(gateway: SlbGateway, load_balancer_id: str) -> Future[list[LiveGroup]]:
    """`list_owned`, started now in another thread, for a delete to sweep with once it is done."""
    return _listings.submit(list_owned, gateway, load_balancer_id)


def sweep_abandoned(gateway: SlbGateway, owner: str, load_balancer_id: str, *, deleted_id: str,
                    listed: list[LiveGroup] | None = None) -> list[str]:
    """Delete this stack's abandoned pending groups on the load balancer (from `listed`, the
    listing sent alongside the delete, or a listing made now); their ids."""
    if listed is None:
        listed = list_owned(gateway, load_balancer_id)
    stack, me, now = stack_key_of(owner), maker.this_process(), time.time()
    swept = []
    for item in listed:
        value = owner_of(item.tags or {})
        mark = parse_pending(value)
        if item.id == deleted_id or mark is None or mark.stack != stack or value is None:
            continue
        standing = fence.standing(mark, value, item.create_time, now=now, me=me, maker_gone=maker.is_gone,
                                  running_here=maker.running_here)
        if standing is fence.Standing.ABANDONED and _delete_if_still_marked(gateway, item.id, value):
            swept.append(item.id)
    _forget_settled(gateway, load_balancer_id, stack, {owner_of(i.tags or {}) for i in listed} - {None})
    return swept


def _delete_if_still_marked(gateway: SlbGateway, group_id: str, value: str) -> bool:
    """Read the group again just before deleting it: only a group still carrying `value` goes."""
    try:
        live = gateway.describe_group(group_id)
        if live.tags is not None and owner_of(live.tags) != value:
            return False
        gateway.delete_group(group_id)
    except SlbApiError as error:
        if group_not_found(error):
            return False
        raise error.with_context(hint=(
            f"Group {group_id} ({OWNER_TAG_KEY}={value}) was left pending by an interrupted create of this stack "
            f"and could not be removed; `python -m slb_master_slave audit --delete {group_id}` removes it. "
            f"{error.hint}").strip()) from None
    return True


def _forget_settled(gateway: SlbGateway, load_balancer_id: str, stack: str, values_left: set[str | None]) -> None:
    """Journal entries of this stack whose maker is gone and whose group is no longer there."""
    settings = gateway.settings
    place = journal.Place.of(load_balancer_id, settings.region or "",
                             settings.endpoint.url if settings.endpoint else None, settings.access_key_id)
    for entry in journal.unfinished(place):
        mark = parse_pending(entry.value)
        if mark is not None and mark.stack == stack and entry.value not in values_left \
                and maker.maker_has_ended(entry.value, maker.Maker.parse(mark.maker)):
            journal.forget(entry)
