"""The quickstart stack, end to end without the CLI: the command a person runs on this kind of machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_without_cli_takes_the_stack_through_its_whole_life() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "quickstart_without_cli.py")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "preview: web create, api create | failures: []" in run.stdout
    assert "groups left after destroy: 0" in run.stdout
    assert "'CreateMasterSlaveServerGroup': 2" in run.stdout and "'DeleteMasterSlaveServerGroup': 2" in run.stdout
