"""The group as data: a declaration (`GroupSpec`), a group as the API describes it
(`LiveGroup`), its servers (`BackendServer`) and its load balancer (`LoadBalancer`), and the
one form state stores for a group (`group_outputs`). Pure values and comparisons, no I/O.

A declaration is normalized once (normalize.py) into a GroupSpec, the one value the
lifecycle passes down to the ownership room and the SLB client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import fields
from .normalize import PROTECTION_FLAG, normalize_inputs, normalize_server


@dataclass(frozen=True)
class BackendServer:
    server_id: str
    port: int
    weight: int = fields.DEFAULT_WEIGHT
    server_type: str = fields.DEFAULT_SERVER_TYPE
    type: str = fields.DEFAULT_BACKEND_TYPE
    description: str | None = None
    server_ip: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.server_id, self.port)

    def to_props(self) -> dict[str, Any]:
        """The snake_case dict state stores (the state format): optional text only when given."""
        return {name: value for name in fields.SERVER_FIELD_NAMES
                if (value := getattr(self, name)) is not None and value != ""}

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> BackendServer:
        """A server from any form a user or the API wrote it in (normalized here)."""
        return cls.from_normalized(normalize_server(props))

    @classmethod
    def from_normalized(cls, server: Mapping[str, Any]) -> BackendServer:
        """A server from its normalized form (defaults filled, ints, the API's spellings)."""
        return cls(
            server_id=str(server["server_id"]),
            port=int(server["port"]),
            weight=int(server["weight"]),
            server_type=str(server["server_type"]),
            type=str(server["type"]),
            description=server.get("description") or None,
            server_ip=server.get("server_ip") or None,
        )


@dataclass(frozen=True)
class LiveGroup:
    """A group as the API describes it (built only by the gateway, from the wire).

    `servers` is empty when the answer carries none (list answers never do); `tags` is
    None when the answer carries no Tags at all; `listeners` ('tcp:80') only when asked for.
    """

    id: str
    name: str
    load_balancer_id: str | None
    servers: tuple[BackendServer, ...] = ()
    tags: dict[str, str] | None = None
    listeners: tuple[str, ...] = ()
    create_time: str | None = None


@dataclass(frozen=True)
class LoadBalancer:
    """The load balancer's attributes the provider reads (built only by the gateway, from the wire).

    `spec` None or "" means shared-performance unless `charge_type` is pay-by-capacity
    ("PayByCLCU"); `status` and `network_type` are lower case ("active", "classic", "vpc").
    """

    id: str
    status: str = ""
    spec: str | None = None
    charge_type: str = ""
    network_type: str = ""
    delete_protection: bool = False
    request_id: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    """A validated, fully known declaration: what create() sends and what read() compares."""

    load_balancer_id: str
    region_id: str
    name: str
    servers: tuple[BackendServer, ...]
    tags: tuple[tuple[str, str], ...] = ()
    adopt_id: str | None = None
    owner: str | None = None
    delete_protection_validation: bool = False

    @property
    def tag_dict(self) -> dict[str, str]:
        return dict(self.tags)

    @classmethod
    def from_props(cls, props: Mapping[str, Any], default_region: str | None = None) -> GroupSpec:
        """The declaration, normalized once (normalize_inputs), as the one value the lifecycle
        passes down."""
        normalized = normalize_inputs(props, default_region)
        return cls(
            load_balancer_id=str(normalized["load_balancer_id"]),
            region_id=str(normalized["region_id"]),
            name=str(normalized.get("name", "")),
            servers=tuple(BackendServer.from_normalized(s) for s in normalized["servers"]),
            tags=tuple(sorted(normalized.get("tags", {}).items())),
            adopt_id=normalized.get("adopt_id"),
            owner=normalized.get("owner"),
            delete_protection_validation=normalized[PROTECTION_FLAG] is True,
        )

    def to_outputs(self, *, owner_tag: str | None = None) -> dict[str, Any]:
        """Outputs repeat every input, normalized (the contract, docs/ARCHITECTURE.md), plus
        `owner_tag`: the ownership tag's value the group carries, when there is one."""
        return group_outputs(
            load_balancer_id=self.load_balancer_id, region_id=self.region_id, name=self.name,
            servers=[s.to_props() for s in self.servers], tags=self.tag_dict,
            delete_protection_validation=self.delete_protection_validation, adopt_id=self.adopt_id,
            owner=self.owner, owner_tag=owner_tag)


def group_outputs(*, load_balancer_id: Any, region_id: Any, name: str, servers: list[dict[str, Any]],
                  tags: dict[str, Any], delete_protection_validation: Any, adopt_id: Any = None, owner: Any = None,
                  owner_tag: str | None = None) -> dict[str, Any]:
    """The ONE builder of what state stores for a group (create, adopt, update and read): plain
    snake_case values, the state format of every release; adopt_id, owner and owner_tag only
    when set."""
    outputs: dict[str, Any] = {
        "load_balancer_id": load_balancer_id,
        "region_id": region_id,
        "name": name,
        "servers": servers,
        "tags": tags,
        PROTECTION_FLAG: delete_protection_validation,
    }
    optional = {"adopt_id": adopt_id, "owner": owner, fields.OWNER_TAG_OUTPUT: owner_tag}
    outputs.update({key: value for key, value in optional.items() if value})
    return outputs


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The user's tags only: the provider's own (the ownership tag, and the create token of
    releases before it, under the same reserved prefix) never show in outputs or diffs."""
    return {key: value for key, value in tags.items() if not key.startswith(fields.OWNER_TAG_PREFIX)}


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
        for field in fields.SERVER_ATTRIBUTE_FIELDS:
            want, have = getattr(declared[key], field), getattr(actual[key], field)
            if field == "server_ip" and have is None:
                continue
            if (want or None) != (have or None):
                mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches
