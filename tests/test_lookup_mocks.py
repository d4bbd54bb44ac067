"""The look-up under Pulumi's unit-test mocks: answered by `Mocks.call`, never by the network.

Under `pulumi.runtime.set_mocks`, pulumi-alicloud's invokes go to `Mocks.call`; ours did
their own HTTP, so a unit test with credentials in the environment called the real cloud.
Now the look-up is an invoke of `slb-master-slave:index:getMasterSlaveServerGroups` under
mocks, with the look-up's own argument names, and the mock's answer becomes the same
result types the real look-up returns.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockCallArgs
from slb_master_slave import (
    LOOKUP_TOKEN,
    GetMasterSlaveServerGroupsResult,
    LookupFailed,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)

from harness.emulator_process import EmulatorProcess
from harness.program import DefaultMocks, collect_registrations
from harness.stack_fixtures import DEMO_SECRET, stack_config

WEB = {"id": "rsp-mock-web", "name": "web", "tags": {"team": "web"},
       "servers": [{"server_id": "i-web-1", "port": 80, "weight": 60, "description": "primary"},
                   {"server_id": "eni-web-2", "port": 80, "server_type": "Slave", "type": "eni",
                    "server_ip": "192.168.0.21"}]}


class LookupMocks(DefaultMocks):
    """What a user writes: answer the look-up's token, record what it was asked."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.answer = {"groups": [WEB]} if answer is None else answer
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, args: MockCallArgs):
        self.calls.append((args.token, dict(args.args)))
        return self.answer if args.token == LOOKUP_TOKEN else {}


def run(program, mocks: LookupMocks, config: dict[str, str] | None = None, *, preview: bool = False) -> None:
    collect_registrations(program, project="unit", config=config or {"alicloud:region": "cn-hangzhou"},
                          mocks=mocks, preview=preview)


@pytest.mark.parametrize("preview", [False, True])
def test_both_forms_are_answered_by_mocks_call_with_the_documented_token_and_arguments(preview: bool) -> None:
    mocks = LookupMocks()
    seen: list[GetMasterSlaveServerGroupsResult] = []

    def program() -> None:
        seen.append(get_master_slave_server_groups("lb-unit", name_regex="^we", tags={"team": "web"}))
        get_master_slave_server_groups_output(pulumi.Output.from_input("lb-unit"), ids=["rsp-mock-web"],
                                              region_id="cn-shanghai").apply(seen.append)

    run(program, mocks, preview=preview)
    assert mocks.calls == [
        (LOOKUP_TOKEN, {"load_balancer_id": "lb-unit", "name_regex": "^we", "tags": {"team": "web"}}),
        (LOOKUP_TOKEN, {"load_balancer_id": "lb-unit", "ids": ["rsp-mock-web"], "region_id": "cn-shanghai"}),
    ], "arguments left out are not sent"
    plain, output = seen
    assert (plain.ids, plain.names, plain.load_balancer_id, plain.region_id, plain.name_regex) == \
        (["rsp-mock-web"], ["web"], "lb-unit", "cn-hangzhou", "^we"), "ids and names follow from groups"
    assert output.region_id == "cn-shanghai" and output.ids == ["rsp-mock-web"]
    group = plain.groups[0]
    assert (group.id, group.name, group.load_balancer_id, group.tags) == ("rsp-mock-web", "web", "lb-unit", {"team": "web"})
    master, slave = group.servers
    assert (master.server_id, master.port, master.weight, master.server_type, master.type, master.description) == \
        ("i-web-1", 80, 60, "Master", "ecs", "primary"), "defaults as the resource's"
    assert isinstance(master.port, int) and isinstance(master.weight, int), "numbers cross the mock as floats"
    assert (slave.server_id, slave.weight, slave.server_type, slave.type, slave.server_ip) == \
        ("eni-web-2", 100, "Slave", "eni", "192.168.0.21")


def test_no_request_is_made_even_with_credentials_and_an_endpoint(
        emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit test a user runs on a laptop with real credentials exported must not call out."""
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", "emulator-demo-key")
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", DEMO_SECRET)
    monkeypatch.setenv("ALICLOUD_REGION", "cn-hangzhou")
    monkeypatch.setenv("ALICLOUD_SLB_ENDPOINT", str(emu.url))
    mocks = LookupMocks()
    seen: list[Any] = []

    def program() -> None:
        seen.append(get_master_slave_server_groups("lb-demo-hangzhou"))
        get_master_slave_server_groups_output("lb-demo-hangzhou").apply(seen.append)

    run(program, mocks, stack_config(emu))
    assert [r.ids for r in seen] == [["rsp-mock-web"], ["rsp-mock-web"]]
    assert len(mocks.calls) == 2
    assert emu.requests() == [], "the look-up went to the network under mocks"


def test_an_empty_answer_is_an_empty_result() -> None:
    seen: list[Any] = []
    run(lambda: seen.append(get_master_slave_server_groups("lb-unit")), LookupMocks({}))
    assert (seen[0].ids, seen[0].names, seen[0].groups, seen[0].region_id) == ([], [], [], "cn-hangzhou")


@pytest.mark.parametrize(("answer", "field"), [
    ({"groupz": []}, "groupz"),
    ({"groups": [{"id": "rsp-1", "name": "x", "servers": [{"serverId": "i-1", "port": 80}]}]}, "groups[0].servers[0].serverId"),
    ({"groups": [{"id": "rsp-1", "name": "x", "servers": [{"server_id": "i-1", "port": "eighty"}]}]}, "groups[0].servers[0].port"),
    ({"groups": [{"name": "x"}]}, "groups[0].id"),
    ({"groups": "rsp-1"}, "groups"),
])
def test_a_mock_answer_of_the_wrong_shape_names_the_field(answer: dict[str, Any], field: str) -> None:
    with pytest.raises(Exception) as info:
        run(lambda: get_master_slave_server_groups("lb-unit"), LookupMocks(answer))
    chain: list[BaseException] = [info.value]
    while chain[-1].__cause__ or chain[-1].__context__:
        cause = chain[-1].__cause__ or chain[-1].__context__
        if cause is None or cause in chain:
            break
        chain.append(cause)
    found: list[BaseException] = [e for e in chain if isinstance(e, LookupFailed)]
    [error] = found or [info.value]
    assert isinstance(error, LookupFailed), info.value
    assert LOOKUP_TOKEN in str(error) and field in str(error) and "Mocks.call" in str(error)


def test_answered_like_pulumi_alicloud_s_own_look_up() -> None:
    """pulumi-alicloud's get_master_slave_server_groups is an invoke the same mocks answer:
    ours reaches Mocks.call the same way, with its own token and snake_case arguments."""
    import pulumi_alicloud as alicloud

    mocks = LookupMocks()
    seen: list[Any] = []

    def program() -> None:
        seen.append(alicloud.slb.get_master_slave_server_groups(load_balancer_id="lb-unit"))
        seen.append(get_master_slave_server_groups("lb-unit"))

    run(program, mocks)
    assert [token for token, _ in mocks.calls] == [
        "alicloud:slb/getMasterSlaveServerGroups:getMasterSlaveServerGroups", LOOKUP_TOKEN]
    assert mocks.calls[0][1] == {"loadBalancerId": "lb-unit"} and mocks.calls[1][1] == {"load_balancer_id": "lb-unit"}
    assert seen[1].ids == ["rsp-mock-web"]


def test_a_program_written_for_pulumi_alicloud_s_look_up_runs_unchanged() -> None:
    """alicloud's order (`ids` first), its keywords, and its result's `id`, under mocks;
    a real result turned into a dict (`dataclasses.asdict`) is still a valid answer."""
    import dataclasses

    mocks = LookupMocks()
    seen: list[Any] = []

    def program() -> None:
        seen.append(get_master_slave_server_groups(["rsp-mock-web"], "lb-unit", "^we"))
        seen.append(get_master_slave_server_groups(ids=["rsp-mock-web"], load_balancer_id="lb-unit",
                                                   opts=pulumi.InvokeOptions()))
        get_master_slave_server_groups_output(["rsp-mock-web"], pulumi.Output.from_input("lb-unit")).apply(seen.append)

    run(program, mocks)
    asked = {"load_balancer_id": "lb-unit", "ids": ["rsp-mock-web"]}
    assert mocks.calls == [(LOOKUP_TOKEN, {**asked, "name_regex": "^we"}), (LOOKUP_TOKEN, asked),
                           (LOOKUP_TOKEN, asked)]
    assert [(r.ids, r.load_balancer_id) for r in seen] == [(["rsp-mock-web"], "lb-unit")] * 3
    assert len({r.id for r in seen}) == 1 and seen[0].id
    assert seen[0].groups[0].servers[0].server_id == "i-web-1"
    again = LookupMocks(dataclasses.asdict(seen[1]))
    replayed: list[Any] = []
    run(lambda: replayed.append(get_master_slave_server_groups("lb-unit")), again)
    assert replayed[0] == seen[1]
