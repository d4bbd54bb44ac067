"""Shared pieces for tests that drive the real provider process against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

from harness.emulator_process import EmulatorProcess
from harness.environment import clean_env
from harness.program import Registration, collect_registrations
from harness.provider_process import ProviderProcess

DEMO_SECRET = "emulator-demo-secret"
SECRET_KEYS = ("alicloud:secretKey",)

def stack_config(emu: EmulatorProcess, **extra: str) -> dict[str, str]:
    return {
        "alicloud:accessKey": "emulator-demo-key",
        "alicloud:secretKey": DEMO_SECRET,
        "alicloud:region": "cn-hangzhou",
        "slb-master-slave:endpoint": emu.url,
        "slb-master-slave:timeoutSeconds": "20",
        **extra,
    }


def start_provider(project_dir: str, emu: EmulatorProcess, **extra: str) -> ProviderProcess:
    """The real `python -m pulumi.dynamic` in a scratch project, configured as the engine does."""
    process = ProviderProcess(project_dir, env=clean_env())
    process.configure(stack_config(emu, **extra), secret_keys=SECRET_KEYS)
    return process


def group_program(*, port: int = 80, name: str | None = None, adopt_id: str | None = None,
                  tags: dict[str, str] | None = None, count: int = 1, **server_overrides: Any) -> Callable[[], None]:
    """A program declaring `count` groups on the demo load balancer."""

    def program() -> None:
        for i in range(count):
            MasterSlaveServerGroup(
                f"group-{i}",
                name=name,
                load_balancer_id="lb-demo-hangzhou",
                servers=[
                    BackendServerArgs(server_id="i-demo-web-1", port=port + i, **server_overrides),
                    BackendServerArgs(server_id="i-demo-web-2", port=port + i, server_type="Slave"),
                ],
                adopt_id=adopt_id,
                tags=tags,
            )

    return program


def registrations(program: Callable[[], None]) -> list[Registration]:
    return collect_registrations(program, project="project")
