"""README's first command, as a person runs it: scripts/quickstart.sh with the real CLI."""

from __future__ import annotations

import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# Past the script's own 300 s limit below, so that limit reports first (with the output).
@pytest.mark.timeout(360)
def test_quickstart_runs_the_real_cli_to_destroy(pulumi_cli, tmp_path):
    stack = f"quickstart-test-{os.getpid()}"
    env = {**os.environ, "QUICKSTART_STACK": stack, "QUICKSTART_STATE_DIR": str(tmp_path / "state"),
           "PATH": os.path.dirname(pulumi_cli) + os.pathsep + os.environ.get("PATH", ""),
           "PULUMI_HOME": str(tmp_path / "pulumi-home")}
    try:
        run = subprocess.run(["bash", os.path.join(REPO, "scripts", "quickstart.sh")], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300, check=False)
    finally:
        stack_file = os.path.join(REPO, f"Pulumi.{stack}.yaml")
        if os.path.exists(stack_file):
            os.remove(stack_file)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    for step in ("== pulumi preview", "== pulumi up", "== pulumi refresh", "== pulumi destroy"):
        assert step in out
    assert "+ 3 created" in out and "- 3 deleted" in out
    assert "groups left after destroy: 0" in out
