"""The real `pulumi` CLI (scripts/pulumi-cli.sh) against the emulator, with a file backend.

Skipped, with the reason, only when no CLI binary can be had: scripts/test.sh (and so CI)
finds or builds one first and passes it as PULUMI_CLI. Programs run through the official
Python language host where the CLI finds one (`pulumi-language-python` on PATH or beside the
CLI; CI puts it on PATH), as for every Pulumi user, and else through harness/language_host.py
and the CLI's `--client` (the header of the run says which). One emulator and one program host
per module; each test gets its own project copy (run in the tests' virtualenv), backend and stacks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.pulumi_cli import (
    CliStack,
    OfficialHost,
    ProgramHost,
    find_cli,
    find_language_host,
    program_host,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = Path(__file__).resolve().parent
# A real `pulumi up` takes 5-12 s here and each CLI run has its own 180 s limit
# (harness.pulumi_cli): past [tool.pytest.ini_options]'s 60 s default, but never unbounded.
REAL_ENGINE_TIMEOUT_SECONDS = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every real-engine test gets the longer timeout unless it sets its own."""
    for item in items:
        if HERE in item.path.parents and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(REAL_ENGINE_TIMEOUT_SECONDS))


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    cli, why = find_cli()
    if cli is None:
        pytest.skip(why)
    return cli


@pytest.fixture(scope="module")
def language_host(pulumi_cli: str):
    """The official host, or the fallback started for this module (program_host)."""
    host = program_host(pulumi_cli)
    yield host
    host.stop()


@pytest.fixture(scope="module")
def official_host(pulumi_cli: str) -> OfficialHost:
    """For the tests of what only the official host does (a project's first-run install,
    `pulumi install`, `pulumi new`): skipped, naming why, without one."""
    found = find_language_host(pulumi_cli)
    if found is None:
        pytest.skip("no pulumi-language-python on PATH or beside the CLI: a project's virtualenv, `pulumi install` "
                    "and `pulumi new` are the official host's (.ci/run puts the one CI keeps on PATH)")
    return OfficialHost(found)


@pytest.fixture()
def make_stack(pulumi_cli: str, language_host: ProgramHost, emu, tmp_path):
    """make_stack(program_dir or None for the root quickstart, stack=..., name=<work folder>)."""
    made: list[CliStack] = []

    def make(program_dir: str | None = None, *, stack: str = "dev", name: str = "work") -> CliStack:
        source = program_dir if program_dir is not None else _root_program(tmp_path)
        stack_obj = CliStack(pulumi_cli, language_host, str(tmp_path / name), source,
                             endpoint=emu.url, stack=stack)
        made.append(stack_obj)
        return stack_obj

    return make


def _root_program(tmp_path) -> str:
    """The root quickstart (Pulumi.yaml + __main__.py beside the repository's other files)."""
    target = tmp_path / "root-program"
    if not target.exists():
        target.mkdir()
        for name in ("Pulumi.yaml", "__main__.py"):
            (target / name).write_text(Path(REPO, name).read_text(encoding="utf-8"))
    return str(target)
