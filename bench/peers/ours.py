"""Our provider through the real `pulumi` CLI (harness.pulumi_cli), with the same interface as
bench.peers.terraform.TerraformWorkspace, so one scenario runner drives both tools."""

from __future__ import annotations

import os
from pathlib import Path

from harness.pulumi_cli import CliStack, LanguageHost

from ..common import ROOT
from .result import CommandResult


def group_program(count: int, slave: str = "i-demo-web-2") -> str:
    """The same declaration as bench.peers.terraform.group_config."""
    return f'''import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

for i in range({count}):
    MasterSlaveServerGroup(
        f"peer-{{i}}",
        load_balancer_id="lb-demo-hangzhou",
        name=f"peer-{{i}}",
        servers=[BackendServerArgs(server_id="i-demo-web-1", port=80 + i, weight=100, server_type="Master"),
                 BackendServerArgs(server_id="{slave}", port=80 + i, weight=100, server_type="Slave")],
    )
'''


class PulumiResult(CommandResult):
    def first_error(self) -> str:
        """The first `error:` line the CLI prints about the resource (not the summary's
        `error: update failed`, which says nothing)."""
        found = [line.strip() for line in self.output.splitlines() if line.strip().startswith("error:")]
        specific = [t for t in found if t not in ("error: update failed", "error: preview failed",
                                                  "error: refresh failed", "error: destroy failed")]
        first = (specific or found or [""])[0]
        if first.endswith("Traceback (most recent call last):"):
            return first + " ... " + _exception_line(self.output, first)
        return first


def _exception_line(output: str, start: str) -> str:
    """The exception a Python traceback ends with (the line after its last `File` pair)."""
    lines = [line.strip() for line in output.splitlines()]
    i = next(n for n, line in enumerate(lines) if line == start) + 1
    while i < len(lines):
        if lines[i].startswith("File \""):
            i += 2
            continue
        if lines[i] and not lines[i].startswith(("^", "~")):
            return lines[i]
        i += 1
    return ""


class PulumiWorkspace:
    """A project copy with the bench's program, a file backend and one stack."""

    def __init__(self, cli: str, host: LanguageHost, work_dir: str, endpoint: str) -> None:
        source = Path(work_dir) / "program"
        source.mkdir(parents=True, exist_ok=True)
        (source / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
        (source / "__main__.py").write_text(group_program(1))
        self.stack = CliStack(cli, host, os.path.join(work_dir, "cli"), str(source), endpoint=endpoint)

    def write(self, count: int, slave: str = "i-demo-web-2") -> None:
        self.stack.write_program(group_program(count, slave))

    def _run(self, *args: str, timeout: float = 180) -> PulumiResult:
        done = self.stack.run(*args, check=False, timeout=timeout)
        return PulumiResult(done.args, done.code, done.output, done.seconds)

    def init(self) -> PulumiResult:
        return PulumiResult(["init"], 0, "", 0.0)

    def apply(self, timeout: float = 180) -> PulumiResult:
        return self._run("up", "--skip-preview", timeout=timeout)

    def plan(self) -> PulumiResult:
        """Exit 0 and no change: like `terraform plan -detailed-exitcode` 0 (2 when changes)."""
        done = self._run("preview", "--expect-no-changes")
        return done

    def refresh(self) -> PulumiResult:
        return self._run("refresh", "--skip-preview")

    def destroy(self, timeout: float = 180) -> PulumiResult:
        return self._run("destroy", "--skip-preview", timeout=timeout)

    def state_ids(self) -> list[str]:
        return [r["id"] for r in self.stack.resources().values() if r.get("id")]
