"""The version users see is the distribution's, and the changelog says what it holds."""

from __future__ import annotations

import re
from pathlib import Path

import slb_master_slave

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_version_is_the_distributions_and_has_a_changelog_entry() -> None:
    declared = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert declared and slb_master_slave.__version__ == declared.group(1)
    assert f"\n## {declared.group(1)}\n" in (ROOT / "CHANGELOG.md").read_text()
