"""get_master_slave_server_groups in a program as the engine runs it, against the emulator over the SDK.

The look-up runs in the program process with the stack config the program sees
(`alicloud:*`, `slb-master-slave:*`), then the environment, as the provider resolves it.
The programs run with the harness's engine-like monitor (not a MockMonitor): under
`set_mocks` proper the look-up asks `Mocks.call` instead (tests/test_lookup_mocks.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pytest
from slb_master_slave import (
    GetMasterSlaveServerGroupsResult,
    LookupFailed,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.provider import lifecycle as operations

from harness.emulator_process import EmulatorProcess
from harness.program import Registration, collect_registrations
from harness.stack_fixtures import DEMO_SECRET, stack_config

SECRET_KEYS = ["alicloud:secretKey"]


def make_group(emu: EmulatorProcess, name: str, port: int, *, tags: dict[str, str] | None = None, second: str = "eni-demo-1") -> str:
    settings = resolve_settings(stack_config(emu), environ={})
    group_id, _ = operations.create(settings, {
        "load_balancer_id": "lb-demo-hangzhou", "region_id": "cn-hangzhou", "name": name, "tags": tags or {},
        "servers": [{"server_id": "i-demo-web-1", "port": port, "weight": 60, "description": "primary"},
                    {"server_id": second, "port": port, "server_type": "Slave", "type": "eni",
                     "server_ip": "192.168.0.21"}],
    })
    return group_id


def run(program: Callable[[], Any], config: dict[str, str], *, preview: bool = False) -> list[Registration]:
    return collect_registrations(program, project="lookup", config=config, secret_keys=SECRET_KEYS, preview=preview,
                                 mock_monitor=False)


@pytest.mark.parametrize("preview", [False, True])
def test_lookup_returns_typed_groups_during_up_and_preview(emu: EmulatorProcess, preview: bool) -> None:
    web = make_group(emu, "web", 80, tags={"team": "web"})
    api = make_group(emu, "api", 8080)
    emu.clear_requests()
    seen: list[GetMasterSlaveServerGroupsResult] = []

    def program() -> None:
        seen.append(get_master_slave_server_groups("lb-demo-hangzhou"))
        seen.append(get_master_slave_server_groups("lb-demo-hangzhou", name_regex="^we"))
        seen.append(get_master_slave_server_groups("lb-demo-hangzhou", ids=[api]))
        seen.append(get_master_slave_server_groups("lb-demo-hangzhou", tags={"team": "web"}))

    run(program, stack_config(emu), preview=preview)
    everything, by_name, by_id, by_tag = seen
    assert everything.ids == [web, api] and everything.names == ["web", "api"]
    assert everything.region_id == "cn-hangzhou"
    group = everything.groups[0]
    assert group.tags == {"team": "web"}, "the provider's own tag is never shown"
    master, slave = group.servers
    assert (master.server_id, master.port, master.weight, master.server_type, master.type, master.description) == \
        ("i-demo-web-1", 80, 60, "Master", "ecs", "primary")
    assert (slave.server_id, slave.server_type, slave.type) == ("eni-demo-1", "Slave", "eni")
    assert isinstance(master.port, int) and isinstance(master.weight, int)
    assert by_name.ids == [web] and by_id.ids == [api] and by_tag.ids == [web]
    assert set(emu.actions()) <= {"DescribeMasterSlaveServerGroups", "DescribeMasterSlaveServerGroupAttribute"}, \
        "a look-up only reads"


def test_output_form_takes_inputs_and_returns_an_output(emu: EmulatorProcess) -> None:
    web = make_group(emu, "web", 80)
    seen: list[Any] = []

    def program() -> None:
        lb = pulumi.Output.from_input("lb-demo-hangzhou")
        result = get_master_slave_server_groups_output(lb, name_regex=pulumi.Output.from_input("web"))
        assert isinstance(result, pulumi.Output)
        result.apply(seen.append)
        pulumi.export("ids", result.apply(lambda r: r.ids))

    run(program, stack_config(emu))
    [result] = seen
    assert result.ids == [web]


def test_region_id_argument_overrides_the_stack_region(emu: EmulatorProcess) -> None:
    seen: list[Any] = []
    run(lambda: seen.append(get_master_slave_server_groups("lb-demo-shanghai", region_id="cn-shanghai")),
        stack_config(emu))
    assert seen[0].region_id == "cn-shanghai" and seen[0].ids == []


def test_missing_credentials_fail_cleanly_without_a_secret_or_a_call(emu: EmulatorProcess) -> None:
    config = {k: v for k, v in stack_config(emu).items() if k != "alicloud:accessKey"}
    config["alicloud:secretKey"] = "a-secret-that-must-not-show"
    with pytest.raises(Exception) as info:
        run(lambda: get_master_slave_server_groups("lb-demo-hangzhou"), config)
    error = _root(info.value)
    assert isinstance(error, LookupFailed) and isinstance(error, pulumi.RunError)
    assert "credentials are missing" in str(error) and "alicloud:accessKey" in str(error)
    assert "a-secret-that-must-not-show" not in str(error)
    assert emu.requests() == []


def test_a_missing_load_balancer_is_named_with_the_code_and_request_id(emu: EmulatorProcess) -> None:
    with pytest.raises(Exception) as info:
        run(lambda: get_master_slave_server_groups("lb-nope"), stack_config(emu))
    error = _root(info.value)
    assert isinstance(error, LookupFailed)
    text = str(error)
    assert "lb-nope does not exist in region cn-hangzhou" in text and "InvalidLoadBalancerId.NotFound" in text
    assert "RequestId" in text and "Traceback" not in text and DEMO_SECRET not in text


def test_bad_arguments_name_the_field_and_the_fix(emu: EmulatorProcess) -> None:
    settings = resolve_settings(stack_config(emu), environ={})
    with pytest.raises(LookupFailed, match="load_balancer_id is required"):
        get_master_slave_server_groups("", settings=settings)
    with pytest.raises(LookupFailed, match="name_regex"):
        get_master_slave_server_groups("lb-demo-hangzhou", name_regex="(", settings=settings)
    assert emu.requests() == []


def test_the_environment_is_the_fallback_as_for_the_provider(emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", "emulator-demo-key")
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", DEMO_SECRET)
    monkeypatch.setenv("ALICLOUD_REGION", "cn-hangzhou")
    monkeypatch.setenv("ALICLOUD_SLB_ENDPOINT", str(emu.url))
    web = make_group(emu, "web", 80)
    seen: list[Any] = []
    run(lambda: seen.append(get_master_slave_server_groups("lb-demo-hangzhou")), {})
    assert seen[0].ids == [web]


def test_paging_follows_next_token_when_an_answer_carries_one(emu: EmulatorProcess) -> None:
    settings = resolve_settings(stack_config(emu), environ={})
    gateway = SlbGateway(settings)
    pages: dict[str | None, dict[str, Any]] = {
        None: {"MasterSlaveServerGroups": {"MasterSlaveServerGroup": [{"MasterSlaveServerGroupId": "rsp-1"}]}, "NextToken": "t2"},
        "t2": {"MasterSlaveServerGroups": {"MasterSlaveServerGroup": [{"MasterSlaveServerGroupId": "rsp-2"}]}},
    }
    sent: list[dict[str, Any]] = []

    def fake_send(action: str, params: Mapping[str, Any], *, reserve: float = 0.0) -> dict[str, Any]:
        sent.append(dict(params))
        return pages[params.get("NextToken")]

    gateway._send = fake_send  # type: ignore[method-assign]  # the answers of a paging API the emulator lacks
    groups = gateway.list_groups("lb-demo-hangzhou")
    assert [g.id for g in groups] == ["rsp-1", "rsp-2"]
    assert [p.get("NextToken") for p in sent] == [None, "t2"]


def _root(error: BaseException) -> BaseException:
    while not isinstance(error, LookupFailed) and (error.__cause__ or error.__context__):
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return error


def test_groups_listed_without_servers_are_read_one_by_one_as_with_the_real_api(emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real DescribeMasterSlaveServerGroups items carry no servers (the emulator's do)."""
    web = make_group(emu, "web", 80)
    make_group(emu, "api", 8080)
    original = SlbGateway.list_groups

    def without_servers(self, *args, **kwargs):
        return [dataclasses.replace(g, servers=()) for g in original(self, *args, **kwargs)]

    monkeypatch.setattr(SlbGateway, "list_groups", without_servers)
    emu.clear_requests()
    result = get_master_slave_server_groups("lb-demo-hangzhou", name_regex="web",
                                            settings=resolve_settings(stack_config(emu), environ={}))
    assert result.ids == [web] and [s.server_id for s in result.groups[0].servers] == ["i-demo-web-1", "eni-demo-1"]
    assert emu.actions() == ["DescribeMasterSlaveServerGroups", "DescribeMasterSlaveServerGroupAttribute"], \
        "only the group that passed the filters is read"


def test_lookup_takes_alicloud_names_and_order_and_answers_like_alicloud(emu: EmulatorProcess, tmp_path) -> None:
    import json

    web = make_group(emu, "web", 80)
    make_group(emu, "api", 8080)
    settings = resolve_settings(stack_config(emu), environ={})
    path = tmp_path / "groups.json"
    alicloud_order = get_master_slave_server_groups([web], "lb-demo-hangzhou", None, str(path), settings=settings)
    keywords = get_master_slave_server_groups(ids=[web], load_balancer_id="lb-demo-hangzhou", settings=settings)
    release_03 = get_master_slave_server_groups("lb-demo-hangzhou", [web], settings=settings)
    assert alicloud_order.ids == keywords.ids == release_03.ids == [web]
    assert alicloud_order.id == keywords.id == release_03.id != "", "id stands for the ids found"
    assert get_master_slave_server_groups("lb-demo-hangzhou", settings=settings).id != alicloud_order.id
    assert alicloud_order.output_file == str(path) and keywords.output_file is None
    [written] = json.loads(path.read_text(encoding="utf-8"))
    assert written["id"] == web and written["servers"][0]["server_id"] == "i-demo-web-1"
    assert keywords.groups[0].servers[0].instance_id == "i-demo-web-1", "alicloud's name for the server id"

    async def awaited() -> GetMasterSlaveServerGroupsResult:
        return await keywords

    # Driven by hand: asyncio.run would leave the thread without the event loop pulumi's runtime uses.
    with pytest.raises(StopIteration) as finished:
        awaited().send(None)
    plain = finished.value.value  # as pulumi-alicloud's: the plain result, itself not awaitable
    assert type(plain) is GetMasterSlaveServerGroupsResult and plain == GetMasterSlaveServerGroupsResult(
        **{f.name: getattr(keywords, f.name) for f in dataclasses.fields(GetMasterSlaveServerGroupsResult)})
    with pytest.raises(LookupFailed, match="given twice"):
        get_master_slave_server_groups([web], "lb-demo-hangzhou", ids=[web], settings=settings)
