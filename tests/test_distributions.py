"""Two distributions, each with its own package: a user's provider install carries no
server, and the emulator's carries its demo seed and its command.

The packages are laid out with setuptools' build_py, the step that fills a wheel's
package files (it needs neither the network nor the ``wheel`` package).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
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
    """The provider, and the file that tells Pulumi's language host it has no plugin."""
    files = _packaged_files(ROOT, tmp_path)
    assert {f.split("/")[0] for f in files} == {"slb_master_slave", "pulumi_slb_master_slave"}
    assert "slb_master_slave/py.typed" in files
    package = ROOT / "provider" / "slb_master_slave"  # every room (subpackage) of it, not its top alone
    modules = {f"slb_master_slave/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert modules <= files, f"modules missing from the wheel: {sorted(modules - files)}"
    assert json.loads((tmp_path / "pulumi_slb_master_slave" / "pulumi-plugin.json").read_text()) == {"resource": False}


def test_an_editable_install_of_the_checkout_maps_the_emulator_too(tmp_path: Path) -> None:
    """docs/ARCHITECTURE.md's workspace install: `pip install -e .` alone gives `python -m slb_emulator`."""
    files = _packaged_files(ROOT, tmp_path, {workspace_backend.WORKSPACE: "1"})
    assert {f.split("/")[0] for f in files} == {"slb_master_slave", "slb_emulator"}
    assert "slb_emulator/__main__.py" in files


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def test_the_build_backend_marks_editable_builds_and_adds_the_plugin_manifest(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only build_editable differs from setuptools: it marks the build while it runs, and puts
    pulumi_slb_master_slave/ into the editable wheel as real files listed in its RECORD (the
    language host reads pulumi-plugin.json from site-packages, where an editable mapping is not)."""
    assert workspace_backend.build_wheel is workspace_backend.build_meta.build_wheel, "a wheel is setuptools' own"
    seen: list[str | None] = []

    def record(wheel_directory: str, *args: object) -> str:
        seen.append(os.environ.get(workspace_backend.WORKSPACE))
        with zipfile.ZipFile(Path(wheel_directory, "built.whl"), "w") as wheel:
            wheel.writestr("__editable__.pulumi_slb_master_slave-0.pth", "import finder")
            wheel.writestr("pulumi_slb_master_slave-0.dist-info/RECORD",
                           "__editable__.pulumi_slb_master_slave-0.pth,,\npulumi_slb_master_slave-0.dist-info/RECORD,,")
        return "built.whl"

    monkeypatch.setattr(workspace_backend.build_meta, "build_editable", record)
    monkeypatch.delenv(workspace_backend.WORKSPACE, raising=False)
    assert workspace_backend.build_editable(str(tmp_path)) == "built.whl"
    assert seen == ["1"], "the editable build ran marked"
    assert os.environ.get(workspace_backend.WORKSPACE) is None, "the mark ends with the build"
    with zipfile.ZipFile(tmp_path / "built.whl") as wheel:
        manifest = wheel.read("pulumi_slb_master_slave/pulumi-plugin.json")
        records = wheel.read("pulumi_slb_master_slave-0.dist-info/RECORD").decode().splitlines()
        assert wheel.read("__editable__.pulumi_slb_master_slave-0.pth") == b"import finder", "the rest is kept"
    assert json.loads(manifest) == {"resource": False}
    assert _record_line("pulumi_slb_master_slave/pulumi-plugin.json", manifest) in records
    assert records[:2] == ["__editable__.pulumi_slb_master_slave-0.pth,,", "pulumi_slb_master_slave-0.dist-info/RECORD,,"]
    assert len(records) == 4


def test_the_emulator_distribution_carries_every_module_and_the_demo_seed(tmp_path: Path) -> None:
    files = _packaged_files(EMULATOR, tmp_path)
    assert {f.split("/")[0] for f in files} == {"slb_emulator"}
    sources = {p.relative_to(EMULATOR).as_posix()
               for p in (EMULATOR / "slb_emulator").glob("*.py")}
    assert sources <= files
    assert {"slb_emulator/demo_seed.json", "slb_emulator/py.typed"} <= files


def test_a_developer_install_has_the_emulator_distribution_and_its_command() -> None:
    requirements = [line.split("#")[0].strip()
                    for line in (ROOT / "requirements-dev.txt").read_text().splitlines()]
    assert "-e ./emulator" in requirements
    assert metadata.version("slb-emulator") == slb_emulator.__version__
    scripts = {e.name: e for e in metadata.entry_points(group="console_scripts")}
    assert scripts["slb-emulator"].load() is emulator_main.main
