"""A fresh clone, with the plain commands a user with an official Pulumi install types.

One `git clone` of this checkout per module (checkout.py), with no virtualenv. The official Python
language host makes the project's virtualenv on the first command that needs it, from the
project's `requirements.txt` alone, once for the module: the first preview of an example
does it, and the root project and the other examples (which share it, by the path their
`Pulumi.yaml` gives) then run in it. Everything runs where it is in the clone, with the CLI
and the host on PATH and nothing of the tests' own virtualenv. The quickstart runs here too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from harness.pulumi_cli import CliStack, OfficialHost, find_language_host

from .checkout import INSTALL_TIMEOUT, clone_checkout, error_lines, plugin_downloads
from .invariants import assert_adoption_lifecycle, assert_lifecycle


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone_checkout(tmp_path_factory.mktemp("fresh") / "clone")


def user_stack(pulumi_cli: str, host: OfficialHost, project: Path, work: Path, emu) -> CliStack:
    return CliStack(pulumi_cli, host, str(work), str(project), endpoint=emu.url, in_place=True)


@pytest.mark.timeout(INSTALL_TIMEOUT + 300)
def test_an_examples_first_preview_makes_the_virtualenv_with_the_package(
        pulumi_cli, official_host, clone, emu, tmp_path):
    """No virtualenv yet: the host makes the one examples/basic's Pulumi.yaml names from its
    requirements.txt, and the program finds the package there."""
    stack = user_stack(pulumi_cli, official_host, clone / "examples" / "basic", tmp_path, emu)
    first = stack.run("preview", timeout=INSTALL_TIMEOUT)
    assert "to create" in first.output
    assert error_lines(first.output) == [], "a successful install prints no error lines"
    made = subprocess.run([str(clone / "venv" / "bin" / "python"), "-c", "import slb_master_slave, slb_emulator"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    assert_lifecycle(stack, emu, {"group_id": "basic"}, 1)


def test_pulumi_install_in_the_root_project_needs_no_plugin(pulumi_cli, official_host, clone, tmp_path):
    """The distribution `pulumi-slb-master-slave` has no plugin: `pulumi install` downloads
    nothing and `pulumi about` lists none for it."""
    stack = CliStack(pulumi_cli, official_host, str(tmp_path), str(clone), endpoint="http://127.0.0.1:1",
                     stack="install", in_place=True)
    install = stack.run("install", check=False, timeout=INSTALL_TIMEOUT)
    assert install.ok, str(install)
    assert error_lines(install.output) == []
    assert plugin_downloads(install.output) == [], str(install)
    about = stack.run("about")
    plugins = about.output.split("Plugins", 1)[1].split("\n\n", 1)[0]
    assert "slb-master-slave" not in plugins and "alicloud" not in plugins, plugins


@pytest.mark.parametrize("example", ["adopt", "lookup"])
def test_the_other_examples_run_in_the_clone(pulumi_cli, official_host, clone, emu, tmp_path, example):
    stack = user_stack(pulumi_cli, official_host, clone / "examples" / example, tmp_path, emu)
    if example == "adopt":
        assert_adoption_lifecycle(stack, emu)
    else:
        assert_lifecycle(stack, emu, {}, 1)


@pytest.mark.timeout(INSTALL_TIMEOUT + 120)
def test_the_quickstart_leaves_the_users_own_stack_alone(pulumi_cli, clone, tmp_path):
    """README's first command in the clone. A Pulumi.dev.yaml the user made under another
    passphrase is neither a failure nor overwritten: the quickstart has a stack of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    host = find_language_host(pulumi_cli)
    env.update(PATH=os.pathsep.join([*([os.path.dirname(host)] if host else []), os.path.dirname(pulumi_cli),
                                     env.get("PATH", "")]),
               PULUMI_HOME=str(tmp_path / "pulumi-home"), PULUMI_SKIP_UPDATE_CHECK="true", NO_COLOR="1")
    mine = {**env, "PULUMI_BACKEND_URL": f"file://{tmp_path / 'my-backend'}", "PULUMI_CONFIG_PASSPHRASE": "mine"}
    (tmp_path / "my-backend").mkdir()
    for command in (["stack", "init", "dev"], ["config", "set", "--secret", "token", "my-own-secret"]):
        subprocess.run([pulumi_cli, *command, "--non-interactive"], cwd=clone, env=mine, check=True,
                       capture_output=True, timeout=60)
    users_file = (clone / "Pulumi.dev.yaml").read_bytes()
    env["QUICKSTART_STATE_DIR"] = str(tmp_path / "quickstart-state")
    run = subprocess.run(["bash", "scripts/quickstart.sh"], cwd=clone, env=env, capture_output=True, text=True,
                         timeout=INSTALL_TIMEOUT, check=False)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    for step in ("== pulumi preview", "== pulumi up", "== pulumi refresh", "== pulumi destroy"):
        assert step in out
    assert "+ 3 created" in out and "- 3 deleted" in out
    assert "groups left after destroy: 0" in out
    assert error_lines(out) == []
    assert (clone / "Pulumi.dev.yaml").read_bytes() == users_file, "the user's stack config is untouched"
