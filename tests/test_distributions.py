"""Two distributions, each with its own package: a user's provider install carries no
server, and the emulator's carries its demo seed and its command.

The packages are laid out with setuptools' build_py, the step that fills a wheel's
package files (it needs neither the network nor the ``wheel`` package).
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import slb_emulator
from slb_emulator import __main__ as emulator_main

ROOT = Path(__file__).resolve().parent.parent
EMULATOR = ROOT / "emulator"
sys.path.insert(0, str(ROOT / "build_backend"))
import workspace_backend  # noqa: E402  # the in-tree build backend pyproject.toml names


def _packaged_files(project: Path, out: Path, env: dict[str, str] | None = None) -> set[str]:
    """The files setuptools puts in project's wheel, as paths relative to its root."""
    setup = ["setup.py"] if (project / "setup.py").exists() else ["-c", "from setuptools import setup; setup()"]
    subprocess.run([sys.executable, *setup, "-q", "build_py", "--build-lib", str(out)],
                   cwd=project, check=True, capture_output=True, timeout=120,
                   env={**os.environ, **(env or {})})
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_the_provider_distribution_carries_only_the_provider(tmp_path: Path) -> None:
    files = _packaged_files(ROOT, tmp_path)
    assert {f.split("/")[0] for f in files} == {"slb_master_slave"}
    assert "slb_master_slave/py.typed" in files


def test_an_editable_install_of_the_checkout_maps_the_emulator_too(tmp_path: Path) -> None:
    """DESIGN.md's workspace install: `pip install -e .` alone gives `python -m slb_emulator`."""
    files = _packaged_files(ROOT, tmp_path, {workspace_backend.WORKSPACE: "1"})
    assert {f.split("/")[0] for f in files} == {"slb_master_slave", "slb_emulator"}
    assert "slb_emulator/__main__.py" in files


def test_the_build_backend_marks_editable_builds_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only build_editable differs from setuptools: it marks the build while it runs."""
    assert workspace_backend.build_wheel is workspace_backend.build_meta.build_wheel, "a wheel is setuptools' own"
    seen: list[str | None] = []

    def record(*args: object) -> str:
        seen.append(os.environ.get(workspace_backend.WORKSPACE))
        return "built.whl"

    monkeypatch.setattr(workspace_backend.build_meta, "build_editable", record)
    monkeypatch.delenv(workspace_backend.WORKSPACE, raising=False)
    assert workspace_backend.build_editable("out") == "built.whl"
    assert seen == ["1"], "the editable build ran marked"
    assert os.environ.get(workspace_backend.WORKSPACE) is None, "the mark ends with the build"


def test_the_emulator_distribution_carries_every_module_and_the_demo_seed(tmp_path: Path) -> None:
    files = _packaged_files(EMULATOR, tmp_path)
    assert {f.split("/")[0] for f in files} == {"slb_emulator"}
    sources = {p.relative_to(EMULATOR).as_posix()
               for p in (EMULATOR / "slb_emulator").glob("*.py")}
    assert sources <= files
    assert {"slb_emulator/demo_seed.json", "slb_emulator/py.typed"} <= files


def test_a_developer_install_has_the_emulator_distribution_and_its_command() -> None:
    requirements = [line.split("#")[0].strip()
                    for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "-e ./emulator" in requirements
    assert metadata.version("slb-emulator") == slb_emulator.__version__
    scripts = {e.name: e for e in metadata.entry_points(group="console_scripts")}
    assert scripts["slb-emulator"].load() is emulator_main.main
