"""`python -m bench peers`: Terraform + terraform-provider-alicloud and this provider (through
the real pulumi CLI) doing the same work against one emulator; prints a side-by-side table and
writes the "peers" section of bench/results-peers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from typing import Any

from harness.emulator_process import EmulatorProcess
from harness.pulumi_cli import LanguageHost, find_cli

from ..common import ROOT
from . import scenarios
from .ours import PulumiWorkspace
from .terraform import TerraformWorkspace, built_paths, provider_version

OUT = str(ROOT / "bench" / "results-peers.json")


def _say(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


def _version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              check=False).stdout.splitlines()[0].strip()
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def run_tool(name: str, make: scenarios.MakeWorkspace, emu: EmulatorProcess, work: str, counts: list[int],
             with_faults: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for count in counts:
        _say(f"{name}: lifecycle, {count} group(s)")
        result[f"lifecycle {count}"] = scenarios.lifecycle(emu, make, f"{work}/{name}-life{count}", count)
    if with_faults:
        _say(f"{name}: fault scenarios")
        result["faults"] = scenarios.faults(emu, make, f"{work}/{name}-faults")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench peers", description=__doc__)
    parser.add_argument("--counts", type=int, nargs="*", default=[1, 50], help="group counts for the lifecycle")
    parser.add_argument("--no-faults", action="store_true", help="the lifecycle only")
    parser.add_argument("--tools", nargs="*", default=["terraform", "ours"], choices=["terraform", "ours"])
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args(argv)

    paths, why = built_paths()
    cli, cli_why = find_cli()
    tools = [t for t in args.tools if not (t == "terraform" and paths is None) and not (t == "ours" and cli is None)]
    for t, reason in (("terraform", why), ("ours", cli_why)):
        if t in args.tools and t not in tools:
            _say(f"skipping {t}: {reason}")
    if not tools:
        return 1
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "machine": {"cpus": os.cpu_count()}, "versions": {}, "tools": {}}
    work = tempfile.mkdtemp(prefix="slb-peers-")
    host = LanguageHost() if "ours" in tools else None
    try:
        with EmulatorProcess() as emu:
            if "terraform" in tools and paths is not None:
                terraform, provider = paths
                results["versions"]["terraform"] = _version([terraform, "version"])
                results["versions"]["terraform-provider-alicloud"] = provider_version(provider)
                results["tools"]["terraform"] = run_tool(
                    "terraform", lambda d: TerraformWorkspace(terraform, provider, d, emu.url),
                    emu, work, args.counts, not args.no_faults)
            if "ours" in tools and cli is not None and host is not None:
                results["versions"]["pulumi"] = _version([cli, "version"])
                results["versions"]["slb-master-slave"] = _our_version()
                results["tools"]["ours"] = run_tool(
                    "ours", lambda d: PulumiWorkspace(cli, host, d, emu.url),
                    emu, work, args.counts, not args.no_faults)
    finally:
        if host is not None:
            host.stop()
    from .report import render
    table = render(results)
    results["table"] = table
    existing: dict[str, Any] = {}
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as previous:
            existing = json.load(previous)
    existing["peers"] = results
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(existing, out, indent=2)
        out.write("\n")
    print(table)
    print(f"\ndetails in {os.path.relpath(args.out)}")
    return 0


def _our_version() -> str:
    """The installed distribution's version (pyproject.toml's, installed editable)."""
    try:
        return metadata.version("pulumi-slb-master-slave")
    except metadata.PackageNotFoundError:
        return "?"
