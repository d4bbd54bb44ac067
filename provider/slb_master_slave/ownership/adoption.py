"""`adopt_id`: take over a group made outside Pulumi, with the same pending scheme as a create
(docs/ARCHITECTURE.md, "Ownership").

A group is adopted only if it matches the declaration and no other resource owns it. A
completed group carrying this resource's own owner value is refused: with no memory of call
order, it may be the group the resource holds now, and this Create its replacement (`up
--replace`, taint, a replace that keeps adopt_id), whose old half's Delete would then delete
it; or a group no state holds any more (retained with `retain_on_delete`, forgotten by a
rolled-back state). Only the user can tell, so taking the latter back is one explicit step:
`python -m slb_master_slave audit --release <id>` checks this stack's state does not hold it
and removes its ownership tag, after which adopt_id takes it. Adoption marks the group pending
(naming this process) first and completes it last, so a process killed in between leaves a
group the retried adoption takes up again.
"""

from __future__ import annotations

import time

from ..client.api_error import SlbApiError
from ..client.gateway import SlbGateway
from ..client.gone import group_not_found
from ..domain.fields import MAX_TAGS
from ..domain.model import GroupSpec, LiveGroup, declaration_mismatches, user_tags
from ..errors import ProviderError
from . import fence, maker, tagging
from .completion import AUDIT_COMMAND, NotCompleted, complete
from .tag import (
    LEGACY_TOKEN_KEY,
    OWNER_TAG_KEY,
    names_owner,
    owner_of,
    parse_pending,
    pending_value,
)


def adopt(gateway: SlbGateway, spec: GroupSpec) -> str:
    """The adopted group's id, marked complete for the resource (when it has an owner)."""
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
    _refuse_if_owned(live, spec)
    mismatches = declaration_mismatches(spec, live)
    old_tags = user_tags(tags)  # what reconcile and completion start from: the user's tags, never the ownership tag
    if mismatches:
        raise ProviderError(
            f"adopt_id: group {group_id} does not match the declaration, nothing was changed:\n  - "
            + "\n  - ".join(mismatches)
            + "\nEdit the program to describe the group as it is (a group cannot be modified in place), then run again."
        )
    owner = spec.owner
    if owner is None:  # the provider used directly, with no program-side identity
        tagging.reconcile(gateway, group_id, old_tags, spec.tag_dict)
        return group_id
    pending = owner_of(tags)
    if pending is None:
        if len(tags) >= MAX_TAGS:
            raise ProviderError(
                f"adopt_id: group {group_id} already has {len(tags)} tags, the most the API allows, so it "
                f"has no room for the ownership tag {OWNER_TAG_KEY}; nothing was changed. Remove one of its tags "
                "(the console or UntagResources), then run again."
            )
        pending = pending_value(owner, maker.this_process().token)
        gateway.tag_group(group_id, {OWNER_TAG_KEY: pending})
    try:
        with maker.running(pending):
            complete(gateway, group_id, old_tags, spec, owner, pending, started=time.time(),
                     made="adopted", keep_for_follow_up=False)
    except NotCompleted as failure:
        raise ProviderError(f"{failure.reason} It stays pending for this resource: the next `pulumi up` adopts it "
                            "again.") from None
    return group_id


def _refuse_if_owned(live: LiveGroup, spec: GroupSpec) -> None:
    """Nothing is changed unless the group is unowned, or pending for this very resource from
    an adoption that is not running anywhere else (the fence, fence.py)."""
    group_id, tags = live.id, live.tags or {}
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
            f"adopt_id: group {group_id} already carries this resource's completed ownership tag ({OWNER_TAG_KEY}="
            f"{current}); nothing was changed. Either a state holds it (this stack's, when this resource manages "
            "it now and this create would replace it, or another backend's with the same project, stack and "
            "resource names), or none does (it was retained with `retain_on_delete`, or forgotten by a rolled-back "
            "state or a killed CLI). Only in the second case may it be taken back: "
            f"`{AUDIT_COMMAND} --release {group_id}` checks this stack's state does not hold it and removes its "
            "ownership tag (make sure no other backend's state holds it), then run `pulumi up` again. Remove adopt_id "
            "to replace the group this resource manages with a new one, or undo the change."
        )
    mark = parse_pending(current)
    if spec.owner and mark is not None and mark.is_for(spec.owner):
        standing = fence.standing(mark, current, live.create_time, now=time.time(), me=maker.this_process(),
                                  maker_gone=maker.is_gone, running_here=maker.running_here)
        if standing is not fence.Standing.IN_PROGRESS:
            return  # an adoption (or create) of this resource that was interrupted before it completed
        raise ProviderError(
            f"adopt_id: group {group_id} is being adopted or created for this resource by another deployment "
            f"({OWNER_TAG_KEY}={current}, {fence.age_text(live.create_time, time.time())}); nothing was changed. "
            f"Two deployments of the same stack must not run at once. If that one was stopped, run again after "
            f"{fence.WINDOW_SECONDS // 60} minutes."
        )
    what = "a create or adoption in progress" if mark is not None else current
    raise ProviderError(
        f"adopt_id: group {group_id} is managed by another resource ({what}: {OWNER_TAG_KEY}={current}); nothing "
        "was changed. Two resources must never manage one group. To hand it over, remove it from that resource's "
        f"stack without deleting it (`pulumi state delete <urn>`), remove its tag {OWNER_TAG_KEY}, then run again."
    )
