"""Tag calls on one group: user tags, the ownership tag, and groups tagged by earlier releases.

The API allows 20 tags on a group; users declare at most 19 and the ownership tag takes
the 20th slot. Every change removes first and adds second (UntagResources, then one
TagResources), so a full set never overflows; TagResources overwrites the value of a key
the group already carries, which is how a pending owner value becomes a completed one
without an extra slot. Errors leave here as SlbApiError, except where the caller's
failure needs its own explanation (ProviderError, below).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..client.api_error import ErrorKind, SlbApiError
from ..client.gateway import SlbGateway
from ..domain.fields import MAX_TAGS
from ..domain.model import user_tags
from ..errors import ProviderError
from .tag import LEGACY_TOKEN_KEY, OWNER_TAG_KEY, legacy_values, owner_of, owner_value

# What the API has been seen or documented to answer when a group would pass 20 tags
# (QuotaExceed.TagsPerResource and QuotaExceeded.Tag in the SLB reference; the emulator's
# InvalidTagCount): recognised by these words in the code, whatever their exact spelling.
_TOO_MANY_TAGS_WORDS = ("TagCount", "TagNum", "TagsPerResource", "QuotaExceeded.Tag")


def reconcile(gateway: SlbGateway, group_id: str, old: Mapping[str, str], new: Mapping[str, str],
              extra: Mapping[str, str] | None = None, drop: tuple[str, ...] = (), *,
              keep_for_follow_up: bool = False) -> None:
    """User tags from `old` to `new` (the ownership tag is never removed here), plus the
    `extra` reserved tags set and the `drop` ones removed, in one call each at most;
    `keep_for_follow_up` keeps time back after the last call (a create's clean-up)."""
    removed = [key for key in user_tags(old) if key not in new] + list(drop)
    to_set = {key: value for key, value in new.items() if old.get(key) != value}
    gateway.untag_group(group_id, removed)
    gateway.tag_group(group_id, {**to_set, **(extra or {})}, keep_for_follow_up=keep_for_follow_up)


def update(gateway: SlbGateway, group_id: str, old: Mapping[str, str], new: Mapping[str, str],
           owner: str | None, recorded: str | None) -> None:
    """Update's tag calls. `recorded` is the owner value state says was written (None for a
    group from a release before it was recorded): when it is not the current owner's value,
    the owner tag is rewritten in place, and a group from before 0.3 also drops the first
    release's create token (removing a key a group does not carry changes nothing)."""
    extra = {OWNER_TAG_KEY: owner_value(owner)} if owner and recorded != owner_value(owner) else {}
    drop = (LEGACY_TOKEN_KEY,) if extra and recorded is None else ()
    try:
        reconcile(gateway, group_id, old, new, extra=extra, drop=drop)
    except SlbApiError as error:
        raise ProviderError(no_room_message(error, group_id) or str(error)) from None


def bring_to_current_form(gateway: SlbGateway, group_id: str, tags: Mapping[str, str], owner: str) -> str | None:
    """Refresh's part of an upgrade: the owner value the group carries after this call.

    A group of this resource that is untagged (the first release), tagged the 0.2 way, or
    still carries the first release's create token is retagged in place (untag the token
    first, so it frees its slot). A value naming anything else is left for the next `up`
    to rewrite (a Diff shows it); so is a group with no free slot (its Update says which
    tag to remove). Best effort: a failed call leaves the value as it is, and refresh goes on.
    """
    want = owner_value(owner)
    have = owner_of(tags)
    if have not in (None, want) and have not in legacy_values(owner):
        return have
    count = len(tags)
    try:
        if LEGACY_TOKEN_KEY in tags:
            gateway.untag_group(group_id, [LEGACY_TOKEN_KEY])
            count -= 1
        if have != want:
            if have is None and count >= MAX_TAGS:
                return have
            gateway.tag_group(group_id, {OWNER_TAG_KEY: want})
    except SlbApiError:
        return have
    return want


def no_room_message(error: SlbApiError, group_id: str) -> str | None:
    """The message for a tag call refused because the group would carry more than 20 tags."""
    if error.kind is not ErrorKind.API or not any(word in error.code for word in _TOO_MANY_TAGS_WORDS):
        return None
    first = str(error.with_context(hint="")).splitlines()[0]
    return (
        f"{first}\nGroup {group_id} would carry more than 20 tags: the API allows 20 tags on a group and this "
        f"provider keeps one slot for its ownership tag {OWNER_TAG_KEY} (a group made before release 0.3 gets it "
        "on its first `pulumi up`). Remove one tag: from the program's tags, or, if it was added outside Pulumi, "
        "from the group (console or UntagResources), then run `pulumi up` again. Nothing was lost."
    )
