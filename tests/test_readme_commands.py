"""README's command blocks that run here in seconds, run as a reader runs them.

Each block is a fenced code block preceded by `<!-- command-block: NAME -->`; BLOCKS below names
the ones this test runs, and how. Each runs in a fresh copy of the repository's tracked files
(with the tests' virtualenv linked as `.venv` and first on PATH, so `python` and
`.venv/bin/python` are the same interpreter), under bash -e with a timeout; a Pulumi program block
runs under Pulumi's mocks, each group it declares put through the provider's check(). A block that
fails, or one that README no longer has, fails the test. Not run here: the two commands at the top
(scripts/quickstart.sh, scripts/test.sh: minutes, and the suite itself), the Pulumi CLI's build,
and anything needing a stack, a Pulumi CLI or an account.
"""

from __future__ import annotations

import os
import re
import runpy
import selectors
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from pulumi.runtime import MockResourceArgs
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.program import DefaultMocks, collect_registrations

ROOT = Path(__file__).resolve().parents[1]
GROUP_TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARKED = re.compile(r"<!-- command-block: ([\w-]+) -->\n```(?:bash|sh|python)?\n(.*?)^```", re.S | re.M)


class Block(NamedTuple):
    kind: str  # "run": must exit 0; "server": must print its URL first and answer it, then is stopped;
    # "program": a Pulumi program, run under mocks; each group it declares must pass the provider's check();
    # "pytest": a test file, run by pytest from the repository's root
    timeout: float  # seconds
    expect: str = ""  # text its output must contain


BLOCKS = {
    "generated-files-current": Block("run", 60),
    "audit-help": Block("run", 30, expect="--delete-leftovers"),
    "mutation-list": Block("run", 30, expect="tests: "),
    "emulator": Block("server", 20),
    "short-program": Block("program", 30),
    "lookup-unit-test": Block("pytest", 60, expect="1 passed"),
}


def blocks(readme: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, body in MARKED.findall(readme):
        assert name not in found, f"README has two command blocks named {name}"
        found[name] = body
    return found


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files as git sees them (tracked and new, not ignored; edits included), and .venv."""
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    target = tmp_path_factory.mktemp("readme-commands") / "checkout"
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


def environment(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "ALICLOUD_", "ALIBABA_CLOUD_"))}
    env["PATH"] = os.pathsep.join([str(copy / ".venv" / "bin"), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)
    return env


def run(body: str, block: Block, copy: Path) -> str:
    """Run a `run` block; its combined output. Raises AssertionError on a failure or timeout."""
    try:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd=copy, env=environment(copy),
                              capture_output=True, text=True, timeout=block.timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"did not finish within {block.timeout} s:\n{body}") from expired
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"exit {done.returncode}:\n{body}\n{out[-3000:]}"
    assert block.expect in out, f"{block.expect!r} not in the output:\n{out[-3000:]}"
    return out


def serve(body: str, block: Block, copy: Path) -> str:
    """Start a `server` block, read its URL from the first line, ask it once, stop it."""
    process = subprocess.Popen(["bash", "-e", "-c", body], cwd=copy, env=environment(copy), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        first = _first_line(process, block.timeout)
        assert re.fullmatch(r"https?://[\w.:\[\]-]+", first), f"the first line is not a URL: {first!r}"
        with urllib.request.urlopen(first + "/_emulator/state", timeout=block.timeout) as answer:
            assert answer.status == 200
            return first
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no output within {timeout} s")
    line = process.stdout.readline().strip()
    assert line, f"exited without printing its URL (exit {process.poll()})"
    return line


def missing_blocks(readme: str) -> list[str]:
    return sorted(set(BLOCKS) - set(blocks(readme)))


def program(body: str, block: Block, copy: Path) -> list[str]:
    """Run a `program` block under Pulumi mocks (as tests/test_examples.py runs the examples), the
    region from config as a stack would give it; the names of the groups it declares."""
    del block  # in-process: the mocks answer at once
    path = copy / "readme_program" / "__main__.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(body, encoding="utf-8")
    config = {"alicloud:region": "cn-hangzhou"}
    failures: list[str] = []

    class CheckingMocks(DefaultMocks):
        def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            if args.typ != GROUP_TYPE:
                return super().new_resource(args)
            provider = MasterSlaveServerGroupProvider()
            provider._config = dict(config)
            checked = provider.check({}, {k: v for k, v in args.inputs.items() if k != "__provider"})
            failures.extend(f"{args.name}: {f.property}: {f.reason}" for f in checked.failures)
            return f"rsp-{args.name}", dict(checked.inputs)

    registrations = collect_registrations(lambda: runpy.run_path(str(path)), project="readme", config=config,
                                          mocks=CheckingMocks())
    assert failures == [], failures
    names = [r.name for r in registrations if r.type == GROUP_TYPE]
    assert names, "the program declares no group"
    return names


def pytest_file(body: str, block: Block, copy: Path) -> str:
    """Run a `pytest` block as a test file at the root of the copy, as README says to."""
    (copy / "test_readme_block.py").write_text(body, encoding="utf-8")
    return run("python -m pytest -q -p no:cacheprovider test_readme_block.py", block, copy)


RUNNERS = {"run": run, "server": serve, "program": program, "pytest": pytest_file}


def test_every_listed_block_is_in_readme() -> None:
    missing = missing_blocks(README)
    assert not missing, f"README lost the command blocks {missing} (this test runs them): put them back or update BLOCKS"


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_readme_command_block_runs(name: str, copy: Path) -> None:
    body = blocks(README).get(name)
    assert body is not None, f"README has no <!-- command-block: {name} --> block"
    block = BLOCKS[name]
    RUNNERS[block.kind](body, block, copy)


def broken(name: str) -> str:
    """A block of README with its first command made to fail, for the tests of this test."""
    body = blocks(README)[name]
    if BLOCKS[name].kind == "program":
        return body.replace("port=80", "port=0", 1)  # a port the provider refuses
    if BLOCKS[name].kind == "pytest":
        return body.replace('== ["legacy"]', '== ["not-what-the-mock-answers"]', 1)
    return body.replace(" -m ", " -m no_such_module_", 1)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_broken_block_fails(name: str, copy: Path) -> None:
    block = BLOCKS[name]
    with pytest.raises(AssertionError, match=r"exit 1|URL|RealServerPortNotSupport"):
        RUNNERS[block.kind](broken(name), block, copy)


def test_a_stale_generated_table_fails_the_check(copy: Path) -> None:
    """The readme_tables check in the block fails on a README whose generated figure is edited."""
    readme = copy / "README.md"
    original = readme.read_text(encoding="utf-8")
    try:
        readme.write_text(original.replace("targets met**", "targets met (edited)**", 1), encoding="utf-8")
        with pytest.raises(AssertionError, match="performance"):
            run(blocks(README)["generated-files-current"], BLOCKS["generated-files-current"], copy)
    finally:
        readme.write_text(original, encoding="utf-8")


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_gone_from_readme_is_named(name: str) -> None:
    marker = f"<!-- command-block: {name} -->"
    assert missing_blocks(README.replace(marker, "")) == [name]
    renamed = README.replace(marker, f"<!-- command-block: {name}-renamed -->")
    assert missing_blocks(renamed) == [name]


def test_the_first_block_is_the_two_commands_for_a_fresh_machine() -> None:
    """Not run here (minutes; the second is the suite itself): README opens with them, unchanged,
    and both scripts are there to run. The fresh-clone test runs the first (tests/real_engine)."""
    first = re.search(r"^```bash\n(.*?)^```", README, re.S | re.M)
    assert first and README.index(first.group(0)) < README.index("\n## "), "the commands come before any section"
    commands = [line.split("#", 1)[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["scripts/quickstart.sh", "scripts/test.sh"]
    assert all(os.access(ROOT / command, os.X_OK) for command in commands)
