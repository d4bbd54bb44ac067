"""Credentials stay where they were put, across the channels the engine and a user see.

tests/test_lifecycle_grpc.py checks single gRPC calls and tests/test_provider_emulator.py
the in-process gateway; this module drives whole runs through the engine harness and
the real provider process and looks at what they leave behind: the state file (stored
inputs, outputs, `__provider`), the provider process's stderr, every error text, and the
emulator's request log. The secret here has characters URL encoding changes, so its
encoded forms are looked for too. The provider process runs with the SDK's own
ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET set to someone else's keys: they must
never be used. And an endpoint written without a scheme is https, which the plain-http
emulator never sees as a request.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.provider_process import ProviderProcess
from harness.stack_fixtures import group_program, registrations

ACCESS_KEY = "reliability-key"
SECRET = "s3cr/t+key=&value~!"
HIJACK_KEY, HIJACK_SECRET = "hijacker-key", "hijacker-secret"


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    import slb_emulator

    seed = json.loads((Path(slb_emulator.__file__).parent / "demo_seed.json").read_text())
    seed["accounts"].append({"access_key_id": ACCESS_KEY, "access_key_secret": SECRET})
    seed["accounts"].append({"access_key_id": HIJACK_KEY, "access_key_secret": HIJACK_SECRET})
    path = tmp_path_factory.mktemp("seed") / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess(seed=path) as emulator:
        yield emulator


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_"))}
    env.update(ALIYUN_ACCESS_KEY_ID=HIJACK_KEY, ALIYUN_ACCESS_KEY_SECRET=HIJACK_SECRET)
    return env


def _provider(project: str, emu: EmulatorProcess, endpoint: str, timeout: str = "10") -> ProviderProcess:
    process = ProviderProcess(project, env=_env())
    process.configure({"alicloud:accessKey": ACCESS_KEY, "alicloud:secretKey": SECRET,
                       "alicloud:region": "cn-hangzhou", "slb-master-slave:endpoint": endpoint,
                       "slb-master-slave:timeoutSeconds": timeout},
                      secret_keys=["alicloud:secretKey"])
    return process


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret, safe="~"), quote(secret)}


def _assert_nowhere(text: str, where: str) -> None:
    for form in _forms(SECRET) | _forms(HIJACK_SECRET):
        assert form not in text, f"a secret ({form!r}) leaked into {where}"


def test_no_credential_in_state_stderr_errors_or_requests_and_env_cannot_hijack(emu: EmulatorProcess, tmp_path: Path) -> None:
    emu.reset()
    process = _provider(scratch_project(tmp_path / "proj"), emu, emu.url)
    try:
        engine = Engine(process, str(tmp_path / "state.json"))
        state_texts = []
        assert engine.up(registrations(group_program(tags={"env": "dev"}, count=2))).ok
        state_texts.append(Path(engine.state_path).read_text())
        assert engine.refresh().ok
        state_texts.append(Path(engine.state_path).read_text())
        assert engine.up(registrations(group_program(tags={"env": "prod"}, count=2))).ok
        state_texts.append(Path(engine.state_path).read_text())

        emu.add_fault(kind="error", action="DeleteMasterSlaveServerGroup", code="Forbidden.RAM", status=403,
                      message="User not authorized to operate on the specified resource.")
        failed = engine.destroy()
        assert not failed.ok
        error_texts = [str(error) + getattr(error, "details", "") for _, _, error in failed.errors]
        assert any("Forbidden.RAM" in text for text in error_texts)
        emu.clear_faults()
        state_texts.append(Path(engine.state_path).read_text())

        resources = json.loads(state_texts[-1])["resources"]
        assert len(resources) == 2
        for resource in resources:
            for bag in (resource["inputs"], resource["outputs"]):
                _assert_nowhere(base64.b64decode(bag["__provider"]).decode("latin-1"), "__provider")
        assert engine.destroy().ok and emu.state()["groups"] == []
        state_texts.append(Path(engine.state_path).read_text())

        for i, text in enumerate(state_texts):
            _assert_nowhere(text, f"the state file (snapshot {i})")
        for text in error_texts:
            _assert_nowhere(text, "an error shown to the user")
        _assert_nowhere(process.stderr_text(), "the provider process's stderr")
        log = emu.requests()
        _assert_nowhere(json.dumps(log), "the emulator's request log")
        assert log and {r["params"].get("AccessKeyId") for r in log} == {ACCESS_KEY}, \
            "the SDK's ALIYUN_ACCESS_KEY_ID must not replace the configured key"
    finally:
        process.stop()


def test_endpoint_without_scheme_is_https_and_never_reaches_a_plain_http_server(emu: EmulatorProcess, tmp_path: Path) -> None:
    emu.reset()
    bare = emu.url.split("://", 1)[1]
    # TLS against plain http gets two quick retries, not the whole budget (client/retry.py): a
    # budget of a few seconds costs nothing here and leaves them room on a loaded machine.
    process = _provider(scratch_project(tmp_path / "proj"), emu, bare, timeout="5")
    try:
        engine = Engine(process, str(tmp_path / "state.json"))
        up = engine.up(registrations(group_program()))
        assert not up.ok
        [(_, _, error)] = up.errors
        text = str(error) + getattr(error, "details", "")
        assert "TlsHandshakeFailed" in text
        _assert_nowhere(text, "the error")
        assert emu.requests() == [], "a TLS handshake against plain http is never a request"
        assert emu.state()["groups"] == [] and engine.state["resources"] == []
        _assert_nowhere(process.stderr_text(), "the provider process's stderr")
    finally:
        process.stop()
