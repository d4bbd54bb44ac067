"""The ownership tag's key and values: pure functions, no I/O.

Every group the provider creates or adopts carries one tag under the reserved prefix:

    slb-master-slave:owner = pending:<owner value>   from the create (or adoption) call itself
    slb-master-slave:owner = <owner value>           written over it as the last call before
                                                     Create returns (TagResources overwrites a
                                                     key's value: no extra tag slot)

Keeping "pending" in the value rather than in a second tag keeps the provider to one of
the API's 20 tag slots, so users keep 19.

The owner value names the resource: its URN when the API accepts that as a tag value
(at most 128 characters, no `http://` or `https://`, not starting with `aliyun` or
`acs:`; release 0.2 wrote the raw URN, so its groups need no retag), otherwise a readable
form of the URN cut to fit, `~` and a digest of the whole URN, so two URNs never share a
value. No owner value starts with `pending:`, so a pending value is never taken for one.
"""

from __future__ import annotations

import hashlib

OWNER_TAG_PREFIX = "slb-master-slave:"
OWNER_TAG_KEY = OWNER_TAG_PREFIX + "owner"
# The first release (0.1) tagged each create with a random token instead of an owner.
LEGACY_TOKEN_KEY = OWNER_TAG_PREFIX + "create-token"
PENDING_PREFIX = "pending:"
# The API's rules for any tag value (validation.py checks users' tags with the same ones).
MAX_TAG_VALUE = 128
RESERVED_TAG_PREFIXES = ("aliyun", "acs:")
URL_MARKERS = ("http://", "https://")
DIGEST_CHARS = 20  # 80 bits of SHA-256: enough to tell URNs apart, short enough to leave a readable head
_READABLE_HEAD = 40  # of a long URN: urn:pulumi:<stack>::<project>::..., then its tail (the name)
_RESERVED_STARTS = (*RESERVED_TAG_PREFIXES, PENDING_PREFIX)


def is_valid_tag_value(value: str) -> bool:
    """The API's rules for a tag value (checked case-insensitively, as the strictest reading)."""
    lowered = value.lower()
    return (len(value) <= MAX_TAG_VALUE and not any(marker in lowered for marker in URL_MARKERS)
            and not lowered.startswith(RESERVED_TAG_PREFIXES))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]


def owner_value(owner: str) -> str:
    """The value that names `owner` (a resource URN) in the ownership tag, always valid."""
    if is_valid_tag_value(owner) and not owner.lower().startswith(PENDING_PREFIX):
        return owner
    readable = owner
    while "://" in readable:  # no scheme separator left, so no http:// in any case
        readable = readable.replace("://", ":/")
    if readable.lower().startswith(_RESERVED_STARTS):
        readable = "_" + readable
    room = MAX_TAG_VALUE - 1 - DIGEST_CHARS
    if len(readable) > room:
        readable = readable[:_READABLE_HEAD] + ".." + readable[-(room - _READABLE_HEAD - 2):]
    return readable + "~" + _digest(owner)


def pending_value(value: str) -> str:
    """The value a create writes before it returns, for the owner value `value`."""
    marked = PENDING_PREFIX + value
    if len(marked) <= MAX_TAG_VALUE:
        return marked
    keep = MAX_TAG_VALUE - len(PENDING_PREFIX) - 1 - DIGEST_CHARS
    return PENDING_PREFIX + value[:keep] + "~" + _digest(value)


def is_pending(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PENDING_PREFIX)


def legacy_values(owner: str) -> set[str]:
    """What release 0.2 wrote for `owner`: the URN, or past 128 characters its first 63, `~`
    and the whole SHA-256."""
    if len(owner) <= MAX_TAG_VALUE:
        return {owner}
    return {owner[:63] + "~" + hashlib.sha256(owner.encode("utf-8", "surrogatepass")).hexdigest()}


def names_owner(value: str | None, owner: str) -> bool:
    """Whether `value` marks a group completed for `owner`, in this or an earlier release's form."""
    return value is not None and (value == owner_value(owner) or value in legacy_values(owner))
