"""diff(): explicit changes and replaces on normalized values, never a diff from form alone."""

from __future__ import annotations

import copy

from pulumi.output import Unknown

from slb_master_slave.provider import MasterSlaveServerGroupProvider
from slb_master_slave.validation import VALID_EXAMPLE

PROVIDER = MasterSlaveServerGroupProvider()


def outputs() -> dict:
    """Old outputs as state holds them after a create: normalized, plus __provider."""
    result = PROVIDER.check({}, copy.deepcopy(VALID_EXAMPLE))
    return {**result.inputs, "__provider": "p"}


def diff(old: dict, new: dict):
    return PROVIDER.diff("rsp-1", old, new)


def test_identical_is_explicitly_no_change() -> None:
    result = diff(outputs(), outputs())
    assert result.changes is False and result.replaces == [] and result.delete_before_replace is False


def test_order_strings_floats_and_defaults_never_diff() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["servers"] = [
        {"server_id": "i-demo-web-2", "port": "8080", "server_type": "slave"},
        {"server_id": "i-demo-web-1", "port": 80.0, "weight": "100"},
    ]
    result = diff(outputs(), new)
    assert (result.changes, result.replaces) == (False, [])


def test_port_change_replaces_servers() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["servers"][1]["port"] = 9090
    result = diff(outputs(), new)
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, ["servers"], False)


def test_name_lb_and_region_replace() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new.update(name="other", load_balancer_id="lb-2", region_id="cn-shanghai")
    assert diff(outputs(), new).replaces == ["load_balancer_id", "region_id", "name"]


def test_tags_update_in_place() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["tags"] = {"env": "prod"}
    result = diff(outputs(), new)
    assert (result.changes, result.replaces) == (True, [])


def test_absent_and_empty_tags_are_the_same() -> None:
    old = outputs()
    new = copy.deepcopy(VALID_EXAMPLE)
    old["tags"] = {}
    new.pop("tags")
    assert diff(old, new).changes is False


def test_adopt_id_never_replaces() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["adopt_id"] = "rsp-adopted"
    result = diff(outputs(), new)
    assert (result.changes, result.replaces) == (False, [])


def test_unknown_servers_at_preview_show_as_replace() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["servers"][0]["server_id"] = Unknown()
    assert diff(outputs(), new).replaces == ["servers"]
