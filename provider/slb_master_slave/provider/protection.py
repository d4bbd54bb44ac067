"""`delete_protection_validation`: pulumi-alicloud's switch, with the same meaning.

When true, delete first reads the group's load balancer (DescribeLoadBalancerAttribute, one
call) and refuses while its DeleteProtection is on: nothing is deleted and the group stays
in state. The flag itself lives only in inputs and outputs; changing it is an in-place
update with no API call. Pure helpers here, plus the one read-only call for delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.normalize import PROTECTION_FLAG as FLAG
from ..domain.normalize import is_unknown, normalize_flag

CODE = "InvalidParameter.DeleteProtectionValidation"


def flag_failure(value: Any) -> tuple[str, str] | None:
    """(property, reason) when the flag is not a boolean, as the static rules report it."""
    normalized = normalize_flag(value)
    if isinstance(normalized, bool) or is_unknown(normalized):
        return None
    return (FLAG, f"{CODE}: {FLAG} must be true or false, got {value!r}; write True or False.")


def flag_of(props: Mapping[str, Any]) -> Any:
    return normalize_flag(props.get(FLAG))


def protected_delete_message(group_id: str, load_balancer_id: str, region: str | None, request_id: str | None) -> str:
    return (
        f"group {group_id} was not deleted: its load balancer {load_balancer_id} ({region}) has DeleteProtection on "
        f"and {FLAG} is true (DescribeLoadBalancerAttribute, RequestId {request_id}). The group stays in state. "
        f"Either turn delete protection off on {load_balancer_id} (console, or SetLoadBalancerDeleteProtection "
        f"DeleteProtection=off) and run again, or set {FLAG}=False on the resource, run `pulumi up`, then delete."
    )


def refuse_if_protected(gateway: Any, group_id: str, props: Mapping[str, Any]) -> str | None:
    """The refusal message when the flag is on and the load balancer is protected; None to go ahead.

    One read-only call; an error of that call propagates (the delete does not happen blind).
    """
    if flag_of(props) is not True:
        return None
    load_balancer_id = props.get("load_balancer_id")
    if not isinstance(load_balancer_id, str) or not load_balancer_id:
        return None
    load_balancer = gateway.describe_load_balancer(load_balancer_id)
    if load_balancer.delete_protection:
        return protected_delete_message(group_id, load_balancer_id, gateway.settings.region, load_balancer.request_id)
    return None


def guard_delete(gateway: Any, group_id: str, props: Mapping[str, Any]) -> None:
    """Raise ProviderError instead of deleting when the flag is on and the load balancer is protected.

    Takes the delete's own gateway: the check runs in the group's region and inside the
    delete's one deadline.
    """
    if flag_of(props) is not True:
        return
    from ..client.api_error import SlbApiError
    from ..client.gone import load_balancer_gone
    from ..errors import ProviderError

    try:
        refusal = refuse_if_protected(gateway, group_id, props)
    except SlbApiError as error:
        if load_balancer_gone(error):
            return  # the load balancer is gone, and its groups with it: nothing left to protect
        raise ProviderError(
            f"group {group_id} was not deleted: {FLAG} is true and load balancer {props.get('load_balancer_id')} "
            f"could not be read to check its DeleteProtection: {error} "
            "The group stays in state; run again when SLB answers, or set delete_protection_validation=False."
        ) from None
    if refusal:
        raise ProviderError(refusal)
