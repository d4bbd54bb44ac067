"""A fresh clone of this checkout, as a user gets one, for the tests that start from nothing,
and what a successful install must not print."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The host's first-run install (a virtualenv, pip, setuptools, then requirements.txt) took
# 30-90 s here on 2 shared cores: the command that makes one gets 10 minutes.
INSTALL_TIMEOUT = 600
# An error line as the CLI prints it: at the start of a line, or after the resource's column
# ("    pulumi:pulumi:Stack proj-dev  error: ..."): what the host makes of anything pip writes on stderr.
ERROR_LINE = re.compile(r"(^|\s)error:\s", re.IGNORECASE)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ERROR_LINE.search(line)]


def plugin_downloads(output: str) -> list[str]:
    """The lines of a plugin download (pip's own "Downloading ..." lines are not)."""
    return [line for line in output.splitlines()
            if "download" in line.lower() and ("plugin" in line.lower() or "provider" in line.lower())]


def clone_checkout(target: Path) -> Path:
    """`git clone` of HEAD into `target` (no virtualenv, no stack files), with the working tree's
    changes to tracked files applied, so a developer tests what is on disk."""
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True, capture_output=True, timeout=120)
    changes = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=REPO, check=True, capture_output=True,
                             timeout=60).stdout
    if changes:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=target, input=changes, check=True,
                       capture_output=True, timeout=60)
    return target
