"""Which group belongs to which resource, decided from the cloud and the inputs alone.

The invariant: a group referenced by any stack's state is never returned by another
Create; a group whose Create never reached the engine is taken over, or removed, by the
next Create of that resource, whatever its declaration then.

The engine never tells the provider which calls came before (`pulumi up --replace` and
a tainted resource send Check with no olds and Create in a fresh process; a renamed
stack or an aliased resource shares its old owner with a new one), so the two kinds of
group are told apart by their ownership tag (owner_tag.py):

- pending (`pending:<owner value>`): written by the create itself and replaced before
  Create returns, so no state can hold such a group. The next Create of the resource
  takes it over when it matches the declaration and deletes it otherwise; the
  resource's Delete removes it too (a killed replacement, then `destroy`).
- completed (`<owner value>`): may be held by some state, even one this process never
  saw. No Create returns it, and adopting it is refused.

Owners follow the resource's URN (check() takes the owner the program passes), so after
a stack rename or an `aliases` rename the next `up` retags the group in place: two live
resources never share an owner value, and two creates in flight never see each other's
pending group.
"""

from __future__ import annotations

from collections.abc import Mapping

from .fields import SERVER_ATTRIBUTE_FIELDS
from .owner_tag import OWNER_TAG_KEY, OWNER_TAG_PREFIX
from .spec import GroupSpec, LiveGroup


def owner_of(tags: Mapping[str, str]) -> str | None:
    return tags.get(OWNER_TAG_KEY)


def without_owner(tags: Mapping[str, str]) -> dict[str, str]:
    """User tags only: the ownership tag (and the create token of releases before it, under
    the same reserved prefix) never shows in outputs or diffs."""
    return {key: value for key, value in tags.items() if not key.startswith(OWNER_TAG_PREFIX)}


def declaration_mismatches(spec: GroupSpec, live: LiveGroup) -> list[str]:
    """Every field the declaration holds that the live group does not have, one line each.

    `server_ip` is compared only when the API returned it (the Attribute answer has no
    ServerIp); `description` is compared as given, an absent one equal to an empty one.
    """
    mismatches = []
    if live.load_balancer_id and live.load_balancer_id != spec.load_balancer_id:
        mismatches.append(f"load_balancer_id: declared {spec.load_balancer_id}, the group belongs to {live.load_balancer_id}")
    if live.name != spec.name:
        mismatches.append(f"name: declared {spec.name!r}, the group is named {live.name!r}")
    declared = {s.key: s for s in spec.servers}
    actual = {s.key: s for s in live.servers}
    for key in sorted(set(declared) | set(actual)):
        where = f"server {key[0]}:{key[1]}"
        if key not in actual:
            mismatches.append(f"servers: {where} is declared but not in the group")
            continue
        if key not in declared:
            mismatches.append(f"servers: {where} is in the group but not declared")
            continue
        for field in SERVER_ATTRIBUTE_FIELDS:
            want, have = getattr(declared[key], field), getattr(actual[key], field)
            if field == "server_ip" and have is None:
                continue
            if (want or None) != (have or None):
                mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches
