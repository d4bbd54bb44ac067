"""setuptools' build backend, with one difference: an editable install of this checkout
(`pip install -e .`, the one-step workspace install docs/ARCHITECTURE.md describes) also maps the
emulator package, so `python -m slb_emulator` works in the checkout's virtualenv; a wheel
(what users install) carries the provider only, the emulator being its own distribution
(emulator/pyproject.toml). setup.py reads the mark this sets.

An editable wheel also gets `pulumi_slb_master_slave/` as real files (a wheel gets it from
setup.py): Pulumi's Python language host reads `pulumi-plugin.json` from the site-packages
folder pip reports for the distribution, where setuptools' editable import mapping puts nothing,
and without the file the host reports a plugin `slb-master-slave` that `pulumi install` then
fails to download."""

from __future__ import annotations

import base64
import hashlib
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any, cast

from setuptools import build_meta as build_meta
from setuptools.build_meta import (  # every other hook is setuptools' own
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

WORKSPACE = "SLB_WORKSPACE_EDITABLE"
PLUGIN_PACKAGE = "pulumi_slb_master_slave"
PLUGIN_FILES = ("__init__.py", "pulumi-plugin.json")
PLUGIN_SOURCE = Path(__file__).resolve().parents[1] / "provider" / PLUGIN_PACKAGE


def build_editable(wheel_directory: str, config_settings: dict[str, Any] | None = None,
                   metadata_directory: str | None = None) -> str:
    os.environ[WORKSPACE] = "1"
    try:
        with warnings.catch_warnings():
            # setuptools' note on every editable install ("be careful with folders in your working
            # directory with the same name as your package"): no import package of this checkout
            # has a folder of its name at the root (they live under provider/ and emulator/). pip
            # prints a backend's warnings on stderr, which Pulumi's language host shows as `error:`
            # lines of a successful `pulumi install`.
            warnings.filterwarnings("ignore", message="Editable installation")
            name = cast(str, build_meta.build_editable(wheel_directory, config_settings, metadata_directory))
    finally:
        os.environ.pop(WORKSPACE, None)
    add_plugin_package(Path(wheel_directory, name))
    return name


def add_plugin_package(wheel: Path) -> None:
    """Put PLUGIN_PACKAGE's files into `wheel` as real files, each listed in its RECORD with its
    hash and size (what pip checks and uninstalls by)."""
    partial = wheel.with_name(wheel.name + ".partial")
    with zipfile.ZipFile(wheel) as old, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as new:
        record_name = next(n for n in old.namelist() if n.endswith(".dist-info/RECORD"))
        for item in old.infolist():
            if item.filename != record_name:
                new.writestr(item, old.read(item))
        record = old.read(record_name).decode("utf-8")
        if record and not record.endswith("\n"):
            record += "\n"
        for file in PLUGIN_FILES:
            data = (PLUGIN_SOURCE / file).read_bytes()
            path = f"{PLUGIN_PACKAGE}/{file}"
            new.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
            record += f"{path},sha256={digest},{len(data)}\n"
        new.writestr(record_name, record)
    partial.replace(wheel)
