"""`python -m slb_master_slave` as a command: its one subcommand, and the arguments refused
before anything is read (the audit itself runs against the real CLI in
tests/real_engine/test_audit_cli.py)."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slb_master_slave", *args], capture_output=True, text=True,
                          timeout=60, check=False, env={"PATH": "/nonexistent"})


def test_the_audit_is_the_one_command() -> None:
    unknown = run("sweep")
    assert unknown.returncode == 2 and "unknown command 'sweep'" in unknown.stderr and "audit" in unknown.stderr
    assert run().returncode == 2
    helped = run("audit", "--help")
    assert helped.returncode == 0
    for flag in ("--stack", "--cwd", "--load-balancer", "--json", "--delete-leftovers", "--delete", "--release",
                 "--yes", "Exit codes: 0 nothing found, 1 found something, 2"):
        assert flag in " ".join(helped.stdout.split()), flag


def test_release_goes_alone_and_no_cli_means_no_audit() -> None:
    mixed = run("audit", "--release", "rsp-1", "--delete", "rsp-2")
    assert mixed.returncode == 2 and "--release goes alone" in mixed.stderr
    without = run("audit")
    assert without.returncode == 2 and "Could not audit: No pulumi CLI" in without.stderr and not without.stdout
