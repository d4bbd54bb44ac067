"""The gateway against endpoints that misbehave, through the real provider process.

Each case configures the real `python -m pulumi.dynamic` process (started once, with
`DEBUG=sdk` set and an STS token whose characters every encoding changes) with an
endpoint from harness/bad_endpoints.py, runs one engine operation over gRPC, and checks:
the operation ends within `timeoutSeconds` + 1 s; permanent failures end within a few
seconds even with the default 300 s budget; the message is short, names the operation,
the subject and the fix, and carries no signed URL, no query string, no HTML, and neither
the secret key nor the token in any encoding; nor does the provider's stderr.
"""

from __future__ import annotations

import base64
import concurrent.futures
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from harness.bad_endpoints import BadEndpoint
from harness.emulator_process import EmulatorProcess
from harness.engine_harness import scratch_project
from harness.provider_process import ProviderError, ProviderProcess
from harness.stack_fixtures import group_program, registrations, start_provider
from harness.waiting import wait_until

URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::group-0"
ACCESS_KEY = "gateway-key"
SECRET = "s3cr/t+key=&value~!"
TOKEN = "CAIS+sts/tok=en&v~1!x"
BUDGET = 2.0  # slb-master-slave:timeoutSeconds for the cases bounded by time
QUICK_FAIL_SECONDS = 4.0  # two quick retries of a permanent failure, with slack for a loaded machine
MESSAGE_LIMIT = 600
# A create's first call is the create itself (ownership/create.py: a look-up happens only for what an
# earlier create on this machine left); against these endpoints it is the call that fails.
CREATE_FIRST_CALL = "CreateMasterSlaveServerGroup"


class Providers:
    """A provider process per endpoint: the dynamic provider host configures a provider once per process."""

    def __init__(self, project: str) -> None:
        self.project = project
        self.started: list[ProviderProcess] = []

    def __call__(self, url: str, budget: float | None = BUDGET) -> ProviderProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_"))}
        env["DEBUG"] = "sdk"  # the SDK's HTTP debug log must not carry the token either
        process = ProviderProcess(self.project, env=env, call_timeout=60)
        self.started.append(process)
        config = {"alicloud:accessKey": ACCESS_KEY, "alicloud:secretKey": SECRET, "alicloud:securityToken": TOKEN,
                  "alicloud:region": "cn-hangzhou", "slb-master-slave:endpoint": url}
        if budget is not None:
            config["slb-master-slave:timeoutSeconds"] = str(budget)
        process.configure(config, secret_keys=["alicloud:secretKey", "alicloud:securityToken"])
        return process


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> str:
    return scratch_project(tmp_path_factory.mktemp("gateway"))


@pytest.fixture()
def providers(project: str) -> Iterator[Providers]:
    started = Providers(project)
    yield started
    for process in started.started:
        assert_clean(process.stderr_text(), "the provider's stderr (DEBUG=sdk)")
        process.stop()


def inputs(provider: ProviderProcess, **kwargs: Any) -> dict[str, Any]:
    [registration] = registrations(group_program(**kwargs))
    checked = provider.check(URN, {}, registration.inputs)
    assert checked.failures == []
    return checked.inputs


def run(provider: ProviderProcess, op: str) -> tuple[float, str]:
    """One engine operation that must fail; (seconds it took, the error text the engine got)."""
    news = inputs(provider, tags={"env": "dev"})
    outputs = {k: v for k, v in news.items() if k != "__provider"} | {"__provider": news["__provider"]}
    outputs["owner_tag"] = news["owner"]  # as a create of this release records it (a short URN is its own value)
    started = time.monotonic()
    with pytest.raises(ProviderError) as info:
        if op == "create":
            provider.create(URN, news)
        elif op == "read":
            provider.read(URN, "rsp-gone", outputs, news)
        elif op == "update":
            provider.update(URN, "rsp-gone", outputs, inputs(provider, tags={"env": "prod"}))
        else:
            provider.delete(URN, "rsp-gone", outputs)
    return time.monotonic() - started, info.value.details


def peak_rss_mib(pid: int) -> int | None:
    """The process's peak resident memory (Linux), in MiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def our_message(details: str) -> str:
    """The provider's message: the last exception line of the traceback the servicer sends."""
    return details.rsplit("ProviderError: ", 1)[-1].strip()


def forms(secret: str) -> set[str]:
    once = {quote(secret, safe=""), quote(secret, safe="~"), quote(secret)}
    return ({secret} | once | {quote(f, safe="") for f in once} | {f.lower() for f in once}
            | {base64.b64encode(secret.encode()).decode()})


def assert_clean(text: str, where: str) -> None:
    for secret in (SECRET, TOKEN):
        for form in forms(secret):
            assert form not in text, f"{form!r} leaked into {where}"
    for marker in ("Signature=", "AccessKeyId=", "SignatureNonce", "SecurityToken=", "<html", "<title", "<h1"):
        assert marker not in text, f"{marker!r} in {where}: {text[:400]}"


def assert_message(details: str, *, action: str, code: str, fix: str, maybe_created: bool = False) -> str:
    message = our_message(details)
    assert_clean(details, "the error")
    assert len(message) < MESSAGE_LIMIT, message
    first, _, rest = message.partition("\n")
    assert first.startswith(f"SLB {action} failed for ") and " in cn-hangzhou: " in first and code in first, message
    assert fix in rest, message
    assert ("may have happened" in message) is maybe_created, message
    return message


# -- permanent failures: a few seconds, whatever the budget ------------------------------
@pytest.mark.parametrize(("kind", "op", "code", "fix"), [
    ("refused", "create", "ConnectionRefused", "check slb-master-slave:endpoint"),
    ("refused", "delete", "ConnectionRefused", "check slb-master-slave:endpoint"),
    ("html404", "create", "NotSlbApi", "is not the SLB API"),
    ("html501", "read", "NotSlbApi", "is not the SLB API"),
    ("huge", "read", "AnswerTooLarge", "is not the SLB API"),
    ("endless", "create", "AnswerTooLarge", "is not the SLB API"),
    ("tls_vs_http", "create", "TlsHandshakeFailed", "write slb-master-slave:endpoint as http://host:port"),
])
def test_permanent_failures_end_in_seconds_even_with_the_default_budget(
        providers: Providers, kind: str, op: str, code: str, fix: str) -> None:
    server_kind = "html404" if kind == "tls_vs_http" else kind
    with BadEndpoint(server_kind, https=kind == "tls_vs_http", hold=10) as bad:
        provider = providers(bad.url, budget=None)  # the default 300 s
        elapsed, details = run(provider, op)
        seen = bad.requests
    action = {"create": CREATE_FIRST_CALL, "read": "DescribeMasterSlaveServerGroupAttribute",
              "delete": "DeleteMasterSlaveServerGroup"}[op]
    message = assert_message(details, action=action, code=code, fix=fix)
    assert elapsed < QUICK_FAIL_SECONDS, f"{kind}: {elapsed:.1f} s"
    assert "3 attempts" in message, "two quick retries, then the failure"
    assert seen <= 3
    assert bad.url in message, "the message names the endpoint"
    peak = peak_rss_mib(provider.pid)
    assert peak is None or peak < 200, f"the provider process peaked at {peak} MiB"
    print(f"\n{kind}/{op}: {elapsed:.2f} s, {seen} requests, peak RSS {peak} MiB, {len(our_message(details))} chars")


# -- time: every operation within its budget ---------------------------------------------
@pytest.mark.parametrize(("kind", "op", "code"), [
    ("drip", "create", "ReadTimeout"),
    ("drip", "read", "ReadTimeout"),
    ("drip", "update", "ReadTimeout"),
    ("drip", "delete", "ReadTimeout"),
    ("silent", "read", "ReadTimeout"),
    ("backlog", "create", "ConnectTimeout"),
    ("tls_stall", "read", "ConnectTimeout"),
])
def test_every_operation_ends_within_its_budget(providers: Providers, kind: str, op: str, code: str) -> None:
    with BadEndpoint(kind, https=kind == "tls_stall", hold=BUDGET + 8) as bad:
        provider = providers(bad.url)
        elapsed, details = run(provider, op)
    assert elapsed <= BUDGET + 1, f"{kind}/{op} took {elapsed:.1f} s under a {BUDGET} s budget"
    print(f"\n{kind}/{op}: {elapsed:.2f} s under a {BUDGET} s budget, {len(our_message(details))} chars")
    action = {"create": CREATE_FIRST_CALL, "read": "DescribeMasterSlaveServerGroupAttribute",
              "update": "TagResources", "delete": "DeleteMasterSlaveServerGroup"}[op]
    # a create sent and never answered may have happened; one that never connected did not
    assert_message(details, action=action, code=code, fix="slb-master-slave:timeoutSeconds",
                   maybe_created=(kind, op) == ("drip", "create"))


def test_four_drip_fed_creates_do_not_starve_an_unrelated_check(providers: Providers) -> None:
    with BadEndpoint("drip", hold=BUDGET + 8) as bad:
        provider = providers(bad.url)
        news = inputs(provider)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            started = time.monotonic()
            creates = [pool.submit(_timed_create, provider, news) for _ in range(4)]
            # all four workers of the provider process are busy once the endpoint holds four requests
            wait_until(lambda: bad.requests >= 4, BUDGET, "four creates reaching the drip-feeding endpoint")
            provider.call_timeout = BUDGET + 3
            try:
                checked = provider.check(URN, {}, news)
            finally:
                provider.call_timeout = 60
            check_done = time.monotonic() - started
            durations = [f.result() for f in creates]
    assert checked.failures == []
    assert check_done <= BUDGET + 2, f"Check waited {check_done:.1f} s behind the creates"
    assert max(durations) <= BUDGET + 1, durations
    print(f"\nfour drip-fed creates: {max(durations):.2f} s at most; the Check answered after {check_done:.2f} s")


def _timed_create(provider: ProviderProcess, news: dict[str, Any]) -> float:
    started = time.monotonic()
    with pytest.raises(ProviderError):
        provider.create(URN, news)
    return time.monotonic() - started


# -- messages from the API itself --------------------------------------------------------
def test_signature_mismatch_shows_no_string_to_sign_and_the_token_is_nowhere(providers: Providers) -> None:
    message = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&{query}"
    with BadEndpoint("api_error", code="SignatureDoesNotMatch", status=400, message=message) as bad:
        provider = providers(bad.url)
        _, details = run(provider, "create")
        [target] = bad.targets[-1:]
    assert "SecurityToken=" in target, "the token was sent (as the STS signer does), so it could leak"
    text = assert_message(details, action=CREATE_FIRST_CALL, code="SignatureDoesNotMatch",
                          fix="alicloud:secretKey")
    assert "string to sign is not shown" in text and "RequestId BAD-ENDPOINT-REQUEST" in text
    assert_clean(provider.stderr_text(), "the provider's stderr (DEBUG=sdk)")


def test_throttling_codes_are_retried_until_the_budget(providers: Providers) -> None:
    # Throttling backs off with full jitter (client/retry.py): in a 2 s budget an unlucky draw
    # leaves room for only three tries, as many as a permanent failure's quick retries make.
    # Twice that budget keeps at least five tries in every draw, so the count tells the two apart.
    budget = 2 * BUDGET
    with BadEndpoint("api_error", code="Rejected.Throttling", status=400, message="Request was denied.") as bad:
        provider = providers(bad.url, budget=budget)
        elapsed, details = run(provider, "read")
        seen = bad.requests
    assert elapsed <= budget + 1
    assert seen > 3, "any code containing Throttling is retried"
    assert_message(details, action="DescribeMasterSlaveServerGroupAttribute", code="Rejected.Throttling",
                   fix="kept throttling")


def test_an_endpoint_with_a_path_is_refused_at_preview(providers: Providers) -> None:
    provider = providers("http://127.0.0.1:9/api")
    [registration] = registrations(group_program())
    checked = provider.check(URN, {}, registration.inputs)
    [(_, reason)] = checked.failures
    assert reason.startswith("InvalidConfiguration:") and "'http://127.0.0.1:9/api' has a path" in reason



# -- messages that name the region and the fix, against the emulator ---------------------
def test_a_load_balancer_in_another_region_is_named_with_the_region_asked(emu: EmulatorProcess, tmp_path: Path) -> None:
    with start_provider(scratch_project(tmp_path), emu, **{"slb-master-slave:timeoutSeconds": str(BUDGET)}) as provider:
        [registration] = registrations(group_program())
        news = dict(registration.inputs, load_balancer_id="lb-demo-shanghai")  # lives in cn-shanghai
        checked = provider.check(URN, {}, news)
        with pytest.raises(ProviderError) as info:
            provider.create(URN, checked.inputs)
    message = our_message(info.value.details)
    first, second = message.split("\n")
    assert first.startswith(f"SLB {CREATE_FIRST_CALL} failed for load balancer lb-demo-shanghai in "
                            "cn-hangzhou: InvalidLoadBalancerId.NotFound: ")
    assert "not found in cn-hangzhou" in second and "region_id" in second
    groups = emu.state()["groups"]
    assert "may have happened" not in message and groups == []


def test_a_tag_update_on_a_group_deleted_outside_says_to_refresh(emu: EmulatorProcess, tmp_path: Path) -> None:
    with start_provider(scratch_project(tmp_path), emu, **{"slb-master-slave:timeoutSeconds": str(BUDGET)}) as provider:
        [registration] = registrations(group_program(tags={"env": "dev"}))
        checked = provider.check(URN, {}, registration.inputs)
        group_id, outputs = provider.create(URN, checked.inputs)
        provider.delete(URN, group_id, outputs)  # as if deleted in the console
        [retagged] = registrations(group_program(tags={"env": "prod"}))
        news = provider.check(URN, checked.inputs, retagged.inputs).inputs
        with pytest.raises(ProviderError) as info:
            provider.update(URN, group_id, outputs, news)
    message = our_message(info.value.details)
    first, second = message.split("\n")
    assert first.startswith(f"SLB TagResources failed for group {group_id} in cn-hangzhou: InvalidResourceId.NotFound: ")
    assert "pulumi refresh" in second
