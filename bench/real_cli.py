"""The cold start and the pipelined up through the real `pulumi` CLI, beside the harness's figures.

Why: the harness's scale figures assume the engine's behaviour (a preview phase, a provider
process per phase, the dynamic provider host's pool of 4 workers); here the engine itself
runs them. Each figure is one CLI command, timed from start to exit:

- cold start: `pulumi preview` of one group, ours against the trivial dynamic provider
  (same engine, same program shape): what the provider's imports and Configure add to a
  command a user waits for;
- pipelined up: `pulumi up --skip-preview` of N groups with the emulator adding `latency` to
  every call, against the floor of N x 3 calls x latency / 4 workers (the dynamic provider
  host serves at most 4 calls at once, whatever `--parallel` says); and `pulumi destroy`
  against N x 2 calls x latency / 4.
"""

from __future__ import annotations

import subprocess
import tempfile
from typing import Any

from harness.pulumi_cli import CliStack, LanguageHost, find_cli

from .common import ROOT, EmulatorProcess, median, scratch_project

WORKERS = 4
CALLS_PER_CREATE, CALLS_PER_DELETE = 3, 2

_OURS = """import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup
for i in range({count}):
    MasterSlaveServerGroup(f"group-{{i}}", load_balancer_id="lb-demo-hangzhou",
        servers=[BackendServerArgs(server_id="i-demo-web-1", port=1000 + i),
                 BackendServerArgs(server_id="i-demo-web-2", port=1000 + i, server_type="Slave")])
"""

_TRIVIAL = """import pulumi
from pulumi.dynamic import Resource
from bench.trivial_provider import TrivialProvider

class Trivial(Resource):
    def __init__(self, name, props):
        super().__init__(TrivialProvider(), name, props)

for i in range({count}):
    Trivial(f"group-{{i}}", {{"load_balancer_id": "lb-demo-hangzhou", "port": 1000 + i}})
"""


def _version(cli: str) -> str:
    done = subprocess.run([cli, "version"], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout.strip()


def run(emu: EmulatorProcess, workdir: str, *, runs: int, count: int, latency: float) -> dict[str, Any]:
    cli, why = find_cli()
    if cli is None:
        return {"skipped": why}
    emu.reset()
    emu.clear_faults()
    host = LanguageHost()
    try:
        # The program is written below: CliStack copies the project, then write_program fills it.
        ours = CliStack(cli, host, tempfile.mkdtemp(dir=workdir), scratch_project(workdir, "bench-ours"),
                        endpoint=emu.url)
        trivial = CliStack(cli, host, tempfile.mkdtemp(dir=workdir), scratch_project(workdir, "bench-trivial"),
                           endpoint=emu.url)
        trivial.env["PYTHONPATH"] = str(ROOT)  # the engine's provider process imports bench.trivial_provider
        ours.write_program(_OURS.format(count=1))
        trivial.write_program(_TRIVIAL.format(count=1))
        ours_s: list[float] = []
        trivial_s: list[float] = []
        for _ in range(runs):  # alternating, so drift on a shared machine hits both alike
            ours_s.append(ours.run("preview").seconds)
            trivial_s.append(trivial.run("preview").seconds)

        ours.write_program(_OURS.format(count=count))
        emu.add_fault(kind="latency", seconds=latency)
        emu.clear_requests()
        up_s = ours.run("up", "--skip-preview").seconds
        created = len(emu.state()["groups"])
        up_calls = len(emu.requests())
        emu.clear_requests()
        destroy_s = ours.run("destroy", "--skip-preview").seconds
        destroy_calls = len(emu.requests())
        left = len(emu.state()["groups"])
    finally:
        emu.clear_faults()
        host.stop()
    floor = count * latency / WORKERS
    return {
        "cli": cli, "version": _version(cli),
        "preview_one_group": {"ours_s": median(ours_s), "trivial_s": median(trivial_s), "runs": runs,
                              "ratio": median(ours_s) / median(trivial_s)},
        "up": {"count": count, "latency_s": latency, "seconds": up_s, "limit_s": CALLS_PER_CREATE * floor,
               "ratio": up_s / (CALLS_PER_CREATE * floor), "groups_created": created, "api_calls": up_calls},
        "destroy": {"seconds": destroy_s, "limit_s": CALLS_PER_DELETE * floor,
                    "ratio": destroy_s / (CALLS_PER_DELETE * floor), "api_calls": destroy_calls, "groups_left": left},
    }
