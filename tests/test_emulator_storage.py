"""A full disk under the emulator is the server's trouble: 503 ServiceUnavailable, which clients retry.

It answered 400 InvalidParameter ("The request could not be processed (OperationalError)"),
which the provider, rightly, never retries: a create failed for good on a passing condition
of the server. Two ways to fill the disk: sqlite's own limit (`POST /_emulator/storage
{"max_pages": N}`: the genuine "database or disk is full" once the database would grow),
and the `disk_full` fault (every write of the requests it fires on fails that way, at once).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkslb.request.v20140515 import (
    CreateMasterSlaveServerGroupRequest,
    DescribeMasterSlaveServerGroupsRequest,
)
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.provider import lifecycle as operations

from harness.emulator_process import EmulatorProcess
from harness.stack_fixtures import stack_config

SERVERS = [{"ServerId": "i-demo-web-1", "Port": "80", "ServerType": "Master"},
           {"ServerId": "i-demo-web-2", "Port": "80", "ServerType": "Slave"}]


def create_request() -> CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest:
    request = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    request.set_LoadBalancerId("lb-demo-hangzhou")
    request.set_MasterSlaveBackendServers(json.dumps(SERVERS))
    return request


def list_request() -> DescribeMasterSlaveServerGroupsRequest.DescribeMasterSlaveServerGroupsRequest:
    request = DescribeMasterSlaveServerGroupsRequest.DescribeMasterSlaveServerGroupsRequest()
    request.set_LoadBalancerId("lb-demo-hangzhou")
    return request


def assert_unavailable(error: ServerException) -> None:
    assert (error.http_status, error.error_code) == (503, "ServiceUnavailable"), (error.http_status, error.message)
    assert error.request_id, "the API's error shape: a RequestId"


def first_refusal(client: Any, make_request: Callable[[], Any], attempts: int = 300) -> ServerException | None:
    """Send requests until one is refused: every signed request stores its nonce, so a
    database capped at its current size soon needs a page it cannot have."""
    for _ in range(attempts):
        refused = _refusal(client, make_request())
        if refused is not None:
            return refused
    return None


def _refusal(client: Any, request: Any) -> ServerException | None:
    try:
        client.do_action_with_exception(request)
    except ServerException as error:
        return error
    return None


def test_sqlite_running_out_of_pages_answers_503_and_applies_nothing(emu: EmulatorProcess) -> None:
    client = emu.sdk_client()
    emu.set_storage(max_pages=emu.storage()["page_count"])
    refused = first_refusal(client, create_request)
    assert refused is not None, "the database never filled"
    assert_unavailable(refused)
    groups_before = len(emu.state()["groups"])
    with pytest.raises(ServerException) as again:
        client.do_action_with_exception(create_request())
    assert_unavailable(again.value)
    assert len(emu.state()["groups"]) == groups_before, "a refused create changed nothing"
    assert {r["code"] for r in emu.requests()} <= {None, "ServiceUnavailable"}, "never a 4xx for a full disk"
    emu.set_storage(max_pages=None)
    client.do_action_with_exception(create_request())
    assert len(emu.state()["groups"]) == groups_before + 1, "room again: the emulator heals"


def test_the_disk_full_fault_fails_the_writes_of_the_requests_it_fires_on(emu: EmulatorProcess) -> None:
    client = emu.sdk_client()
    emu.add_fault(kind="disk_full", action="CreateMasterSlaveServerGroup", count=1)
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(create_request())
    assert_unavailable(info.value)
    assert emu.state()["groups"] == []
    client.do_action_with_exception(create_request())
    assert len(emu.state()["groups"]) == 1
    assert [(r["action"], r["status"], r["fault"]) for r in emu.requests()] == [
        ("CreateMasterSlaveServerGroup", 503, "disk_full"), ("CreateMasterSlaveServerGroup", 200, None)]


def test_the_provider_rides_out_a_full_disk_and_makes_one_group(emu: EmulatorProcess) -> None:
    """Disk full for the first create attempts, freed a moment later: the create retries
    (looking for a group the 5xx may have made first) and one group results."""
    client = emu.sdk_client()
    emu.set_storage(max_pages=emu.storage()["page_count"])
    refused = first_refusal(client, list_request)
    assert refused is not None, "the database never filled"
    assert_unavailable(refused)
    emu.clear_requests()
    threading.Timer(1.0, emu.set_storage, kwargs={"max_pages": None}).start()
    started = time.monotonic()
    group_id, _outputs = operations.create(resolve_settings(stack_config(emu), environ={}), {
        "load_balancer_id": "lb-demo-hangzhou", "region_id": "cn-hangzhou", "name": "web",
        "servers": [{"server_id": "i-demo-web-1", "port": 80}, {"server_id": "i-demo-web-2", "port": 80, "server_type": "Slave"}],
        "owner": "urn:pulumi:dev::p::pulumi-python:dynamic/slb:MasterSlaveServerGroup::web",  # what a program passes
    })
    assert time.monotonic() - started < 15
    assert [g["id"] for g in emu.state()["groups"]] == [group_id]
    assert 503 in {r["status"] for r in emu.requests()}, "the full disk was met, and retried"
