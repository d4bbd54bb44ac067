"""Bad input, generated: check() never raises and speaks only documented codes; the
emulator never answers 5xx (no fault injected) and never hangs, whatever it is sent."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slb_master_slave.domain.validation import RULES, UNREADABLE_CODE
from slb_master_slave.provider import MasterSlaveServerGroupProvider
from slb_master_slave.provider.internal_error import INTERNAL_ERROR_CODE
from slb_master_slave.provider.protection import CODE as PROTECTION_FLAG_CODE

from harness.emulator_process import EmulatorProcess

# What a failure of check() may begin with, for a mapping: a rule's code, the configuration's or
# the protection flag's. A bag that is not a mapping gets the unreadable-inputs code, alone.
# ProviderInternalError (a crash) is neither.
CODES = {rule.code for rule in RULES} | {"InvalidConfiguration", PROTECTION_FLAG_CODE}
KEYS = ["load_balancer_id", "region_id", "name", "servers", "tags", "adopt_id", "owner", "delete_protection_validation"]
SERVER_KEYS = ["server_id", "port", "weight", "server_type", "type", "description", "server_ip"]
ACTIONS = ["CreateMasterSlaveServerGroup", "DescribeMasterSlaveServerGroupAttribute",
           "DescribeMasterSlaveServerGroups", "DeleteMasterSlaveServerGroup", "TagResources",
           "UntagResources", "CreateLoadBalancerTCPListener", "NoSuchAction"]

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30))
json_like = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)

# Shaped like real inputs, with any value in any place.
plausible = (st.sampled_from([80, 8080, "80", "443", 0, 65535, 65536, -1, 80.0, 80.5, "eighty", None, True])
             | st.sampled_from(["Master", "Slave", "master", "ecs", "eni", "eci", "vm", "", "i-demo-web-1", "10.0.0.1"])
             | json_like)
server_bag = st.dictionaries(st.sampled_from([*SERVER_KEYS, "serverid", "Port"]), plausible, max_size=8)
servers = st.lists(server_bag | json_like, max_size=4) | json_like
shaped_bag = st.fixed_dictionaries(
    {},
    optional={
        "load_balancer_id": st.sampled_from(["lb-demo-hangzhou", "", None]) | json_like,
        "region_id": st.sampled_from(["cn-hangzhou", "cn hangzhou", ""]) | json_like,
        "name": st.text(max_size=90) | json_like,
        "servers": servers,
        "tags": st.dictionaries(st.text(max_size=130), st.text(max_size=130) | json_like, max_size=22) | json_like,
        "adopt_id": st.sampled_from(["rsp-abc", "lb-123"]) | json_like,
        "owner": st.sampled_from(["urn:pulumi:dev::p::t::web", "urn:pulumi:dev::p::t::" + "n" * 90, ""]) | json_like,
        "delete_protection_validation": st.sampled_from([True, False, "true", "FALSE", 1, 0, "yes"]) | json_like,
    },
)
bags = shaped_bag | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), json_like, max_size=6) | json_like


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bag=bags)
def test_check_never_raises_and_speaks_only_documented_codes(bag: Any) -> None:
    result = MasterSlaveServerGroupProvider().check({}, bag)
    failures = result.failures or []
    for failure in failures:
        assert isinstance(failure.property, str)
        code = failure.reason.split(":", 1)[0]
        assert code != INTERNAL_ERROR_CODE, f"check() crashed, and a crash is not a validation failure: {failure.reason}"
        assert code in (CODES if isinstance(bag, Mapping) else {UNREADABLE_CODE}), failure.reason
    if not isinstance(bag, Mapping):
        assert len(failures) == 1, "inputs that are not a mapping: one failure, that they could not be read"
    if not failures:
        inputs = result.inputs
        assert isinstance(inputs["servers"], list) and len(inputs["servers"]) == 2
        for server in inputs["servers"]:
            assert type(server["port"]) is int and 1 <= server["port"] <= 65535
            assert type(server["weight"]) is int


# --- the emulator ----------------------------------------------------------------------

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as emulator:
        yield emulator


def _send(url: str, method: str, query: str, body: bytes | None, ctype: str | None) -> int:
    request = urllib.request.Request(url + "/?" + query if query else url + "/", data=body, method=method)
    if ctype is not None:
        request.add_header("Content-Type", ctype)
    try:
        with _OPENER.open(request, timeout=10) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


params = st.dictionaries(
    st.sampled_from(["Action", "Version", "RegionId", "LoadBalancerId", "MasterSlaveServerGroupId",
                     "MasterSlaveBackendServers", "Tag.1.Key", "Tag.1.Value", "ResourceId.1", "Signature",
                     "AccessKeyId", "SignatureNonce", "Timestamp", "SignatureMethod"]) | st.text(max_size=12),
    st.sampled_from([*ACTIONS, "2014-05-15", "lb-demo-hangzhou", "[{'ServerId':'i-x','Port':'80'}]"]) | st.text(max_size=40),
    max_size=8,
)
queries = params.map(urlencode) | st.text(max_size=80).map(lambda t: quote(t, safe="=&%+"))
bodies = st.none() | st.binary(max_size=300) | params.map(lambda p: urlencode(p).encode())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["POST", "GET"]), query=queries, body=bodies,
       ctype=st.sampled_from([None, "application/x-www-form-urlencoded", "application/json", "text/plain"]))
def test_emulator_never_answers_5xx_nor_hangs(emu: EmulatorProcess, method: str, query: str, body: bytes | None, ctype: str | None) -> None:
    status = _send(str(emu.url), method, query, body if method == "POST" else None, ctype)
    assert 200 <= status < 500
