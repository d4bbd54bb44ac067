"""What users feel: whole commands, through the real CLIs, three tools side by side.

Tools: this provider and the trivial dynamic provider (bench/trivial_provider.py: no API call)
through the real `pulumi` CLI with the official Python language host where it is found
(bench/pulumi_project.py), and Terraform with terraform-provider-alicloud where bench/peers/
built them; the same groups (two servers on the emulator's demo load balancer), one emulator.

A cell is a latency per API call (an emulator latency fault; the trivial provider makes no
call), a group count and a parallelism (the engine's default, or 32 for every tool:
`--parallel 32`, `-parallelism=32`). In each repetition every tool runs the sequence a user
runs - up (`pulumi up --yes`, preview included; `terraform apply -auto-approve`), a preview
that finds no change (`pulumi preview --expect-no-changes`; `terraform plan`), refresh
(`pulumi refresh --yes`; `terraform apply -refresh-only`) and destroy - each command timed
from start to exit, its API calls counted in the emulator's request log. The tools take turns
(the order rotates each repetition), so drift on a shared machine hits all alike; a ratio is
taken repetition by repetition (ours / trivial of the same repetition) and its median,
minimum and maximum are reported.

Then the quota run: N groups up and destroyed with `--parallel 32` under a quota of `rps`
requests/s (Throttling.User beyond it): failures, duplicates, throttled calls.
"""

from __future__ import annotations

import collections
import os
import platform
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from harness.pulumi_cli import find_cli

from .common import ROOT, EmulatorProcess
from .peers.terraform import TerraformWorkspace, built_paths, provider_version
from .pulumi_project import ProgramHost, PulumiProject

COMMANDS = ("up", "preview", "refresh", "destroy")
LB = "lb-demo-hangzhou"

OURS = """from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup
for i in range({count}):
    MasterSlaveServerGroup(f"group-{{i}}", load_balancer_id="{lb}", name=f"group-{{i}}",
        servers=[BackendServerArgs(server_id="i-demo-web-1", port=80 + i, server_type="Master"),
                 BackendServerArgs(server_id="i-demo-web-2", port=80 + i, server_type="Slave")])
"""

TRIVIAL = """from pulumi.dynamic import Resource
from bench.trivial_provider import TrivialProvider

class Trivial(Resource):
    def __init__(self, name, props):
        super().__init__(TrivialProvider(), name, props)

for i in range({count}):
    Trivial(f"group-{{i}}", {{"load_balancer_id": "{lb}", "port": 80 + i}})
"""


@dataclass(frozen=True)
class Cell:
    latency_s: float
    count: int
    parallel: int | None  # None: the tool's default

    @property
    def key(self) -> str:
        return f"{self.latency_s * 1000:.0f}ms/{self.count}/{'default' if self.parallel is None else self.parallel}"


@dataclass(frozen=True)
class Timed:
    ok: bool
    seconds: float
    calls: int


class Tool(Protocol):
    name: str

    def write(self, count: int) -> None: ...

    def command(self, kind: str, parallel: int | None) -> tuple[bool, float, str]: ...


class PulumiTool:
    def __init__(self, name: str, project: PulumiProject, program: str) -> None:
        self.name = name
        self.project = project
        self.program = program

    def write(self, count: int) -> None:
        self.project.write_program(self.program.format(count=count, lb=LB))

    def command(self, kind: str, parallel: int | None) -> tuple[bool, float, str]:
        flags = [] if parallel is None else ["--parallel", str(parallel)]
        args = {"up": ["up", "--yes"], "preview": ["preview", "--expect-no-changes"],
                "refresh": ["refresh", "--yes"], "destroy": ["destroy", "--yes"]}[kind]
        done = self.project.command(*args, *flags)
        return done.ok, done.seconds, done.output


class TerraformTool:
    name = "terraform"

    def __init__(self, workspace: TerraformWorkspace) -> None:
        self.workspace = workspace
        workspace.write(1)  # init reads the configuration's required_providers
        init = workspace.init()
        if not init.ok:
            raise RuntimeError(f"terraform init failed:\n{init.output[-2000:]}")

    def write(self, count: int) -> None:
        self.workspace.write(count)

    def command(self, kind: str, parallel: int | None) -> tuple[bool, float, str]:
        flags = [] if parallel is None else [f"-parallelism={parallel}"]
        args = {"up": ["apply", "-auto-approve"], "preview": ["plan", "-detailed-exitcode"],
                "refresh": ["apply", "-refresh-only", "-auto-approve"], "destroy": ["destroy", "-auto-approve"]}[kind]
        done = self.workspace.run(*args, *flags, timeout=600)
        return done.ok, done.seconds, done.output


def _sequence(tool: Tool, emu: EmulatorProcess, cell: Cell) -> dict[str, Timed]:
    """up, no-change preview, refresh, destroy; each command's time and API calls."""
    tool.write(cell.count)
    timed: dict[str, Timed] = {}
    for kind in COMMANDS:
        emu.clear_requests()
        ok, seconds, _output = tool.command(kind, cell.parallel)
        timed[kind] = Timed(ok, seconds, len(emu.requests()))
    return timed


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def run_cell(tools: list[Tool], emu: EmulatorProcess, cell: Cell, reps: int) -> dict[str, Any]:
    """`reps` repetitions, the tools taking turns (the order rotates each time)."""
    emu.reset()
    emu.clear_faults()
    if cell.latency_s:
        emu.add_fault(kind="latency", seconds=cell.latency_s)
    runs: dict[str, list[dict[str, Timed]]] = collections.defaultdict(list)
    try:
        for rep in range(reps):
            for tool in tools[rep % len(tools):] + tools[:rep % len(tools)]:
                runs[tool.name].append(_sequence(tool, emu, cell))
    finally:
        emu.clear_faults()
    result: dict[str, Any] = {"latency_s": cell.latency_s, "count": cell.count, "parallel": cell.parallel,
                              "reps": reps, "tools": {}, "ratios": {}}
    for name, sequences in runs.items():
        result["tools"][name] = {kind: {"seconds": [s[kind].seconds for s in sequences],
                                        "calls": [s[kind].calls for s in sequences],
                                        "ok": all(s[kind].ok for s in sequences),
                                        **_summary([s[kind].seconds for s in sequences])}
                                 for kind in COMMANDS}
    for name in runs:
        if name == "trivial" or "trivial" not in runs:
            continue
        result["ratios"][f"{name}/trivial"] = {
            kind: _summary([a[kind].seconds / b[kind].seconds for a, b in zip(runs[name], runs["trivial"])])
            for kind in COMMANDS}
    return result


def quota_run(tool: Tool, emu: EmulatorProcess, count: int, rps: float, latency: float) -> dict[str, Any]:
    """`count` groups up then destroyed at --parallel 32 under a quota of `rps` requests/s."""
    emu.reset()
    emu.clear_faults()
    emu.add_fault(kind="latency", seconds=latency)
    emu.add_fault(kind="quota", rps=rps)
    emu.clear_requests()
    tool.write(count)
    result: dict[str, Any] = {"count": count, "rps": rps, "latency_s": latency}
    try:
        for kind in ("up", "destroy"):
            emu.clear_requests()
            ok, seconds, output = tool.command(kind, 32)
            log = emu.requests()
            names = collections.Counter(g.get("name") or g.get("MasterSlaveServerGroupName") for g in emu.state()["groups"])
            result[kind] = {"ok": ok, "seconds": seconds, "calls": len(log),
                            "throttled": sum(1 for r in log if "Throttling" in str(r.get("code") or "")),
                            "groups": sum(names.values()), "duplicates": sum(n - 1 for n in names.values() if n > 1),
                            "error": "" if ok else _first_error(output)}
    finally:
        emu.clear_faults()
        if emu.state()["groups"]:  # what a failed run left: gone before the next figure
            tool.command("destroy", 32)
        emu.reset()
    return result


def _first_error(output: str) -> str:
    lines = [line.strip(" │╷╵") for line in output.splitlines()]
    found = [t for t in lines if t.startswith(("error:", "Error:")) and t not in ("error: update failed",)]
    return (found or [""])[0][:300]


def _our_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pulumi-slb-master-slave")
    except metadata.PackageNotFoundError:
        return "?"


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        return done.stdout.splitlines()[0].strip()
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


@dataclass(frozen=True)
class Plan:
    """What the figure runs (bench/__main__.py's Counts)."""

    cells: tuple[Cell, ...]
    reps: int
    quota_count: int
    quota_rps: float = 10.0
    quota_latency_s: float = 0.1


def run(emu: EmulatorProcess, workdir: str, plan: Plan, say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    cli, why = find_cli()
    if cli is None:
        return {"skipped": why}
    work = tempfile.mkdtemp(dir=workdir, prefix="side-")
    host = ProgramHost(cli)
    try:
        ours = PulumiTool("ours", PulumiProject(cli, host, work, "ours", emu.url), OURS)
        trivial = PulumiTool("trivial", PulumiProject(cli, host, work, "trivial", emu.url,
                                                      extra_env={"PYTHONPATH": str(ROOT)}), TRIVIAL)
        tools: list[Tool] = [ours, trivial]
        versions = {"pulumi": _version([cli, "version"]), "python": platform.python_version(),
                    "slb-master-slave": _our_version()}
        paths, peers_why = built_paths()
        if paths is not None:
            tools.append(TerraformTool(TerraformWorkspace(paths[0], paths[1], os.path.join(work, "terraform"), emu.url)))
            versions["terraform"] = _version([paths[0], "version"])
            versions["terraform-provider-alicloud"] = provider_version(paths[1])
        cells = []
        for cell in plan.cells:
            say(f"side by side, {cell.key}: {', '.join(t.name for t in tools)} x{plan.reps}")
            cells.append(run_cell(tools, emu, cell, plan.reps))
        quota = {}
        for tool in [t for t in tools if t.name != "trivial"]:
            say(f"quota of {plan.quota_rps:g} requests/s, {plan.quota_count} groups: {tool.name}")
            quota[tool.name] = quota_run(tool, emu, plan.quota_count, plan.quota_rps, plan.quota_latency_s)
    finally:
        host.stop()
    return {"cli": cli, "host": {"kind": host.kind, "what": host.describe()}, "versions": versions,
            "terraform": "built" if paths is not None else peers_why,
            "engine_default_parallel": 4 * (os.cpu_count() or 1), "cells": cells, "quota": quota}
