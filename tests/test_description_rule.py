"""A server description: the provider's preview and the emulator agree on every boundary character.

The API reference (CreateMasterSlaveServerGroup, `MasterSlaveBackendServers`): a Description
is 1 to 80 characters of Chinese characters, letters, digits, '-', '/', '.' and '_' (the
API document the project started from gives no rule; help.aliyun.com's reference does, without
naming code points). "Chinese characters" is read as Unicode's CJK Unified Ideographs block,
U+4E00-U+9FFF: the provider stopped at U+9FA5 (the block's end in Unicode 1.1) and refused
characters such as U+9FA6-U+9FFF that the emulator took. The two sides keep separate code
(they share nothing by design); this test holds them to the same answers: the provider's
Check and the emulator's CreateMasterSlaveServerGroup, over HTTP through the SDK.
"""

from __future__ import annotations

import copy
import json

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkslb.request.v20140515 import CreateMasterSlaveServerGroupRequest
from slb_master_slave.domain.validation import VALID_EXAMPLE
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.emulator_process import EmulatorProcess

# (description, what the API reference allows)
CASES = [
    ("\u4e00", True), ("\u9fa5", True), ("\u9fa6", True), ("\u9fcc", True), ("\u9fff", True),
    ("\u4dff", False),  # the last Yijing hexagram symbol, just below the block
    ("\ua000", False),  # the first Yi syllable, just above it
    ("\u3400", False),  # CJK Extension A: not in the documented block
    ("web-1/a.b_c", True), ("A", True), ("Z", True), ("a", True), ("z", True), ("0", True), ("9", True),
    ("a" * 80, True), ("a" * 81, False), ("\u4e00" * 80, True),
    ("web 1", False), ("web:1", False), ("web\n", False), ("\nweb", False), ("web\t", False),
    ("\uff21", False),  # FULLWIDTH LATIN CAPITAL A
    ("\u0663", False),  # ARABIC-INDIC DIGIT THREE: a digit to \d, not to the API
    ("\u00e9", False),  # é
    ("\u3002", False),  # IDEOGRAPHIC FULL STOP: Chinese punctuation, not a character of the rule
]
IDS = [repr(d) if len(d) < 10 else f"{d[0]!r}x{len(d)}" for d, _ in CASES]


def provider_accepts(description: str) -> bool:
    props = copy.deepcopy(VALID_EXAMPLE)
    props["servers"][0]["description"] = description
    failures = MasterSlaveServerGroupProvider().check({}, props).failures
    assert all(f.property == "servers[0].description" for f in failures), failures
    return not failures


def emulator_accepts(emu: EmulatorProcess, description: str) -> bool:
    servers = [{"ServerId": "i-demo-web-1", "Port": "80", "ServerType": "Master", "Description": description},
               {"ServerId": "i-demo-web-2", "Port": "80", "ServerType": "Slave"}]
    request = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    request.set_LoadBalancerId("lb-demo-hangzhou")
    request.set_MasterSlaveBackendServers(json.dumps(servers))
    try:
        emu.sdk_client().do_action_with_exception(request)
    except ServerException as error:
        assert error.error_code == "InvalidParameter" and "Description" in error.message, error.message
        return False
    return True


@pytest.mark.parametrize(("description", "allowed"), CASES, ids=IDS)
def test_provider_and_emulator_agree_with_the_reference(emu: EmulatorProcess, description: str, allowed: bool) -> None:
    assert (provider_accepts(description), emulator_accepts(emu, description)) == (allowed, allowed)
