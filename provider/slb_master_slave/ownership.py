"""Which group belongs to which resource, and which groups a create must never take over.

Every group the provider creates or adopts carries `slb-master-slave:owner = <the owning
resource's URN>`. A create first looks for a group this resource already owns with the
same declaration (a create whose answer was lost, or whose provider process died, left
it behind) and takes it over instead of making a second one.

The one group a create must never take over is the resource's *current* group: during a
create-before-delete replacement the old and the new generation share the owner, and
`pulumi up --replace` (or `replace_on_changes`) can even give them the same declaration.
The engine always diffs (or reads, updates, deletes) a resource in the same provider
process before it creates its replacement, so the provider remembers, per owner, the ids
it has seen in state; those are excluded. After a crash the next `up` diffs again before
the create is re-sent, so the memory is rebuilt before it is needed.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

from .spec import OWNER_TAG_KEY, OWNER_TAG_PREFIX, GroupSpec, LiveGroup, owner_tag_value

_lock = threading.Lock()
_ids_in_state: dict[str, set[str]] = {}


def remember_in_state(owner: Any, group_id: Any) -> None:
    """Record that `group_id` is in the engine's state for `owner` (it may be replaced next)."""
    if isinstance(owner, str) and owner and isinstance(group_id, str) and group_id:
        with _lock:
            _ids_in_state.setdefault(owner_tag_value(owner), set()).add(group_id)


def ids_in_state(owner_tag: str) -> frozenset[str]:
    with _lock:
        return frozenset(_ids_in_state.get(owner_tag, ()))


def owner_of(tags: Mapping[str, str]) -> str | None:
    return tags.get(OWNER_TAG_KEY)


def without_owner(tags: Mapping[str, str]) -> dict[str, str]:
    """User tags only: the ownership tag (and the create token of releases before it, under
    the same reserved prefix) never shows in outputs or diffs, and is never untagged."""
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
        for field in ("weight", "server_type", "type", "description", "server_ip"):
            want, have = getattr(declared[key], field), getattr(actual[key], field)
            if field == "server_ip" and have is None:
                continue
            if (want or None) != (have or None):
                mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches
