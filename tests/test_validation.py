"""The validation table, walked rule by rule, plus preview-time behaviour of check()."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.output import Unknown
from slb_master_slave import provider as provider_module
from slb_master_slave.domain.normalize import normalize_inputs
from slb_master_slave.domain.validation import (
    RULES,
    UNREADABLE_CODE,
    VALID_EXAMPLE,
    validate,
)
from slb_master_slave.provider import MasterSlaveServerGroupProvider
from slb_master_slave.provider.internal_error import INTERNAL_ERROR_CODE

SEED_DOC_CODES = {
    "BACKEND_SERVERS_NUM_MUST_BE_TWO",
    "BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID",
    "BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE",
    "BACKEND_SERVER_ID_CAN_NOT_EMPTY",
    "INVALID_SERVER_TYPE",
    "BACKEND_SERVER_PORT_CAN_NOT_EMPTY",
    "RealServerPortNotSupport",
}


def checked(props: dict[str, Any]) -> list[tuple[str, str]]:
    provider = MasterSlaveServerGroupProvider()
    result = provider.check({}, props)
    return [(f.property, f.reason) for f in result.failures]


def test_valid_example_passes() -> None:
    assert checked(copy.deepcopy(VALID_EXAMPLE)) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_each_rule_reports_its_own_code_at_its_path(rule) -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    rule.break_example(props)
    failures = checked(props)
    assert failures, f"{rule.code}: breaking example '{rule.example}' passed validation"
    assert [(path, reason.split(":")[0]) for path, reason in failures] == [(rule.example_path, rule.code)]
    assert failures[0][1].startswith(f"{rule.code}: ")


def _limit(id_: str, path: str, value: Any, failure: tuple[str, str] | None) -> Any:
    return pytest.param(path, value, failure, id=id_)


PORT, WEIGHT = ("servers[0].port", "RealServerPortNotSupport"), ("servers[0].weight", "InvalidParameter.Weight")
# The documented limits, written out (not read from the code they test), each on both sides.
LIMITS = [
    _limit("port 1", "servers.0.port", 1, None),
    _limit("port 65535", "servers.0.port", 65535, None),
    _limit("port 0", "servers.0.port", 0, PORT),
    _limit("port 65536", "servers.0.port", 65536, PORT),
    _limit("weight 0", "servers.0.weight", 0, None),
    _limit("weight 100", "servers.0.weight", 100, None),
    _limit("weight -1", "servers.0.weight", -1, WEIGHT),
    _limit("weight 101", "servers.0.weight", 101, WEIGHT),
    _limit("name of 1", "name", "n", None),
    _limit("name of 80", "name", "n" * 80, None),
    _limit("name of 81", "name", "n" * 81, ("name", "InvalidParameter.Name")),
    _limit("description of 1", "servers.0.description", "d", None),
    _limit("description of 80", "servers.0.description", "d" * 80, None),
    _limit("description of 81", "servers.0.description", "d" * 81, ("servers[0].description", "InvalidParameter.Description")),
    _limit("19 tags", "tags", {f"k{i}": "v" for i in range(19)}, None),
    _limit("20 tags", "tags", {f"k{i}": "v" for i in range(20)}, ("tags", "InvalidTagCount")),
    _limit("tag key of 1", "tags", {"k": "v"}, None),
    _limit("tag key of 64", "tags", {"k" * 64: "v"}, None),
    _limit("tag key of 0", "tags", {"": "v"}, ("tags.", "InvalidTagKey.Malformed")),
    _limit("tag key of 65", "tags", {"k" * 65: "v"}, ("tags." + "k" * 65, "InvalidTagKey.Malformed")),
    _limit("tag value of 0", "tags", {"t": ""}, None),
    _limit("tag value of 128", "tags", {"t": "v" * 128}, None),
    _limit("tag value of 129", "tags", {"t": "v" * 129}, ("tags.t", "InvalidTagValue.Malformed")),
]


@pytest.mark.parametrize(("path", "value", "failure"), LIMITS)
def test_each_limit_holds_exactly_at_its_boundary(path: str, value: Any, failure: tuple[str, str] | None) -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    *parents, last = path.split(".")
    target: Any = props
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    found = [(p, reason.split(":")[0]) for p, reason in checked(props)]
    assert found == ([failure] if failure else [])


def test_every_seed_document_code_has_a_rule() -> None:
    assert {rule.code for rule in RULES} >= SEED_DOC_CODES


def test_all_failures_reported_at_once() -> None:
    props = {
        "servers": [
            {"server_id": "", "port": 0, "weight": 200, "server_type": "Boss", "type": "vm"},
            {"server_id": "i-1"},
        ],
        "tags": {"acs:x": "y"},
    }
    codes = {(path, reason.split(":")[0]) for path, reason in checked(props)}
    assert codes >= {
        ("load_balancer_id", "MissingParameter.LoadBalancerId"),
        ("region_id", "MissingParameter.RegionId"),
        ("servers[0].server_id", "BACKEND_SERVER_ID_CAN_NOT_EMPTY"),
        ("servers[0].port", "RealServerPortNotSupport"),
        ("servers[0].weight", "InvalidParameter.Weight"),
        ("servers[0].server_type", "INVALID_SERVER_TYPE"),
        ("servers[0].type", "InvalidParameter.Type"),
        ("servers[1].port", "BACKEND_SERVER_PORT_CAN_NOT_EMPTY"),
        ("tags.acs:x", "InvalidTagKey.Malformed"),
    }


def test_numeric_strings_and_floats_normalize_to_ints_with_defaults() -> None:
    provider = MasterSlaveServerGroupProvider()
    result = provider.check({}, {
        "load_balancer_id": "lb-1", "region_id": "cn-hangzhou", "name": "g",
        "servers": [
            {"server_id": "i-2", "port": "8080", "server_type": "Slave"},
            {"server_id": "i-1", "port": 80.0, "weight": "50"},
        ],
    })
    assert result.failures == []
    assert result.inputs["servers"] == [
        {"server_id": "i-1", "port": 80, "weight": 50, "server_type": "Master", "type": "ecs"},
        {"server_id": "i-2", "port": 8080, "weight": 100, "server_type": "Slave", "type": "ecs"},
    ]
    assert result.inputs["tags"] == {}


def test_region_comes_from_config_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    del props["region_id"]
    provider = MasterSlaveServerGroupProvider()
    monkeypatch.setenv("ALICLOUD_REGION", "cn-beijing")
    assert provider.check({}, copy.deepcopy(props)).inputs["region_id"] == "cn-beijing"
    provider._config = {"alicloud:region": "cn-shanghai"}
    assert provider.check({}, copy.deepcopy(props)).inputs["region_id"] == "cn-shanghai"


def test_unknowns_are_skipped_and_the_known_rest_still_checked() -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    props["load_balancer_id"] = Unknown()  # type: ignore[no-untyped-call]  # pulumi.output.Unknown is untyped
    props["servers"][0]["server_id"] = Unknown()  # type: ignore[no-untyped-call]  # pulumi.output.Unknown is untyped
    props["servers"][1]["port"] = 0
    failures = checked(props)
    assert [(p, r.split(":")[0]) for p, r in failures] == [("servers[1].port", "RealServerPortNotSupport")]


def test_whole_server_list_unknown_is_not_a_failure() -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    props["servers"] = Unknown()  # type: ignore[no-untyped-call]  # pulumi.output.Unknown is untyped
    assert checked(props) == []


RULE_CODES = {rule.code for rule in RULES}


@pytest.mark.parametrize("bad", [None, 5, "x", []])
def test_inputs_that_are_not_a_mapping_are_reported_unreadable(bad) -> None:
    result = MasterSlaveServerGroupProvider().check({}, bad)
    assert result.inputs == {}
    [failure] = result.failures
    assert (failure.property, failure.reason.split(":")[0]) == ("", UNREADABLE_CODE), failure.reason
    assert "could not be read" in failure.reason and type(bad).__name__ in failure.reason


@pytest.mark.parametrize(("bad", "expected"), [
    ({"servers": "nope"}, ("servers", "InvalidParameter.Servers")),
    ({"servers": [1, None]}, ("servers[1]", "InvalidParameter.Servers")),
    ({"tags": ["a"]}, ("tags", "InvalidTagCount")),
    ({"servers": [{"port": {"a": 1}}, {"server_id": ["x"]}]}, ("servers[0].port", "RealServerPortNotSupport")),
    ({"tags": {"k": {"n": 1}}}, ("tags.k", "InvalidTagValue.Malformed")),
    ({"servers": [{"server_id": "i-1", "port": "9" * 400}, {"server_id": "i-2", "port": "9" * 5000}]},
     ("servers[1].port", "RealServerPortNotSupport")),
])
def test_check_never_raises_on_any_shape(bad, expected) -> None:
    """Every failure is a rule's, with its code at the malformed value's path: a crash
    (ProviderInternalError) is not a validation failure and fails this test."""
    result = MasterSlaveServerGroupProvider().check({}, bad)
    assert isinstance(result.inputs, dict)
    found = [(f.property, f.reason.split(":")[0]) for f in result.failures]
    assert {code for _, code in found} <= RULE_CODES, [f.reason for f in result.failures]
    assert expected in found


def test_a_crash_is_reported_as_the_providers_bug_never_as_invalid_input(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-do-not-show"

    def crash(*_: Any, **__: Any) -> None:
        raise KeyError(secret)

    monkeypatch.setattr(provider_module, "validate", crash)
    props = copy.deepcopy(VALID_EXAMPLE)
    props["tags"] = {"token": secret}
    result = MasterSlaveServerGroupProvider().check({}, props)
    [failure] = result.failures
    code, message = failure.reason.split(": ", 1)
    assert code == INTERNAL_ERROR_CODE and code not in RULE_CODES | {UNREADABLE_CODE}
    assert "bug in the pulumi-slb-master-slave provider" in message and "not a problem with your inputs" in message
    assert "KeyError at slb_master_slave/provider/__init__.py:" in message, "the exception's type and the line it came from"
    assert "report it in the issues of the pulumi-slb-master-slave repository" in message
    assert secret not in failure.reason, "neither the exception's text nor an input value"


def test_unknown_server_key_suggests_the_right_one() -> None:
    props = copy.deepcopy(VALID_EXAMPLE)
    props["servers"][0]["serverid"] = props["servers"][0].pop("server_id")
    reasons = dict(checked(props))
    assert "did you mean 'server_id'" in reasons["servers[0].serverid"]


def test_validate_is_pure_and_does_not_mutate() -> None:
    props = normalize_inputs(copy.deepcopy(VALID_EXAMPLE), None)
    before = copy.deepcopy(props)
    validate(props)
    assert props == before
