"""Suite-wide settings and the fixtures several modules share: keep the developer's real
cloud credentials out of every test; one emulator process per module, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slb_master_slave.ownership.journal import JOURNAL_DIR_ENV

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine, scratch_project
from harness.provider_process import ProviderProcess
from harness.pulumi_cli import find_cli, find_language_host
from harness.stack_fixtures import start_provider

CLOUD_ENV = (
    "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_SECRET_KEY",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_SLB_ENDPOINT",
    "ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET",
)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which CLI and which Python language host the real-engine tests use (tests/real_engine)."""
    cli, why = find_cli()
    if cli is None:
        return [f"real-engine tests: skipped ({why})"]
    host = find_language_host(cli)
    runs = (f"the official Python language host {host}" if host else
            "harness/language_host.py through the CLI's --client (no pulumi-language-python on PATH or beside the CLI)")
    return [f"real-engine tests: {cli}; programs run by {runs}"]


@pytest.fixture(autouse=True)
def _no_ambient_cloud_credentials(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """A test sees only the credentials it sets itself (live tests opt out with the marker)."""
    if request.node.get_closest_marker("live"):
        return
    for name in CLOUD_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", autouse=True)
def _session_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The journal folder of the processes a module or session fixture starts, before any
    test's own (below) is set: never the user's cache either."""
    folder = tmp_path_factory.mktemp("session-journal")
    with pytest.MonkeyPatch.context() as session_env:
        session_env.setenv(JOURNAL_DIR_ENV, str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _own_journal(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test's provider processes keep their journal of unfinished creates (journal.py) in a
    folder of the test's own: one test never takes over what another left, and nothing is
    written under the user's cache."""
    folder = tmp_path_factory.mktemp("journal")
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(folder))
    return folder


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """One emulator process per test module: starting it per test would dominate the run."""
    with EmulatorProcess() as process:
        yield process


@pytest.fixture()
def emu(emulator: EmulatorProcess) -> EmulatorProcess:
    """The module's emulator, reset to its seed (no groups, faults or request log) for this test."""
    emulator.reset()
    return emulator


@pytest.fixture(scope="module")
def provider(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[ProviderProcess]:
    """One `python -m pulumi.dynamic` process per module, configured with the module's
    PROVIDER_CONFIG (stack config keys, e.g. a short slb-master-slave:timeoutSeconds)."""
    config: dict[str, str] = getattr(request.module, "PROVIDER_CONFIG", {})
    process = start_provider(scratch_project(tmp_path_factory.mktemp("provider")), emulator, **config)
    yield process
    process.stop()


@pytest.fixture()
def engine(emu: EmulatorProcess, provider: ProviderProcess, tmp_path: Path) -> Engine:
    """The engine harness over the module's provider process, with an empty state of its own."""
    return Engine(provider, str(tmp_path / "state.json"))


@pytest.fixture()
def client(emu: EmulatorProcess) -> Any:
    """An official-SDK client (aliyunsdkcore's AcsClient, untyped) signed with the demo key."""
    return emu.sdk_client()
