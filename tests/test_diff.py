"""diff(): explicit changes and replaces on normalized values, never a diff from form alone."""

from __future__ import annotations

import copy
from typing import Any

from pulumi.output import Unknown
from slb_master_slave.domain.validation import VALID_EXAMPLE
from slb_master_slave.provider import MasterSlaveServerGroupProvider

PROVIDER = MasterSlaveServerGroupProvider()


def outputs() -> dict[str, Any]:
    """Old outputs as state holds them after a create: normalized, plus __provider."""
    result = PROVIDER.check({}, copy.deepcopy(VALID_EXAMPLE))
    return {**result.inputs, "__provider": "p"}


def diff(old: dict[str, Any], new: dict[str, Any]):
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


def test_adopt_id_naming_the_managed_group_or_removed_changes_nothing() -> None:
    adopted = {**outputs(), "adopt_id": "rsp-1"}
    same = {**copy.deepcopy(VALID_EXAMPLE), "adopt_id": "rsp-1"}
    assert (diff(adopted, same).changes, diff(adopted, same).replaces) == (False, [])
    removed = copy.deepcopy(VALID_EXAMPLE)
    assert (diff(adopted, removed).changes, diff(adopted, removed).replaces) == (False, [])
    # the managed group's own id given as adopt_id on a resource that created it
    assert diff(outputs(), same).replaces == []


def test_adopt_id_naming_another_group_replaces_never_silently_ignored() -> None:
    new = {**copy.deepcopy(VALID_EXAMPLE), "adopt_id": "rsp-other"}
    result = diff({**outputs(), "adopt_id": "rsp-1"}, new)
    assert (result.changes, result.replaces) == (True, ["adopt_id"])
    assert diff(outputs(), new).replaces == ["adopt_id"]


URN = "urn:pulumi:dev::p::pulumi-python:dynamic/slb:MasterSlaveServerGroup::"


def test_the_recorded_owner_tag_never_diffs_and_another_owner_retags_in_place() -> None:
    recorded = {**outputs(), "owner": URN + "web", "owner_tag": URN + "web"}
    same = {**copy.deepcopy(VALID_EXAMPLE), "owner": URN + "web"}
    assert (diff(recorded, same).changes, diff(recorded, same).replaces) == (False, [])
    renamed = {**copy.deepcopy(VALID_EXAMPLE), "owner": URN + "frontend"}  # aliases, or `pulumi stack rename`
    assert (diff(recorded, renamed).changes, diff(recorded, renamed).replaces) == (True, [])


def test_a_group_from_before_the_owner_tag_was_recorded_is_retagged_in_place() -> None:
    """State written by 0.1 (no owner) or 0.2 (owner, no owner_tag): an update, never a replacement."""
    for legacy in ({**outputs()}, {**outputs(), "owner": URN + "web"}):
        legacy.pop("owner_tag", None)
        result = diff(legacy, {**copy.deepcopy(VALID_EXAMPLE), "owner": URN + "web"})
        assert (result.changes, result.replaces) == (True, [])


def test_a_name_left_out_is_the_prior_one_so_an_alias_rename_never_replaces() -> None:
    first = PROVIDER.check({}, {**copy.deepcopy(VALID_EXAMPLE), "name": None, "owner": URN + "web"}).inputs
    assert (first["name"], first["owner"]) == ("web", URN + "web")
    renamed = PROVIDER.check(first, {**copy.deepcopy(VALID_EXAMPLE), "name": None, "owner": URN + "frontend"})
    assert renamed.failures == []
    assert (renamed.inputs["name"], renamed.inputs["owner"]) == ("web", URN + "frontend"), (
        "the name is kept; the owner is the resource's URN now")
    result = diff({**first, "owner_tag": URN + "web", "__provider": "p"}, renamed.inputs)
    assert (result.changes, result.replaces) == (True, []), "the ownership tag is rewritten in place"


def test_an_empty_name_is_reported_not_replaced_on_every_up() -> None:
    result = PROVIDER.check({}, {**copy.deepcopy(VALID_EXAMPLE), "name": ""})
    assert [(f.property, f.reason.split(":")[0]) for f in result.failures] == [("name", "InvalidParameter.Name")]


def test_ids_with_surrounding_whitespace_are_stored_trimmed_so_refresh_never_replaces() -> None:
    spaced = copy.deepcopy(VALID_EXAMPLE)
    spaced["load_balancer_id"] = " lb-demo-hangzhou "
    spaced["servers"][0]["server_id"] = "i-demo-web-1\t"
    checked = PROVIDER.check({}, spaced)
    assert checked.failures == []
    assert checked.inputs["load_balancer_id"] == "lb-demo-hangzhou"
    assert checked.inputs["servers"][0]["server_id"] == "i-demo-web-1"
    result = diff(outputs(), checked.inputs)
    assert (result.changes, result.replaces) == (False, [])


def test_unknown_servers_at_preview_show_as_replace() -> None:
    new = copy.deepcopy(VALID_EXAMPLE)
    new["servers"][0]["server_id"] = Unknown()  # type: ignore[no-untyped-call]  # pulumi.output.Unknown is untyped
    assert diff(outputs(), new).replaces == ["servers"]
