"""The emulator process: CLI contract, persistence, concurrency, garbage input."""

import concurrent.futures
import json
import signal
import socket
import subprocess
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from aliyunsdkslb.request.v20140515 import (
    CreateMasterSlaveServerGroupRequest,
    DescribeMasterSlaveServerGroupAttributeRequest,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emulator_process import EmulatorProcess, raw_call, signed_params

LB = "lb-demo-hangzhou"
SERVERS = json.dumps([{"ServerId": "i-demo-web-1", "Port": 80},
                      {"ServerId": "i-demo-web-2", "Port": 80, "ServerType": "Slave"}])


def create(client: Any, name: str | None = None) -> str:
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(LB)
    r.set_MasterSlaveBackendServers(SERVERS)
    if name:
        r.set_MasterSlaveServerGroupName(name)
    group_id: str = json.loads(client.do_action_with_exception(r))["MasterSlaveServerGroupId"]
    return group_id


def describe(client: Any, group_id: str) -> Any:
    r = DescribeMasterSlaveServerGroupAttributeRequest.DescribeMasterSlaveServerGroupAttributeRequest()
    r.set_MasterSlaveServerGroupId(group_id)
    return json.loads(client.do_action_with_exception(r))


# --- process contract ---------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_line_is_the_url_and_signals_exit_cleanly(sig):
    proc = subprocess.Popen([sys.executable, "-m", "slb_emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        split = urlsplit(line)
        assert split.scheme == "http" and split.hostname == "127.0.0.1" and split.port
        assert raw_call(line, method="GET", path="/_emulator/health") == (200, {"ok": True})
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # nothing but the URL on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_seed_file_fails_clearly(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text('{"accounts": [{"access_key_id": 1}]}')
    done = subprocess.run([sys.executable, "-m", "slb_emulator", "--port", "0",
                           "--seed", str(seed)], capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode == 2
    assert "access_key_id" in done.stderr
    with pytest.raises(RuntimeError, match="did not start"):
        EmulatorProcess(seed=str(seed)).start()


def test_persistence_across_restart(tmp_path):
    db = str(tmp_path / "state.db")
    with EmulatorProcess(db=db) as first:
        gid = create(first.sdk_client(), name="kept")
        first.add_fault(kind="latency", seconds=0.01)
    with EmulatorProcess(db=db) as second:
        assert describe(second.sdk_client(), gid)["MasterSlaveServerGroupName"] == "kept"
        state = second.state()
        assert [g["id"] for g in state["groups"]] == [gid]  # seed upserted, not duplicated
        assert second.faults() == []  # faults live in memory only
        create(second.sdk_client())
    with EmulatorProcess(db=db) as third:
        assert len(third.state()["groups"]) == 2
        third.reset()
        assert third.state()["groups"] == []


def test_in_memory_state_does_not_survive(emu):
    with EmulatorProcess() as a:
        create(a.sdk_client())
    with EmulatorProcess() as b:
        assert b.state()["groups"] == []


# --- concurrency --------------------------------------------------------------------

def test_hundred_concurrent_creates(emu):
    local = threading.local()

    def one(i):
        if not hasattr(local, "client"):
            local.client = emu.sdk_client()
        return create(local.client, name="g%d" % i)

    with concurrent.futures.ThreadPoolExecutor(max_workers=25) as pool:
        ids = list(pool.map(one, range(100)))
    assert len(set(ids)) == 100
    assert len(emu.state()["groups"]) == 100
    assert {r["status"] for r in emu.requests()} == {200}


# --- garbage never gets a 5xx, never hangs ------------------------------------------

def send_raw_bytes(url: str, data: bytes, read_timeout: float = 8.0, half_close: bool = False) -> bytes:
    split = urlsplit(url)
    assert split.hostname and split.port, url
    with socket.create_connection((split.hostname, split.port), timeout=read_timeout) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= int(length[0].split(b":")[1]):
                    break
        return b"".join(chunks)


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1."), response[:100]
    return int(response.split(b" ", 2)[1])


GARBAGE = [
    b"\x00\x01\x02garbage\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?Action=%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?\xff\xfe=\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?%%%=%&&&==& HTTP/1.1\r\nHost: x\r\n\r\n",
    b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 13\r\n\r\nAction=\xff\xfe\xfd\xfc\xfb\xfa",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n"
    b"{\"a\": 1}\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /_emulator/faults/%FF HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /_emulator/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n\xff\xfe[]",
]


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
def test_hand_made_garbage(emu, data):
    response = send_raw_bytes(emu.url, data)
    if response:
        assert 400 <= status_of(response) < 500, response[:300]
    assert raw_call(emu.url, method="GET", path="/_emulator/health")[0] == 200


def test_short_body_is_answered(emu):
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=x"
    response = send_raw_bytes(emu.url, data, half_close=True)
    assert 400 <= status_of(response) < 500


def test_huge_and_deep_parameters(emu):
    client = emu.sdk_client()
    for value in ("[" * 5000 + "]" * 5000, "[{'ServerId':'" + "x" * 200000 + "'}]",
                  json.dumps([{"ServerId": "i-demo-web-1", "Port": 80, "Description": "\ud800"}]),
                  "[{'ServerId':'i-demo-web-1','Port':'9" * 2 + "99999999999999999'}]"):
        params = signed_params("CreateMasterSlaveServerGroup",
                               {"LoadBalancerId": LB, "MasterSlaveBackendServers": value})
        status, body = raw_call(emu.url, query={}, body=params)
        assert 400 <= status < 500 and body["Code"], body
    assert len(create(client)) == 14


def test_signed_garbage_in_every_action(emu):
    from harness.emulator_process import signed_params as sp
    actions = ["CreateMasterSlaveServerGroup", "DeleteMasterSlaveServerGroup",
               "DescribeMasterSlaveServerGroupAttribute", "DescribeMasterSlaveServerGroups",
               "TagResources", "UntagResources", "ListTagResources",
               "DescribeLoadBalancerAttribute", "CreateLoadBalancerTCPListener",
               "CreateLoadBalancerUDPListener", "SetLoadBalancerTCPListenerAttribute",
               "SetLoadBalancerUDPListenerAttribute", "DeleteLoadBalancerListener"]
    junk = {"LoadBalancerId": "\x00", "MasterSlaveServerGroupId": "rsp-' OR 1=1 --",
            "ListenerPort": "--5", "Bandwidth": "1e9", "ResourceType": "MASTERSLAVESERVERGROUP",
            "ResourceId.1": "%", "Tag.1.Key": "", "Tag.999999.Value": "v", "TagKey.0": "x",
            "MasterSlaveBackendServers": "[{}, {}]", "MasterSlaveServerGroup": "maybe",
            "IncludeListener": "yes", "All": "true", "ListenerProtocol": "sctp"}
    for action in actions:
        status, body = raw_call(emu.url, query=sp(action, junk))
        assert 400 <= status < 500, (action, body)
        assert isinstance(body, dict) and body["Code"], (action, body)


PARAM_NAMES = st.sampled_from([
    "Action", "Version", "AccessKeyId", "Signature", "SignatureNonce", "Timestamp",
    "SignatureMethod", "SignatureVersion", "Format", "RegionId", "LoadBalancerId",
    "MasterSlaveBackendServers", "MasterSlaveServerGroupId", "Tag.1.Key", "Tag.1.Value",
    "ResourceId.1", "ResourceType", "ListenerPort", "SecurityToken", "IncludeListener",
]) | st.text(max_size=20)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=st.dictionaries(PARAM_NAMES, st.text(max_size=60), max_size=12),
       method=st.sampled_from(["GET", "POST", "DELETE"]),
       in_body=st.booleans(),
       sign=st.booleans(),
       action=st.sampled_from(["CreateMasterSlaveServerGroup", "DescribeMasterSlaveServerGroups",
                               "TagResources", "CreateLoadBalancerTCPListener", "Bogus"]),
       raw_body=st.binary(max_size=200))
def test_fuzzed_requests_never_5xx(emu, params, method, in_body, sign, action, raw_body):
    if sign:
        params = signed_params(action, params, method=method)
    if in_body:
        status, body = raw_call(emu.url, method=method, query={}, body=params, timeout=5)
    else:
        status, body = raw_call(emu.url, method=method, query=params,
                                body=raw_body if method == "POST" else None, timeout=5)
    assert status < 500, body
    if status != 200:
        assert isinstance(body, dict) and body.get("Code"), body


def test_stalled_body_is_answered_within_seconds(emu):
    import time
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=x"
    started = time.monotonic()
    response = send_raw_bytes(emu.url, data, read_timeout=15)
    assert status_of(response) == 408
    assert time.monotonic() - started < 10
