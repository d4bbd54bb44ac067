"""`adopt_id`: take over a group made outside Pulumi, with the same pending scheme as a create.

A group is adopted only if it matches the declaration, no other resource owns it, and it is
not this resource's own completed group: with no memory of call order, a Create with
`adopt_id` = the group the resource holds now is the replacement of that group (`up
--replace`, taint, a replace that keeps adopt_id), whose old half's Delete would then
delete it. Adoption marks the group pending first and completes it last, so a process
killed in between leaves a group the retried adoption takes up again.
"""

from __future__ import annotations

from typing import Any

from . import tagging
from .api_errors import SlbApiError
from .errors import ProviderError
from .gateway import SlbGateway
from .gone import group_not_found
from .owner_tag import (
    LEGACY_TOKEN_KEY,
    OWNER_TAG_KEY,
    PENDING_PREFIX,
    is_pending,
    names_owner,
    pending_value,
)
from .ownership import declaration_mismatches, owner_of, without_owner
from .spec import MAX_TAGS, GroupSpec


def adopt(gateway: SlbGateway, spec: GroupSpec) -> dict[str, Any]:
    assert spec.adopt_id is not None
    group_id = spec.adopt_id
    try:
        live = gateway.describe_group(group_id)
    except SlbApiError as error:
        if group_not_found(error):
            raise ProviderError(
                f"adopt_id: group {group_id} does not exist in {spec.region_id}; "
                "check the id and region_id, or remove adopt_id to create a new group."
            ) from None
        raise
    tags = live.tags or {}
    _refuse_if_owned(group_id, tags, spec)
    mismatches = declaration_mismatches(spec, live)
    if mismatches:
        raise ProviderError(
            f"adopt_id: group {group_id} does not match the declaration, nothing was changed:\n  - "
            + "\n  - ".join(mismatches)
            + "\nEdit the program to describe the group as it is (a group cannot be modified in place), then run again."
        )
    owner = spec.owner_tag
    if owner is None:  # the provider used directly, with no program-side identity
        tagging.reconcile(gateway, group_id, without_owner(tags), spec.tag_dict)
        return spec.to_outputs()
    if owner_of(tags) is None:
        if len(tags) >= MAX_TAGS:
            raise ProviderError(
                f"adopt_id: group {group_id} already has {len(tags)} tags, the most the API allows, so it "
                f"has no room for the ownership tag {OWNER_TAG_KEY}; nothing was changed. Remove one of its tags "
                "(the console or UntagResources), then run again."
            )
        gateway.tag_group(group_id, {OWNER_TAG_KEY: pending_value(owner)})
    tagging.complete(gateway, group_id, without_owner(tags), spec.tag_dict, owner, made="adopted")
    return spec.to_outputs()


def _refuse_if_owned(group_id: str, tags: dict[str, str], spec: GroupSpec) -> None:
    """Nothing is changed unless the group is unowned, or pending for this very resource."""
    current = owner_of(tags)
    if current is None and LEGACY_TOKEN_KEY in tags:
        raise ProviderError(
            f"adopt_id: group {group_id} carries {LEGACY_TOKEN_KEY}: release 0.1 of this provider made it, so a "
            "stack manages it (its next `pulumi up` gives it its ownership tag). Nothing was changed: two resources "
            "must never manage one group. If no stack holds it (`pulumi stack export` shows no resource with id "
            f"{group_id}), remove its tag {LEGACY_TOKEN_KEY}, then run again."
        )
    if current is None:
        return
    if spec.owner and names_owner(current, spec.owner):
        raise ProviderError(
            f"adopt_id: group {group_id} already carries this resource's ownership tag: it is the group this "
            "resource manages now, and this create is its replacement (a change to name or servers, `pulumi up "
            "--replace`, or a tainted resource), whose old half would then be deleted, and the group with it. "
            "Nothing was changed. Remove adopt_id to replace it with a new group, or undo the change. If no stack "
            f"holds this group (`pulumi stack export` shows no resource with id {group_id}), remove its tag "
            f"{OWNER_TAG_KEY}, then run again."
        )
    if spec.owner and current == pending_value(spec.owner_tag or ""):
        return  # an adoption of this resource that was interrupted before it completed
    what = "a create or adoption in progress for " + current[len(PENDING_PREFIX):] if is_pending(current) else current
    raise ProviderError(
        f"adopt_id: group {group_id} is managed by another resource ({what}); nothing was changed. "
        "Two resources must never manage one group. To hand it over, remove it from that resource's stack "
        f"without deleting it (`pulumi state delete <urn>`), remove its tag {OWNER_TAG_KEY}, then run again."
    )
