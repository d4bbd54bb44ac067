"""State across releases: every resource's state holds `__provider`, the provider pickled by
reference (its module path and class name). State written by releases 0.3 and 0.4 must load
in this code as a working provider, and state this code writes must load in release 0.4
(users roll back, and two checkouts of one stack may run two releases).

RECORDED holds what 0.3.0 and 0.4.0 wrote: `serialize_provider(MasterSlaveServerGroupProvider())`
run with each release's package first on PYTHONPATH (the same bytes for both: a reference to
`slb_master_slave.provider.MasterSlaveServerGroupProvider` and an empty state).
test_the_recorded_strings_are_what_those_releases_wrote makes them again from the repository's
history when it is there.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]  # dill ships no types
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from slb_master_slave.domain.validation import VALID_EXAMPLE
from slb_master_slave.provider import MasterSlaveServerGroupProvider

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import scratch_project
from harness.provider_process import PROVIDER_KEY
from harness.stack_fixtures import group_program, registrations, start_provider

REPO = Path(__file__).resolve().parents[1]
RELEASE_COMMITS = {"0.3.0": "a0448a6", "0.4.0": "ee8aab2"}  # main's commits of each release
RECORDED = {
    "0.3.0": "gASVRgAAAAAAAACMGXNsYl9tYXN0ZXJfc2xhdmUucHJvdmlkZXKUjB5NYXN0ZXJTbGF2ZVNlcnZlckdyb3VwUHJvdmlkZXKUk5QpgZR9lGIu",
    "0.4.0": "gASVRgAAAAAAAACMGXNsYl9tYXN0ZXJfc2xhdmUucHJvdmlkZXKUjB5NYXN0ZXJTbGF2ZVNlcnZlckdyb3VwUHJvdmlkZXKUk5QpgZR9lGIu",
}
URN = "urn:pulumi:dev::project::pulumi-python:dynamic/slb:MasterSlaveServerGroup::group-0"


def _release_source(release: str, into: Path) -> Path:
    """The release's `slb_master_slave` package, from the repository's history, under `into`
    (the folder to put first on PYTHONPATH); skips when git or the commit is missing."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: the earlier release's code cannot be had")
    commit = RELEASE_COMMITS[release]
    if subprocess.run([git, "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True,
                      check=False).returncode != 0:
        pytest.skip(f"commit {commit} (release {release}) is not in this clone's history (a shallow clone?)")
    archive = subprocess.run([git, "-C", str(REPO), "archive", commit, "provider/slb_master_slave"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+: refuse anything but plain files
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # our own repository's archive
    return into / "provider"


def _run_in_release(source: Path, code: str, *args: str) -> Any:
    """Run `code` in a fresh Python whose `slb_master_slave` is the release's (asserted there);
    what it prints, read as JSON."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=source, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- state of 0.3 and 0.4, in this code -----------------------------------------------------
@pytest.mark.parametrize("release", sorted(RECORDED))
def test_state_of_an_earlier_release_unpickles_into_this_codes_provider(release: str) -> None:
    provider = dill.loads(base64.b64decode(RECORDED[release]))  # what pulumi.dynamic's host does
    assert type(provider) is MasterSlaveServerGroupProvider
    checked = provider.check({}, {**VALID_EXAMPLE, "owner": URN})
    assert checked.failures == [] and checked.inputs["servers"][0]["server_type"] == "Master"


@pytest.mark.parametrize("release", sorted(RECORDED))
def test_state_of_an_earlier_release_runs_the_whole_lifecycle_in_the_provider_process(
        release: str, emu: EmulatorProcess, tmp_path: Path) -> None:
    """The real `python -m pulumi.dynamic` of this code, handed the release's `__provider` on
    every call as the engine hands it from that release's state: check, create, read, diff,
    update, delete."""
    old = RECORDED[release]
    [registration] = registrations(group_program(tags={"env": "dev"}))
    news = {**registration.inputs, PROVIDER_KEY: old}
    process = start_provider(scratch_project(tmp_path), emu)
    try:
        checked = process.check(URN, {}, news)
        assert checked.failures == []
        group_id, outputs = process.create(URN, {**checked.inputs, PROVIDER_KEY: old})
        assert group_id.startswith("rsp-") and list(emu.groups_by_id()) == [group_id]
        state = {**outputs, PROVIDER_KEY: old}
        read = process.read(URN, group_id, state, checked.inputs)
        assert read.id == group_id and read.outputs["servers"] == outputs["servers"]
        retagged = {**checked.inputs, "tags": {"env": "prod"}, PROVIDER_KEY: old}
        diff = process.diff(URN, group_id, state, retagged)
        assert (diff.changes, diff.replaces) == ("some", [])
        updated = process.update(URN, group_id, state, retagged)
        assert updated["tags"] == {"env": "prod"}
        process.delete(URN, group_id, {**updated, PROVIDER_KEY: old})
        assert emu.groups_by_id() == {}
    finally:
        process.stop()


# -- state of this code, in 0.4 -------------------------------------------------------------
READ_IN_RELEASE = """
import base64, json, sys
import dill
import slb_master_slave.provider as module
from slb_master_slave.validation import VALID_EXAMPLE
provider = dill.loads(base64.b64decode(sys.argv[1]))
checked = provider.check({}, dict(VALID_EXAMPLE))
olds = dict(checked.inputs)
retagged = provider.diff("rsp-0", olds, {**olds, "tags": {"env": "prod"}})
moved = provider.diff("rsp-0", olds, {**olds, "servers": [{**olds["servers"][0], "port": 81}, olds["servers"][1]]})
print(json.dumps({"file": module.__file__, "class": type(provider).__module__ + "." + type(provider).__qualname__,
                  "same_class": type(provider) is module.MasterSlaveServerGroupProvider,
                  "failures": [f.reason for f in checked.failures],
                  "unchanged": provider.diff("rsp-0", olds, dict(olds)).changes,
                  "retagged": [retagged.changes, retagged.replaces], "moved": [moved.changes, moved.replaces]}))
"""


def test_state_this_code_writes_is_byte_for_byte_what_0_4_wrote() -> None:
    """Needs no history (a shallow clone runs it): the `__provider` this code writes is the very
    string release 0.4 wrote into its own state, so 0.4 reads it as it reads its own. The test
    below loads it in 0.4's code where the history is there."""
    [registration] = registrations(group_program())
    assert registration.inputs[PROVIDER_KEY] == RECORDED["0.4.0"]


def test_state_this_code_writes_loads_in_release_0_4(tmp_path: Path) -> None:
    [registration] = registrations(group_program())
    written = registration.inputs[PROVIDER_KEY]  # what the resource puts into state
    assert written == serialize_provider(MasterSlaveServerGroupProvider())
    source = _release_source("0.4.0", tmp_path)
    loaded = _run_in_release(source, READ_IN_RELEASE, written)
    assert Path(loaded["file"]).resolve().is_relative_to(source.resolve()), "release 0.4's code, not this checkout's"
    assert loaded["class"] == "slb_master_slave.provider.MasterSlaveServerGroupProvider" and loaded["same_class"]
    assert loaded["failures"] == []
    assert loaded["unchanged"] is False
    assert loaded["retagged"] == [True, []] and loaded["moved"] == [True, ["servers"]]


# -- where the recorded strings come from ---------------------------------------------------
WRITE_IN_RELEASE = """
import json
import slb_master_slave.provider as module
from pulumi.dynamic.dynamic import serialize_provider
print(json.dumps({"file": module.__file__, "written": serialize_provider(module.MasterSlaveServerGroupProvider())}))
"""


@pytest.mark.parametrize("release", sorted(RECORDED))
def test_the_recorded_strings_are_what_those_releases_wrote(release: str, tmp_path: Path) -> None:
    source = _release_source(release, tmp_path)
    made = _run_in_release(source, WRITE_IN_RELEASE)
    assert Path(made["file"]).resolve().is_relative_to(source.resolve())
    assert made["written"] == RECORDED[release]
