"""The one place that decides "not found" and "gone".

An answer alone never drops a group from state: the API's not-found message text is not
documented, so a group is gone only when a listing of its load balancer lacks it, or the
load balancer itself is gone. Every caller (read, delete, adoption, the protection check,
the look-up, preview's live checks) asks here. The gateway and its error type load on
first use only (preview never imports the SDK), so they are typed here, not imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api_error import SlbApiError
    from .gateway import SlbGateway

LOAD_BALANCER_NOT_FOUND = "InvalidLoadBalancerId.NotFound"


def load_balancer_gone(error: SlbApiError) -> bool:
    """The load balancer does not exist (in that region): its groups went with it."""
    return error.code == LOAD_BALANCER_NOT_FOUND


def group_not_found(error: SlbApiError) -> bool:
    """The exact not-found signatures of a group (the gateway's `not_found`)."""
    return bool(error.not_found)


def _may_mean_gone(error: SlbApiError) -> bool:
    return error.not_found or error.code.startswith("InvalidParameter") or error.code.endswith(".NotFound")


def confirmed_gone(gateway: SlbGateway, group_id: str, load_balancer_id: Any, error: SlbApiError) -> bool:
    """Gone only when a listing of its load balancer (in the group's region) lacks the id, or
    the load balancer itself is gone; without a load balancer to list (a `get`), only the
    exact not-found signature counts."""
    from .api_error import SlbApiError

    if not _may_mean_gone(error):
        return False
    if not isinstance(load_balancer_id, str) or not load_balancer_id:
        return group_not_found(error)
    try:
        listed = gateway.list_groups(load_balancer_id)
    except SlbApiError as listing_error:
        return load_balancer_gone(listing_error)
    return all(item.id != group_id for item in listed)
