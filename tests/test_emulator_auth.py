"""Signature 1.0 authentication, through the SDK and with raw signed requests."""

import json
import time
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException

from harness.emulator_process import EmulatorProcess, raw_call, signed_params

from .emulator_sdk import LB, describe_lb

ACTION = "DescribeLoadBalancerAttribute"


def raw(emu: EmulatorProcess, **kwargs: Any) -> tuple[int, Any]:
    return raw_call(emu.url, query=signed_params(ACTION, {"LoadBalancerId": LB}, **kwargs))


def test_demo_key_accepted(emu):
    assert describe_lb(emu.sdk_client())["LoadBalancerId"] == LB
    assert raw(emu)[0] == 200


def test_unknown_access_key(emu):
    with pytest.raises(ServerException) as info:
        describe_lb(emu.sdk_client("no-such-key", "whatever"))
    assert info.value.error_code == "InvalidAccessKeyId.NotFound"
    assert info.value.http_status == 404


def test_wrong_secret_through_the_sdk(emu):
    # The wire code is SignatureDoesNotMatch; the SDK compares the server's string to
    # sign (after the ':') with its own and, when they agree (only the secret differs),
    # renames the error InvalidAccessKeySecret, exactly as against the real API.
    with pytest.raises(ServerException) as info:
        describe_lb(emu.sdk_client(secret="wrong-secret"))
    assert info.value.error_code == "InvalidAccessKeySecret"
    assert info.value.http_status == 400
    last = emu.requests()[-1]
    assert (last["status"], last["code"]) == (400, "SignatureDoesNotMatch")


def test_tampered_request_signature_does_not_match(emu):
    params = signed_params(ACTION, {"LoadBalancerId": LB})
    params["LoadBalancerId"] = "lb-demo-shanghai"  # changed after signing
    status, body = raw_call(emu.url, query=params)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert ":" in body["Message"]
    server_string = body["Message"].split(":")[1]
    assert server_string.startswith("POST&%2F&AccessKeyId%3Demulator-demo-key%26")
    assert "lb-demo-shanghai" in server_string


def test_signature_over_another_method_does_not_match(emu):
    # A request whose signature was computed by a different client (here: over GET
    # while sent as POST): the SDK keeps the code SignatureDoesNotMatch.
    params = signed_params(ACTION, {"LoadBalancerId": LB}, method="GET")
    status, body = raw_call(emu.url, method="POST", query=params)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert body["Message"].split(":")[1].startswith("POST&")


def test_timestamp_rules(emu):
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 16 * 60))
    status, body = raw(emu, timestamp=old)
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 16 * 60))
    assert raw(emu, timestamp=future)[1]["Code"] == "InvalidTimeStamp.Expired"
    near = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 10 * 60))
    assert raw(emu, timestamp=near)[0] == 200
    status, body = raw(emu, timestamp="yesterday")
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Format")
    params = signed_params(ACTION, {"LoadBalancerId": LB})
    del params["Timestamp"]
    status, body = raw_call(emu.url, query=params)
    assert (status, body["Code"]) == (400, "MissingParameter")
    assert '"Timestamp"' in body["Message"]


def test_reused_nonce(emu):
    assert raw(emu, nonce="nonce-1")[0] == 200
    status, body = raw(emu, nonce="nonce-1")
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    # Another key may use the same nonce.
    status, _ = raw(emu, nonce="nonce-1", access_key_id="STS.emulator-demo",
                    secret="emulator-sts-secret", security_token="emulator-sts-token")
    assert status == 200
    # A request that fails its signature check does not burn its nonce.
    bad = signed_params(ACTION, {"LoadBalancerId": LB}, nonce="nonce-2", secret="x")
    assert raw_call(emu.url, query=bad)[1]["Code"] == "SignatureDoesNotMatch"
    assert raw(emu, nonce="nonce-2")[0] == 200


def test_missing_signature_and_unsupported_method(emu):
    params = signed_params(ACTION, {"LoadBalancerId": LB})
    del params["Signature"]
    assert raw_call(emu.url, query=params)[1]["Code"] == "MissingParameter"
    params = signed_params(ACTION, {"LoadBalancerId": LB, "SignatureMethod": "HMAC-SHA256"})
    assert raw_call(emu.url, query=params)[1]["Code"] == "InvalidSignatureMethod"


def test_sts_token_accepted(emu):
    client = emu.sdk_client("STS.emulator-demo", "emulator-sts-secret",
                            security_token="emulator-sts-token")
    assert describe_lb(client)["LoadBalancerId"] == LB
    logged = emu.requests()[-1]["params"]
    assert logged["SecurityToken"] == "***"
    assert "Signature" not in logged
    assert "emulator-sts-token" not in json.dumps(emu.requests())


def test_sts_token_mismatch(emu):
    client = emu.sdk_client("STS.emulator-demo", "emulator-sts-secret",
                            security_token="wrong-token")
    with pytest.raises(ServerException) as info:
        describe_lb(client)
    assert info.value.error_code == "InvalidSecurityToken.Mismatch"


def test_sts_token_missing(emu):
    with pytest.raises(ServerException) as info:
        describe_lb(emu.sdk_client("STS.emulator-demo", "emulator-sts-secret"))
    assert info.value.error_code == "InvalidSecurityToken.Malformed"


def test_token_rejected_for_a_plain_key(emu):
    with pytest.raises(ServerException) as info:
        describe_lb(emu.sdk_client(security_token="emulator-sts-token"))
    assert info.value.error_code == "InvalidSecurityToken.Mismatch"
