"""The ownership tag's key and values: pure functions, no I/O (docs/ARCHITECTURE.md, "Ownership").

Every group the provider creates or adopts carries one tag under the reserved prefix:

    slb-master-slave:owner = pending:2.<stack>.<resource>.<maker>   from the create (or adoption)
                                                                  call itself
    slb-master-slave:owner = <owner value>                        written over it as the last call
                                                                  before Create returns

Keeping "pending" in the value rather than in a second tag keeps the provider to one of the
API's 20 tag slots, so users keep 19; TagResources overwrites a key's value, so completing a
group costs one call and no extra slot.

The two kinds of value keep the invariant of ownership: a group referenced by any stack's
state is never returned by another Create; a group whose Create never reached the engine is
taken over, or removed, by the next Create of that resource, whatever its declaration then.
The engine never tells the provider which calls came before (`pulumi up --replace` and a
tainted resource send Check with no olds and Create in a fresh process; a renamed stack or an
aliased resource shares its old owner with a new one), so the tag alone tells them apart:
- pending: written by the create itself and replaced before Create returns, so no state can
  hold such a group. The next Create of the resource takes it over when it matches the
  declaration and deletes it otherwise; a Delete of the stack sweeps it too (a killed
  replacement, then `destroy`).
- completed: may be held by some state, even one this process never saw. No Create returns
  it, and adopting it is refused.
Owners follow the resource's URN (check() takes the owner the program passes), so after a
stack rename or an `aliases` rename the next `up` retags the group in place: two live
resources never share an owner value, and two creates in flight never see each other's
pending group.

The owner value names the resource: its URN when the API accepts that as a tag value (at
most 128 characters, no `http://` or `https://`, not starting with `aliyun` or `acs:`), as
release 0.2 wrote it; otherwise a readable form of the URN cut to fit, `~`, the stack key
and a digest of the whole URN, so two URNs never share a value and an audit can tell which
stack a long one belongs to.

A pending value names three things, each a fixed-width key so the value stays short:
- the stack (a digest of project and stack, the same key the long owner values carry);
- the resource (a digest of its URN);
- the maker: the provider process that sent the create (its machine, boot, pid and start
  time; see maker.py), so nobody takes over or deletes a group another deployment is still
  creating (the fence, fence.py).
Only the maker can know its own pending value in advance, so only it filters on it
exactly (settling its own lost answer); others find pending groups through the local
journal of unfinished creates (journal.py) or a listing of the owner key (the audit, a
delete's sweep). Releases 0.3 and 0.4 wrote `pending:<owner value>`: parsed as a legacy
pending value whose maker is unknown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..domain.fields import (
    MAX_TAG_VALUE,
    OWNER_TAG_PREFIX,
    RESERVED_TAG_PREFIXES,
    URL_MARKERS,
)

OWNER_TAG_KEY = OWNER_TAG_PREFIX + "owner"
# The first release (0.1) tagged each create with a random token instead of an owner.
LEGACY_TOKEN_KEY = OWNER_TAG_PREFIX + "create-token"
PENDING_PREFIX = "pending:"
PENDING_FORMAT = "2"
DIGEST_CHARS = 20  # 80 bits of SHA-256: enough to tell URNs apart, short enough to leave a readable head
STACK_KEY_CHARS = 10
RESOURCE_KEY_CHARS = 16
_READABLE_HEAD = 40  # of a long URN: urn:pulumi:<stack>::<project>::..., then its tail (the name)
_RESERVED_STARTS = (*RESERVED_TAG_PREFIXES, PENDING_PREFIX)
_URN = re.compile(r"^urn:pulumi:(?P<stack>.*?)::(?P<project>.*?)::")
_HEX = "[0-9a-f]"
_PENDING_V2 = re.compile(
    rf"^{PENDING_PREFIX}{PENDING_FORMAT}\.(?P<stack>{_HEX}{{{STACK_KEY_CHARS}}})\."
    rf"(?P<resource>{_HEX}{{{RESOURCE_KEY_CHARS}}})\.(?P<maker>[0-9a-f]+\.\d+\.\d+)$")
_HASHED_TAIL = re.compile(rf"~(?P<stack>{_HEX}{{{STACK_KEY_CHARS}}})\.{_HEX}{{{DIGEST_CHARS}}}$")


def owner_of(tags: Mapping[str, str]) -> str | None:
    """The ownership tag's value on a group's tags, or None when it carries none."""
    return tags.get(OWNER_TAG_KEY)


def is_valid_tag_value(value: str) -> bool:
    """The API's rules for a tag value (checked case-insensitively, as the strictest reading)."""
    lowered = value.lower()
    return (len(value) <= MAX_TAG_VALUE and not any(marker in lowered for marker in URL_MARKERS)
            and not lowered.startswith(RESERVED_TAG_PREFIXES))


def _digest(text: str, chars: int = DIGEST_CHARS) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:chars]


def urn_scope(urn: str) -> tuple[str, str] | None:
    """(stack, project) of a resource URN (urn:pulumi:<stack>::<project>::...), else None."""
    match = _URN.match(urn)
    return (match["stack"], match["project"]) if match else None


def stack_key(project: str, stack: str) -> str:
    """The fixed-width key of a project's stack that long owner values and pending values carry."""
    return _digest(f"{project}\0{stack}", STACK_KEY_CHARS)


def stack_key_of(owner: str) -> str:
    """The stack key of an owner URN (an owner that is not a URN gets a key of its own)."""
    scope = urn_scope(owner)
    return stack_key(scope[1], scope[0]) if scope else _digest("\0" + owner, STACK_KEY_CHARS)


def resource_key(owner: str) -> str:
    return _digest(owner, RESOURCE_KEY_CHARS)


def owner_value(owner: str) -> str:
    """The value that names `owner` (a resource URN) in the completed ownership tag, always valid."""
    if is_valid_tag_value(owner) and not owner.lower().startswith(PENDING_PREFIX):
        return owner
    suffix = f"~{stack_key_of(owner)}.{_digest(owner)}"
    return _readable(owner, MAX_TAG_VALUE - len(suffix)) + suffix


def _readable(owner: str, room: int) -> str:
    """`owner` made acceptable as the head of a tag value and cut to `room` characters: its
    first 40 and its tail (the resource name), `..` between."""
    readable = owner
    while "://" in readable:  # no scheme separator left, so no http:// in any case
        readable = readable.replace("://", ":/")
    if readable.lower().startswith(_RESERVED_STARTS):
        readable = "_" + readable
    if len(readable) > room:
        readable = readable[:_READABLE_HEAD] + ".." + readable[-(room - _READABLE_HEAD - 2):]
    return readable


def pending_value(owner: str, maker: str) -> str:
    """The value a create (or adoption) writes first, for the resource `owner` (a URN) and the
    provider process `maker` (maker.py's token)."""
    return f"{PENDING_PREFIX}{PENDING_FORMAT}.{stack_key_of(owner)}.{resource_key(owner)}.{maker}"


def is_pending(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PENDING_PREFIX)


@dataclass(frozen=True)
class PendingMark:
    """What a pending value says: its stack and resource keys and its maker, or for a value of
    release 0.3/0.4 (`pending:<owner value>`) the owner value and no maker."""

    stack: str | None
    resource: str | None
    maker: str | None
    legacy_owner_value: str | None = None

    def is_for(self, owner: str) -> bool:
        """Whether this mark is a create of `owner`'s (in either release's form)."""
        if self.legacy_owner_value is not None:
            return names_owner(self.legacy_owner_value, owner)
        return self.resource == resource_key(owner) and self.stack == stack_key_of(owner)


def parse_pending(value: str | None) -> PendingMark | None:
    """The pending mark in a tag value, or None when the value is not pending."""
    if not is_pending(value):
        return None
    assert value is not None
    match = _PENDING_V2.match(value)
    if match:
        return PendingMark(match["stack"], match["resource"], match["maker"])
    legacy = value[len(PENDING_PREFIX):]
    scope = urn_scope(legacy)
    hashed = _HASHED_TAIL.search(legacy)
    stack = stack_key(scope[1], scope[0]) if scope else hashed["stack"] if hashed else None
    return PendingMark(stack, None, None, legacy_owner_value=legacy)


def completed_stack_key(value: str | None) -> str | None:
    """The stack key a completed owner value names exactly (a URN, or a long value of this
    release), or None when it names none exactly (a long value of 0.2-0.4, or not ours)."""
    if value is None or is_pending(value):
        return None
    scope = urn_scope(value)
    if scope and len(value) <= MAX_TAG_VALUE and value == owner_value(value):
        return stack_key(scope[1], scope[0])
    hashed = _HASHED_TAIL.search(value)
    return hashed["stack"] if hashed else None


def legacy_values(owner: str) -> set[str]:
    """What releases 0.2 to 0.4 wrote for `owner`: 0.2 the URN, or past 128 characters its
    first 63, `~` and the whole SHA-256; 0.3 and 0.4, for a URN the API does not take as it
    is, a readable head and tail, `~` and 20 hex digits (this release adds the stack key)."""
    if len(owner) <= MAX_TAG_VALUE:
        values = {owner}
    else:
        values = {owner[:63] + "~" + hashlib.sha256(owner.encode("utf-8", "surrogatepass")).hexdigest()}
    if is_valid_tag_value(owner) and not owner.lower().startswith(PENDING_PREFIX):
        return values
    values.add(_readable(owner, MAX_TAG_VALUE - 1 - DIGEST_CHARS) + "~" + _digest(owner))
    return values


def names_owner(value: str | None, owner: str) -> bool:
    """Whether `value` marks a group completed for `owner`, in this or an earlier release's form."""
    return value is not None and (value == owner_value(owner) or value in legacy_values(owner))
