"""How the official Python language host is found: as the CLI finds the plugins it bundles,
`pulumi-language-python` on PATH first, then beside the CLI's own binary (symlinks resolved);
only .ci/run names the folder this repository's CI keeps it in. And the virtualenv the host
runs a project copy in."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from harness.pulumi_cli import LANGUAGE_HOST, find_language_host, use_virtualenv

ROOT = Path(__file__).resolve().parent.parent


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture()
def cli(tmp_path: Path) -> Path:
    """A CLI installed as `pulumi` in its own folder, reached through a symlink elsewhere."""
    real = _executable(tmp_path / "install" / "bin" / "pulumi")
    link = tmp_path / "links" / "pulumi"
    link.parent.mkdir()
    link.symlink_to(real)
    return link


def test_on_path_first(cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _executable(tmp_path / "host" / LANGUAGE_HOST)
    _executable(tmp_path / "install" / "bin" / LANGUAGE_HOST)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert find_language_host(str(cli)) == str(on_path)


def test_else_beside_the_cli_binary_it_links_to(cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beside = _executable(tmp_path / "install" / "bin" / LANGUAGE_HOST)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_language_host(str(cli)) == str(beside)


def test_none_without_either(cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "install" / "bin" / LANGUAGE_HOST).write_text("not executable")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_language_host(str(cli)) is None


def test_only_ci_names_the_folder_ci_keeps_the_host_in() -> None:
    """The code finds the host on PATH or beside the CLI; .ci/run puts ../shared's on PATH."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True,
                             timeout=60).stdout.split()
    this = Path(__file__).resolve().relative_to(ROOT).as_posix()
    naming = sorted(name for name in tracked if name != this
                    if name.endswith((".py", ".sh", ".toml", ".txt", ".yaml", ".cfg")) or name.startswith(".ci/")
                    if os.path.isfile(ROOT / name) and "pulumi-python-host" in (ROOT / name).read_text("utf-8"))
    assert naming == [".ci/run"]
    assert 'PATH="$(cd ../shared/pulumi-python-host && pwd):$PATH"' in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("project", ["Pulumi.yaml", "examples/basic/Pulumi.yaml", "bare"])
def test_a_project_copy_is_pointed_at_an_existing_virtualenv(project: str, tmp_path: Path) -> None:
    """The real-engine tests run copies of the projects in their own virtualenv (the official
    host would make an empty one beside a copy); a bare `runtime: python` gets the option."""
    source = "name: scratch\nruntime: python\n" if project == "bare" else (ROOT / project).read_text()
    (tmp_path / "Pulumi.yaml").write_text(source)
    use_virtualenv(str(tmp_path), "/opt/tests-venv")
    written = (tmp_path / "Pulumi.yaml").read_text()
    assert re.findall(r"(?m)^\s+virtualenv: (\S+)$", written) == ["/opt/tests-venv"]
    assert re.search(r"(?m)^runtime:\n  name: python\n", written), written


def test_a_project_that_names_no_python_runtime_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: nodejs\n")
    with pytest.raises(ValueError, match="virtualenv"):
        use_virtualenv(str(tmp_path), "/opt/tests-venv")
