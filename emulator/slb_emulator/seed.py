"""Seed files: accounts, load balancers and backend servers the emulator knows.

``{"accounts": [{"access_key_id", "access_key_secret", "security_token"?}],
"load_balancers": [{"load_balancer_id", "region_id", "name"?, "address"?,
"delete_protection"? (on|off), "status"? (active|inactive|locked), "spec"? ("" = shared-performance),
"address_type"? (internet|intranet), "network_type"? (vpc|classic)}],
"backend_servers": [{"server_id", "region_id", "type" (ecs|eni|eci), "ip"?}]}``
"""

import json
import os

DEMO_SEED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_seed.json")

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
    "delete_protection": ("on", "off"),
    "status": ("active", "inactive", "locked"),
    "address_type": ("internet", "intranet"),
}


class SeedError(ValueError):
    pass


def validate_load_balancer(item, where="load balancer"):
    """One load balancer entry (seed file or admin API); returns it, or raises SeedError."""
    if not isinstance(item, dict):
        raise SeedError("%s must be an object" % where)
    for field in _REQUIRED["load_balancers"]:
        if not isinstance(item.get(field), str) or not item[field]:
            raise SeedError("%s.%s must be a non-empty string" % (where, field))
    for field in _OPTIONAL["load_balancers"]:
        if item.get(field) is not None and not isinstance(item[field], str):
            raise SeedError("%s.%s must be a string" % (where, field))
    for field, choices in _LB_CHOICES.items():
        if item.get(field) is not None and item[field] not in choices:
            raise SeedError("%s.%s must be one of %s" % (where, field, ", ".join(choices)))
    return item


def validate_seed(seed):
    if not isinstance(seed, dict):
        raise SeedError("the seed must be a JSON object")
    for section, fields in _REQUIRED.items():
        items = seed.get(section, [])
        if not isinstance(items, list):
            raise SeedError("%s must be a list" % section)
        for n, item in enumerate(items):
            where = "%s[%d]" % (section, n)
            if not isinstance(item, dict):
                raise SeedError("%s must be an object" % where)
            for field in fields:
                if not isinstance(item.get(field), str) or not item[field]:
                    raise SeedError("%s.%s must be a non-empty string" % (where, field))
            for field in _OPTIONAL[section]:
                if item.get(field) is not None and not isinstance(item[field], str):
                    raise SeedError("%s.%s must be a string" % (where, field))
            if section == "load_balancers":
                validate_load_balancer(item, where)
            if section == "backend_servers" and item.get("type", "ecs") not in (
                    "ecs", "eni", "eci"):
                raise SeedError("%s.type must be ecs, eni or eci" % where)
    return seed


def load_seed(path=None):
    """The seed at ``path``, or the packaged demo seed."""
    path = path or DEMO_SEED_PATH
    try:
        with open(path, encoding="utf-8") as f:
            seed = json.load(f)
    except (OSError, ValueError) as e:
        raise SeedError("cannot read seed file %s: %s" % (path, e))
    return validate_seed(seed)
