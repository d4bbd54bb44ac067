"""`pulumi new` from the repository's template (templates/slb-master-slave-python), as a user
runs it: the CLI copies the template, asks (here: --yes) for its config, makes the project's
virtualenv from the template's requirements.txt through the official language host, and the
project then runs preview, up, refresh and destroy on the emulator.

The package is on no index here, so the template's requirement is pointed at a clone of this
checkout (a regular, non-editable install, built from the clone as pip builds a git URL);
README says what a user writes instead. One virtualenv is made, for this module's one test.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from harness.pulumi_cli import CliStack, cli_environment

from .checkout import INSTALL_TIMEOUT, clone_checkout, error_lines, plugin_downloads
from .invariants import assert_lifecycle

TEMPLATE = "templates/slb-master-slave-python"


@pytest.mark.timeout(INSTALL_TIMEOUT + 300)
def test_pulumi_new_from_the_template_makes_a_project_that_runs(pulumi_cli, official_host, emu, tmp_path):
    checkout = clone_checkout(tmp_path / "checkout")
    template = tmp_path / "template"
    shutil.copytree(checkout / TEMPLATE, template)
    requirements = template / "requirements.txt"
    listed = requirements.read_text(encoding="utf-8")
    pointed = re.sub(r"(?m)^pulumi-slb-master-slave\b.*$", f"pulumi-slb-master-slave @ {checkout.as_uri()}", listed)
    assert pointed != listed, "the template names the package in its requirements.txt"
    requirements.write_text(pointed, encoding="utf-8")

    work = tmp_path / "work"
    project = tmp_path / "shop"
    made = subprocess.run(
        [pulumi_cli, "new", str(template), "--dir", str(project), "--name", "shop", "--description", "a group",
         "--stack", "dev", "--yes", "--non-interactive", "--config", f"slb-master-slave:endpoint={emu.url}"],
        env=cli_environment(pulumi_cli, official_host, str(work), as_user=True), cwd=tmp_path,
        capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    output = made.stdout + made.stderr
    assert made.returncode == 0, output[-4000:]
    assert error_lines(output) == [] and plugin_downloads(output) == [], output[-4000:]
    manifest = next((project / "venv" / "lib").glob("python3*/site-packages/pulumi_slb_master_slave/pulumi-plugin.json"))
    assert manifest.read_text(encoding="utf-8").strip().replace(" ", "").replace("\n", "") == '{"resource":false}'

    stack = CliStack(pulumi_cli, official_host, str(work), str(project), endpoint=emu.url, in_place=True,
                     configure=False)
    assert stack.run("config", "get", "loadBalancerId").output.strip() == "lb-demo-hangzhou", "the template's default"
    assert_lifecycle(stack, emu, {"group_id": "group"}, 1)
    about = stack.run("about")
    assert "slb-master-slave" not in about.output.split("Plugins", 1)[1].split("\n\n", 1)[0]
