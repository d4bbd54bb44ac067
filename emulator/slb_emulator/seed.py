"""Seed files: accounts, load balancers and backend servers the emulator knows.

``{"accounts": [{"access_key_id", "access_key_secret", "security_token"?}],
"load_balancers": [{"load_balancer_id", "region_id", "name"?, "address"?,
"delete_protection"? (on|off), "status"? (active|inactive|locked), "spec"? ("" = shared-performance),
"address_type"? (internet|intranet), "network_type"? (vpc|classic)}],
"backend_servers": [{"server_id", "region_id", "type" (ecs|eni|eci), "ip"?}]}``

Owns the seed format: checking a seed document and turning it into model objects (a
``Seed``), with the format's defaults. Imports models.py and rules.py only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .models import Account, BackendServer, LoadBalancer
from .rules import (
    ADDRESS_TYPES,
    BACKEND_TYPES,
    DEFAULT_BACKEND_TYPE,
    DELETE_PROTECTION,
    LOAD_BALANCER_DEFAULTS,
    LOAD_BALANCER_STATUSES,
)

DEMO_SEED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_seed.json")


@dataclass
class Seed:
    """What a seed file gives the emulator: accounts, load balancers, backend servers."""
    accounts: tuple[Account, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    backend_servers: tuple[BackendServer, ...] = ()

_REQUIRED = {
    "accounts": ("access_key_id", "access_key_secret"),
    "load_balancers": ("load_balancer_id", "region_id"),
    "backend_servers": ("server_id", "region_id"),
}
_OPTIONAL = {
    "accounts": ("security_token",),
    "load_balancers": ("name", "address", "delete_protection", "status", "spec", "address_type",
                       "network_type"),
    "backend_servers": ("type", "ip"),
}


# Enumerated load balancer fields: the values DescribeLoadBalancerAttribute may show.
_LB_CHOICES = {
    "delete_protection": DELETE_PROTECTION,
    "status": LOAD_BALANCER_STATUSES,
    "address_type": ADDRESS_TYPES,
}


class SeedError(ValueError):
    pass


def _check_fields(item: object, section: str, where: str) -> dict[str, Any]:
    """An entry of ``section``: an object whose required fields are non-empty strings and
    whose optional ones are strings when given."""
    if not isinstance(item, dict):
        raise SeedError("%s must be an object" % where)
    for field in _REQUIRED[section]:
        if not isinstance(item.get(field), str) or not item[field]:
            raise SeedError("%s.%s must be a non-empty string" % (where, field))
    for field in _OPTIONAL[section]:
        if item.get(field) is not None and not isinstance(item[field], str):
            raise SeedError("%s.%s must be a string" % (where, field))
    return item


def validate_load_balancer(item: object, where: str = "load balancer") -> LoadBalancer:
    """One load balancer entry (seed file or admin API) as a LoadBalancer, or SeedError."""
    lb = _check_fields(item, "load_balancers", where)
    for field, choices in _LB_CHOICES.items():
        if lb.get(field) is not None and lb[field] not in choices:
            raise SeedError("%s.%s must be one of %s" % (where, field, ", ".join(choices)))
    return _load_balancer(lb)


def _load_balancer(entry: Mapping[str, Any]) -> LoadBalancer:
    """A missing or empty field takes its default, except spec, where "" is a
    shared-performance instance."""
    values = {field: entry.get(field) or default for field, default in LOAD_BALANCER_DEFAULTS.items()}
    if entry.get("spec") is not None:
        values["spec"] = entry["spec"]
    return LoadBalancer(entry["load_balancer_id"], entry["region_id"], **values)


def _account(entry: Mapping[str, Any]) -> Account:
    return Account(entry["access_key_id"], entry["access_key_secret"], entry.get("security_token"))


def _backend_server(entry: Mapping[str, Any]) -> BackendServer:
    return BackendServer(entry["server_id"], entry["region_id"],
                         entry.get("type") or DEFAULT_BACKEND_TYPE, entry.get("ip"))


def _validate_entry(section: str, item: object, where: str) -> None:
    entry = _check_fields(item, section, where)
    if section == "load_balancers":
        validate_load_balancer(entry, where)
    if section == "backend_servers" and entry.get("type", DEFAULT_BACKEND_TYPE) not in BACKEND_TYPES:
        raise SeedError("%s.type must be ecs, eni or eci" % where)


def validate_seed(seed: object) -> Seed:
    """A seed document as a Seed, or SeedError naming the first entry that is wrong."""
    if not isinstance(seed, dict):
        raise SeedError("the seed must be a JSON object")
    for section in _REQUIRED:
        items = seed.get(section, [])
        if not isinstance(items, list):
            raise SeedError("%s must be a list" % section)
        for n, item in enumerate(items):
            _validate_entry(section, item, "%s[%d]" % (section, n))
    return Seed(tuple(_account(a) for a in seed.get("accounts", [])),
                tuple(_load_balancer(lb) for lb in seed.get("load_balancers", [])),
                tuple(_backend_server(s) for s in seed.get("backend_servers", [])))


def load_seed(path: str | None = None) -> Seed:
    """The seed at ``path``, or the packaged demo seed."""
    path = path or DEMO_SEED_PATH
    try:
        with open(path, encoding="utf-8") as f:
            seed = json.load(f)
    except (OSError, ValueError) as e:
        raise SeedError("cannot read seed file %s: %s" % (path, e)) from e
    return validate_seed(seed)
