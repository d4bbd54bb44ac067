"""setuptools' build backend, with one difference: an editable install of this checkout
(`pip install -e .`, the one-step workspace install DESIGN.md promises) also maps the
emulator package, so `python -m slb_emulator` works in the checkout's virtualenv; a wheel
(what users install) carries the provider only, the emulator being its own distribution
(emulator/pyproject.toml). setup.py reads the mark this sets."""

from __future__ import annotations

import os
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


def build_editable(wheel_directory: str, config_settings: dict[str, Any] | None = None,
                   metadata_directory: str | None = None) -> str:
    os.environ[WORKSPACE] = "1"
    try:
        return cast(str, build_meta.build_editable(wheel_directory, config_settings, metadata_directory))
    finally:
        os.environ.pop(WORKSPACE, None)
