"""The fault matrix: every operation against every kind of failure the wire can produce.

Each case runs one engine operation (up = create, refresh = read, up with new tags =
update, destroy = delete) through the real `python -m pulumi.dynamic` process against
the emulator, with one fault restricted to that operation's action(s). A case passes
when the run ends either in success with exactly one group per resource, or in a clean
failure: no group the state does not know about, none twice, and the state still true
(state ids == emulator ids). A final destroy with the faults cleared leaves nothing.

Every case adds a row (fault, operation, attempts = calls of the action in the emulator
log, outcome, orphans, duplicates); the table is printed when the module finishes, and
written to $FAULT_MATRIX_OUT when that is set (docs/RELIABILITY.md is made from it).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator_process import EmulatorProcess
from harness.engine_harness import Engine
from harness.provider_process import ProviderProcess
from harness.stack_fixtures import group_program, registrations

from .held_requests import last_logged, wait_for_held_requests

RESOURCES = 2  # two resources per run, so "every 2nd call" and "count=1" hit one of them
LATENCY_SECONDS = 2.0
REQUEST_TIMEOUT = "1"

# fault -> (the emulator's fault, the outcome, how many times each faulted action is sent
# again given its calls without a fault; None: never sent again). A create whose answer was
# lost (dropped after it was applied, or held past the read timeout) is settled by a listing
# and never sent again: sending it again is how duplicates are made.
Resent = Callable[[str, int], "int | None"]  # (operation, calls per action without a fault) -> calls sent again
FAULTS: dict[str, tuple[dict[str, Any], str, Resent]] = {
    "throttling every 2nd call": (dict(kind="error", code="Throttling.User", status=400,
                                       message="Request was denied due to user flow control.", every=2), "success",
                                  lambda operation, clean: clean - 1),
    "503 burst x3": (dict(kind="error", code="ServiceUnavailable", status=503,
                          message="The request has failed due to a temporary failure of the server.", count=3), "success",
                     lambda operation, clean: 3),
    "drop before request": (dict(kind="drop_before", count=1), "success", lambda operation, clean: 1),
    "drop after applied": (dict(kind="drop_after", count=1), "success",
                           lambda operation, clean: 0 if operation == "create" else 1),
    "latency past read timeout": (dict(kind="latency", seconds=LATENCY_SECONDS, count=1), "success",
                                  lambda operation, clean: 0 if operation == "create" else 1),
    "non-retryable 403": (dict(kind="error", code="Forbidden.RAM", status=403,
                               message="User not authorized to operate on the specified resource."), "clean-failure",
                          lambda operation, clean: None),
}

OPERATIONS = {
    "create": ("CreateMasterSlaveServerGroup",),
    "read": ("DescribeMasterSlaveServerGroupAttribute",),
    "update": ("UntagResources", "TagResources"),
    "delete": ("DeleteMasterSlaveServerGroup",),
}

OLD_TAGS = {"env": "dev"}
NEW_TAGS = {"team": "blue"}  # removes env (UntagResources) and adds team (TagResources)

# Calls of each faulted action per resource when nothing fails (a refresh reads every resource
# twice: in its preview phase, then for real).
CLEAN_CALLS_PER_RESOURCE = {"create": 1, "read": 2, "update": 1, "delete": 1}

ROWS: list[dict[str, Any]] = []


# the module's provider process (the provider fixture in conftest.py)
PROVIDER_CONFIG: dict[str, str] = {"slb-master-slave:timeoutSeconds": "6", "slb-master-slave:requestTimeoutSeconds": REQUEST_TIMEOUT}


@pytest.fixture(scope="module", autouse=True)
def matrix_report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not ROWS:
        return
    table = render_table(ROWS)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else _nothing():
            reporter.write_line("")
            reporter.write_line("Fault matrix (provider process + emulator):")
            for line in table.splitlines():
                reporter.write_line(line)
    out = os.environ.get("FAULT_MATRIX_OUT")
    if out:
        Path(out).write_text(table + "\n")


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def render_table(rows: list[dict[str, Any]]) -> str:
    header = ["fault", "operation", "attempts", "outcome", "orphans", "duplicates", "seconds"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines)


def program(tags: dict[str, str]):
    return registrations(group_program(tags=dict(tags), count=RESOURCES))


def emulator_groups(emu: EmulatorProcess) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = emu.state()["groups"]
    return groups


def state_ids(engine: Engine) -> list[str]:
    return sorted(r["id"] for r in engine.state["resources"])


def run_operation(operation: str, engine: Engine):
    if operation in ("create",):
        return engine.up(program(OLD_TAGS))
    if operation == "read":
        return engine.refresh()
    if operation == "update":
        return engine.up(program(NEW_TAGS))
    return engine.destroy()


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix(fault: str, operation: str, emu: EmulatorProcess, provider: ProviderProcess, tmp_path: Path) -> None:
    emu.reset()
    engine = Engine(provider, str(tmp_path / "state.json"))
    if operation != "create":
        setup = engine.up(program(OLD_TAGS))
        assert setup.ok, setup.errors
        assert len(emulator_groups(emu)) == RESOURCES
    emu.clear_requests()
    spec, expected, resent = FAULTS[fault]
    actions = OPERATIONS[operation]
    for action in actions:
        emu.add_fault(action=action, **spec)

    since = last_logged(emu)
    started = time.monotonic()
    result = run_operation(operation, engine)
    elapsed = time.monotonic() - started
    if spec["kind"] == "latency":
        # a request held past the client's timeout is still applied when it wakes up:
        # wait for it before judging, so a late duplicate is counted as one
        wait_for_held_requests(emu, since, LATENCY_SECONDS + 10)
    emu.clear_faults()

    log = emu.requests()
    attempts = sum(1 for r in log if r["action"] in actions)
    groups = emulator_groups(emu)
    live_ids = [g["id"] for g in groups]
    in_state = state_ids(engine)
    orphans = sorted(set(live_ids) - set(in_state))
    duplicates = _made_twice(groups)
    outcome = "success" if result.ok else "clean-failure" if (not orphans and sorted(live_ids) == in_state) else "dirty-failure"
    ROWS.append({"fault": fault, "operation": operation, "attempts": attempts, "outcome": outcome,
                 "orphans": len(orphans), "duplicates": duplicates, "seconds": f"{elapsed:.1f}"})

    assert not orphans, f"groups left behind: {orphans} ({log})"
    assert duplicates == 0, groups
    assert sorted(live_ids) == in_state, "the state must say what exists"
    assert outcome == expected, getattr(result, "errors", None)
    if operation == "delete":
        expected_groups = 0 if result.ok else None
    else:
        expected_groups = RESOURCES if result.ok else None
    if expected_groups is not None:
        assert len(live_ids) == expected_groups
    if operation == "update" and result.ok:
        assert all(_user_tags(g) == NEW_TAGS for g in groups)
        assert all(r["outputs"]["tags"] == NEW_TAGS for r in engine.state["resources"])
    clean = CLEAN_CALLS_PER_RESOURCE[operation] * RESOURCES  # per action
    again = resent(operation, clean)
    if again is None:
        assert 0 < attempts <= len(actions) * clean, f"a refused call is never sent again: {attempts} calls"
    else:
        assert attempts == len(actions) * (clean + again), \
            f"{attempts} calls: {clean} per action without a fault, each faulted one sent again {again} times"

    final = engine.destroy()
    assert final.ok, final.errors
    assert emulator_groups(emu) == [] and engine.state["resources"] == []


def _user_tags(group: dict[str, Any]) -> dict[str, Any]:
    tags = group["tags"]
    return {k: v for k, v in tags.items() if not k.startswith("slb-master-slave:")}


def _made_twice(groups: list[dict[str, Any]]) -> int:
    """Groups beyond the first made for one resource. A resource is known by what it declares:
    its group's name (the resource name, each its own here) and its servers and ports."""
    keys = [(g["name"], tuple(sorted((s["ServerId"], s["Port"]) for s in g["servers"]))) for g in groups]
    return len(keys) - len(set(keys))
