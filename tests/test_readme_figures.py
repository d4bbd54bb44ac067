"""Every figure README states is generated or checked here.

Measured figures (times, ratios, calls of a benchmark run) are generated from bench/results*.json
between markers (tools/readme_figures.py; tests/test_readme_tables.py fails while they are stale).
The rest are the code's own numbers: each phrase below is built from the constant README
describes (the retry policy's backoff, the settings' defaults, the tests' own limits) and must
appear in README as built. And no figure with a unit of time or size may stand in README's prose
outside a generated block unless a phrase here covers it: a new one needs a check of its own.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import slb_master_slave
from slb_emulator import auth
from slb_master_slave.client import retry as retry_policy
from slb_master_slave.client import settings, transport
from slb_master_slave.domain import fields
from slb_master_slave.ownership import create, fence
from slb_master_slave.ownership import tag as owner_tag
from slb_master_slave.provider import preview_checks, worker_pool

from harness.mutation.runner import plan
from harness.mutation.targets import TARGETS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def flat(text: str) -> str:
    """One line, single spaces: README wraps its prose anywhere."""
    return " ".join(text.split())


def prose(readme: str) -> str:
    """README without its generated blocks and fenced code, flattened."""
    readme = re.sub(r"<!-- generated:([\w-]+) -->.*?<!-- end:\1 -->", " ", readme, flags=re.S)
    return flat(re.sub(r"^```.*?^```", " ", readme, flags=re.S | re.M))


def assignments(path: str) -> dict[str, ast.expr]:
    """The module-level assignments of a file that is not imported here (a test module)."""
    found: dict[str, ast.expr] = {}
    for node in ast.parse((ROOT / path).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            found.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def constant(path: str, name: str) -> Any:
    """A module-level constant of such a file (arithmetic of literals allowed: `15 * 60`)."""
    value = assignments(path).get(name)
    assert value is not None, f"{path} has no constant {name}"
    return eval(compile(ast.Expression(value), path, "eval"), {"__builtins__": {}})


def g(value: float) -> str:
    return f"{value:g}"


def listener_tries(jitter: float, budget: float) -> int:
    """Tries of a delete a listener holds for the whole budget, every wait at `jitter` of its
    ceiling (client.retry.Backoff: ceiling x (0.75 + 0.25 x random)); request time not counted."""
    waited, spent, tries = 0, 0.0, 1
    while True:
        waited += 1
        if waited >= retry_policy.LISTENER_WAIT_MAX_TRIES:
            return tries
        ceiling = min(retry_policy.LISTENER_WAIT_CAP_SECONDS,
                      retry_policy.LISTENER_WAIT_BASE_SECONDS * 1.5 ** (waited - 1))
        if spent + ceiling * jitter > budget:
            return tries
        spent, tries = spent + ceiling * jitter, tries + 1


class Claim(NamedTuple):
    phrase: str  # as README must say it, built from the source
    source: str  # where the figure comes from


def claims() -> Iterator[Claim]:
    yield from retry_claims()
    yield from time_and_settings_claims()
    yield from limit_claims()
    yield from suite_claims()


def retry_claims() -> Iterator[Claim]:
    rp, st = retry_policy, settings
    budget = st.DEFAULT_TIMEOUT_SECONDS
    yield Claim(f"Each request connects within {g(st.DEFAULT_CONNECT_TIMEOUT_SECONDS)} s",
                "client.settings.DEFAULT_CONNECT_TIMEOUT_SECONDS")
    yield Claim(f"over {transport.MAX_ANSWER_BYTES // 2**20} MiB", "client.transport.MAX_ANSWER_BYTES")
    yield Claim(f"passes {transport.MAX_ANSWER_BYTES // 2**20} MiB", "client.transport.MAX_ANSWER_BYTES")
    yield Claim(f"from a {g(rp.THROTTLED_BASE_SECONDS)} s base, capped at {g(rp.THROTTLED_CAP_SECONDS)} s",
                "client.retry.THROTTLED_BASE_SECONDS, THROTTLED_CAP_SECONDS")
    yield Claim(f"from a {g(rp.BACKOFF_BASE_SECONDS)} s base, capped at {g(rp.BACKOFF_CAP_SECONDS)} s",
                "client.retry.BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS")
    yield Claim(f"a retry takes {rp.RETRY_COST}, an answered call gives back what its last retry took, "
                f"{g(rp.QUOTA_REFILL_PER_SECOND)} come back a second", "client.retry.RETRY_COST, QUOTA_REFILL_PER_SECOND")
    quick = {1: "one", 2: "two", 3: "three"}[len(rp.QUICK_RETRY_DELAYS)]
    yield Claim(f"Failed after {quick} quick retries (about {g(sum(rp.QUICK_RETRY_DELAYS))} s",
                "client.retry.QUICK_RETRY_DELAYS")
    yield Claim(f"{quick} quick retries ({len(rp.QUICK_RETRY_DELAYS) + 1} attempts, "
                f"{g(sum(rp.QUICK_RETRY_DELAYS))} s of waiting; the test allows "
                f"{g(constant('tests/test_gateway_endpoints.py', 'QUICK_FAIL_SECONDS'))} s) with the default "
                f"{g(budget)} s budget", "client.retry.QUICK_RETRY_DELAYS, tests/test_gateway_endpoints.py")
    yield Claim(f"waited out {g(0.75 * rp.LISTENER_WAIT_BASE_SECONDS)} to {g(rp.LISTENER_WAIT_CAP_SECONDS)} s apart "
                f"(from {g(rp.LISTENER_WAIT_BASE_SECONDS)} s, half as long again each time, capped at "
                f"{g(rp.LISTENER_WAIT_CAP_SECONDS)} s, each wait jittered down by up to a quarter",
                "client.retry.LISTENER_WAIT_BASE_SECONDS, LISTENER_WAIT_CAP_SECONDS, Backoff.delay")
    yield Claim(f"at most {rp.LISTENER_WAIT_MAX_TRIES} tries ({listener_tries(1.0, budget)}-"
                f"{listener_tries(0.75, budget)} in the default budget)",
                "client.retry.LISTENER_WAIT_MAX_TRIES and the backoff within settings.DEFAULT_TIMEOUT_SECONDS")
    yield Claim(f"from {g(rp.THROTTLED_BASE_SECONDS)} s, capped at {g(rp.THROTTLED_CAP_SECONDS)} s (0.4: 0.1 s and 1.5 s)",
                "client.retry; the 0.4 values from CHANGELOG 0.5.0")


def time_and_settings_claims() -> Iterator[Claim]:
    st = settings
    yield Claim(f"more than {auth.MAX_SKEW_SECONDS // 60} minutes off", "slb_emulator.auth.MAX_SKEW_SECONDS")
    yield Claim(f"(cached; at most {g(preview_checks.CHECK_BUDGET_SECONDS)} seconds)", "provider.preview_checks.CHECK_BUDGET_SECONDS")
    window = fence.WINDOW_SECONDS // 60
    for phrase in (f"older than **{window} minutes**", f"after {window} minutes", f"older than {window} minutes",
                   f"younger than {window} minutes", f"once it is {window} minutes old"):
        yield Claim(phrase, "ownership.fence.WINDOW_SECONDS")
    yield Claim(f"more than {fence.COMPLETION_CUTOFF_SECONDS // 60} minutes earlier", "ownership.fence.COMPLETION_CUTOFF_SECONDS")
    yield Claim(f"is waited for, up to {g(create.WINDING_DOWN_WAIT_SECONDS)} s, then taken over",
                "ownership.create.WINDING_DOWN_WAIT_SECONDS")
    ot = owner_tag
    yield Claim(f"(at most {fields.MAX_TAG_VALUE} characters, no `http://` or `https://`", "domain.fields.MAX_TAG_VALUE")
    yield Claim(f"(its first {ot._READABLE_HEAD} characters, `..` and its tail", "ownership.tag._READABLE_HEAD")
    yield Claim(f"`~`, the stack key and {ot.DIGEST_CHARS} hex digits of the URN's SHA-256", "ownership.tag.DIGEST_CHARS")
    yield Claim(f"names the stack ({ot.STACK_KEY_CHARS} hex digits of project and stack", "ownership.tag.STACK_KEY_CHARS")
    yield Claim(f"the resource ({ot.RESOURCE_KEY_CHARS} of its URN)", "ownership.tag.RESOURCE_KEY_CHARS")
    yield Claim(f"`pending:{ot.PENDING_FORMAT}.<stack>.<resource>.<maker>`", "ownership.tag.PENDING_FORMAT")
    yield Claim(f"`slb-master-slave:timeoutSeconds` (default {g(st.DEFAULT_TIMEOUT_SECONDS)})",
                "client.settings.DEFAULT_TIMEOUT_SECONDS")
    yield Claim(f"`slb-master-slave:requestTimeoutSeconds` (default {g(st.DEFAULT_REQUEST_TIMEOUT_SECONDS)})",
                "client.settings.DEFAULT_REQUEST_TIMEOUT_SECONDS")
    yield Claim(f"runs at most {worker_pool.SDK_WORKERS} calls at once per provider process",
                "provider.worker_pool.SDK_WORKERS (pulumi/dynamic/__main__.py's max_workers)")
    yield Claim(f"(plus {worker_pool.SDK_WORKERS} threads for preview calls", "provider.worker_pool: operations + SDK_WORKERS")
    (py_lo, py_hi), (pu_lo, pu_hi) = worker_pool.CHECKED_PYTHON, worker_pool.CHECKED_PULUMI
    yield Claim(f"(Python {py_lo[0]}.{py_lo[1]}-{py_hi[0]}.{py_hi[1]}, the pulumi SDK {pu_lo[0]}.{pu_lo[1]}-"
                f"{pu_hi[0]}.{pu_hi[1]})", "provider.worker_pool.CHECKED_PYTHON, CHECKED_PULUMI")
    yield Claim(f"`slb-master-slave:maxConcurrentOperations` (default {st.DEFAULT_MAX_CONCURRENT_OPERATIONS}; "
                f"{st.MIN_CONCURRENT_OPERATIONS} to {st.MAX_CONCURRENT_OPERATIONS})", "settings")
    yield Claim(f"at most {g(st.MAX_SECONDS)} (one day)", "client.settings.MAX_SECONDS")
    # the Pulumi CLI script
    cli = (ROOT / "scripts" / "pulumi-cli.sh").read_text(encoding="utf-8")
    connect = re.search(r"--connect-timeout (\d+)", cli)
    assert connect, "scripts/pulumi-cli.sh: curl --connect-timeout"
    yield Claim(f"answers within {connect.group(1)} s", "scripts/pulumi-cli.sh curl --connect-timeout")
    python = re.search(r'^requires-python = ">=(\d+\.\d+)"$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    go = re.search(r"^go (\d+\.\d+)$", cli, re.M)
    assert python and go, "pyproject.toml requires-python; the go directive of scripts/pulumi-cli.sh's wrapper module"
    yield Claim(f"On a fresh machine (Python {python.group(1)}+, git, and Go {go.group(1)}+ or a Pulumi CLI",
                "pyproject.toml requires-python, scripts/pulumi-cli.sh go directive")
    peers = json.loads((ROOT / "bench" / "results-peers.json").read_text(encoding="utf-8"))["peers"]["versions"]
    yield Claim(f"| | this provider | terraform-provider-alicloud v{peers['terraform-provider-alicloud']} |",
                "bench/results-peers.json versions")
    tick = re.search(r"sleep (\d+); ticks=.*?ticks % (\d+)", cli, re.S)
    assert tick, "scripts/pulumi-cli.sh: its progress loop (a sleep, a line every N ticks)"
    yield Claim(f"progress lines every {int(tick.group(1)) * int(tick.group(2))} s", "scripts/pulumi-cli.sh")
    pin = re.search(r'PULUMI_VERSION="\$\{PULUMI_VERSION:-([\d.]+)\}"', cli)
    assert pin and f"\npulumi=={pin.group(1)} " in (ROOT / "requirements.txt").read_text(encoding="utf-8")
    yield Claim(f"Version {pin.group(1)} is pinned for the CLI (`PULUMI_VERSION` in the script) and the Python SDK",
                "scripts/pulumi-cli.sh PULUMI_VERSION, requirements.txt")


def limit_claims() -> Iterator[Claim]:
    # the tests' own limits
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    timeout = re.search(r"^timeout = (\d+)$", pyproject, re.M)
    assert timeout, "pyproject.toml: [tool.pytest.ini_options] timeout"
    yield Claim(f"a test running past {timeout.group(1)} s", "pyproject.toml timeout")
    real = constant("tests/real_engine/conftest.py", "REAL_ENGINE_TIMEOUT_SECONDS")
    install = constant("tests/real_engine/checkout.py", "INSTALL_TIMEOUT")
    yield Claim(f"gets {real} s (its `conftest.py`)", "tests/real_engine/conftest.py")
    yield Claim(f"`pulumi new`) {install} s more", "tests/real_engine/checkout.py INSTALL_TIMEOUT")
    stateful = (ROOT / "tests" / "test_stateful.py").read_text(encoding="utf-8")
    examples = re.search(r'SLB_STATEFUL_EXAMPLES", "(\d+)"', stateful)
    steps = re.search(r'SLB_STATEFUL_STEPS", "(\d+)"', stateful)
    per = re.search(r"@pytest\.mark\.timeout\((\d+) \* max\(1, EXAMPLES // (\d+)\)\)", stateful)
    assert examples and steps and per and "# About a minute with the default knobs" in stateful
    yield Claim(f"the stateful search {per.group(1)} s per {per.group(2)} examples", "tests/test_stateful.py")
    yield Claim(f"({examples.group(1)} examples x {steps.group(1)} steps by default, about a minute, under a "
                f"{per.group(1)} s timeout per {per.group(2)} examples", "tests/test_stateful.py")
    lookup = re.search(r"pytestmark = pytest\.mark\.timeout\((\d+), method=\"thread\"\)",
                       (ROOT / "tests" / "test_lookup_result.py").read_text(encoding="utf-8"))
    assert lookup
    yield Claim(f"by a thread ({lookup.group(1)} s)", "tests/test_lookup_result.py")
    gateway = "tests/test_gateway_endpoints.py"
    endpoints = (ROOT / "harness" / "bad_endpoints.py").read_text(encoding="utf-8")
    drip = re.search(r"drip_interval: float = ([\d.]+)", endpoints)
    size = re.search(r"Content-Length: (\d{9,})", endpoints)  # the big body (400 MB), not the 100 kB ones
    assert drip and size, "harness/bad_endpoints.py: the drip's interval and the big body's length"
    yield Claim(f"every {drip.group(1)} s", "harness/bad_endpoints.py drip_interval")
    yield Claim(f"+ 1 s (tested under a {g(constant(gateway, 'BUDGET'))} s budget)", gateway)
    yield Claim(f"{int(size.group(1)) // 2**20} MB", "harness/bad_endpoints.py: the big body's Content-Length")
    yield Claim("staying under 200 MiB", f"{gateway}: peak < 200")
    yield Claim(f"every message stays under {constant(gateway, 'MESSAGE_LIMIT')} characters", gateway)


def suite_claims() -> Iterator[Claim]:
    yield Claim(f"{slb_master_slave.__version__} is the current release", "slb_master_slave.__version__")
    releases = re.findall(r"^## (\d+)\.(\d+)\.\d+$", CHANGELOG, re.M)
    assert [".".join(r) for r in releases[-3:]] == ["0.3", "0.2", "0.1"], "CHANGELOG's oldest releases"
    yield Claim("### From 0.1 or 0.2 to 0.3", "CHANGELOG.md: 0.1 and 0.2 upgrade in one step")
    for (major, minor), (old_major, old_minor) in itertools.pairwise(releases[:-2]):
        yield Claim(f"### From {old_major}.{old_minor} to {major}.{minor}", "CHANGELOG.md's releases")
    workers = re.search(r"workers=\$\{SLB_TEST_WORKERS:-(\d+)\}", (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8"))
    assert workers
    count = {2: "Two", 3: "Three", 4: "Four"}[int(workers.group(1))]
    yield Claim(f"**{count} worker processes** by default", "scripts/test.sh SLB_TEST_WORKERS")
    yield Claim(f"`SLB_TEST_WORKERS=N` sets the count (default {workers.group(1)})", "scripts/test.sh")
    _, mutants = plan(TARGETS)
    yield Claim(f"{len(mutants)} mutants of {len(TARGETS)} functions", "harness.mutation: plan(TARGETS)")
    traces = len(list((ROOT / "tests" / "real_engine" / "golden_traces").glob("*.json")))
    yield Claim(f"the golden traces: {traces} scenarios", "tests/real_engine/golden_traces/*.json")
    matrix = assignments("tests/test_fault_matrix.py")
    faults, operations = matrix["FAULTS"], matrix["OPERATIONS"]
    assert isinstance(faults, ast.Dict) and isinstance(operations, ast.Dict)
    yield Claim(f"(`tests/test_fault_matrix.py`, {len(faults.keys) * len(operations.keys)} runs",
                "tests/test_fault_matrix.py FAULTS x OPERATIONS")
    concurrency = (ROOT / "tests" / "test_concurrency.py").read_text(encoding="utf-8")
    groups = re.search(r"^COUNT = (\d+)$", concurrency, re.M)
    at_once = re.search(r"parallelism=(\d+)", concurrency)
    assert groups and at_once
    yield Claim(f"{groups.group(1)} groups through one provider process with {at_once.group(1)} calls in flight",
                "tests/test_concurrency.py")
    # calls per operation and the state's size, measured by the benchmark's calls figure
    calls = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))["calls"]
    ops = calls["operations"]
    yield Claim(f"({calls['footprint']['provider_bytes']} bytes in the last benchmark run, naming",
                "bench/results.json calls.footprint.provider_bytes")
    yield Claim(f"Calls: create {ops['create']['calls']} (create, completion), delete {ops['delete']['calls']} "
                f"(delete, the sweep's listing), refresh {ops['refresh']['calls']}, tag update at most "
                f"{ops['tags update']['calls']}", "bench/results.json calls")


CLAIMS = list(claims())

# Figures with a unit that are not ours to check: each says whose it is.
NOT_OURS = {
    "default 4 x the machine's cores": "the Pulumi engine's default --parallel",
}


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.phrase[:60] for c in CLAIMS])
def test_readme_states_the_figure_the_code_has(claim: Claim) -> None:
    assert claim.phrase in flat(README), f"README should say {claim.phrase!r} (from {claim.source})"


def test_the_old_throttling_backoff_is_changelogs() -> None:
    assert "throttling backs off from 0.25 s (was 0.1 s), capped at 1 s (was 1.5 s)" in flat(CHANGELOG)


UNIT = re.compile(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?\s?(?:ms|s|x|min|minutes|seconds|MiB|MB|KiB|%|bytes|B|"
                  r"calls?|tries|attempts|threads|workers)(?!\w)")


def unchecked_figures(readme: str) -> list[str]:
    """Figures with a unit in README's prose that no claim (nor NOT_OURS) covers."""
    text = prose(readme)
    covered = [False] * len(text)
    for phrase in [c.phrase for c in CLAIMS] + list(NOT_OURS):
        for found in re.finditer(re.escape(phrase), text):
            covered[found.start():found.end()] = [True] * (found.end() - found.start())
    return [text[max(0, m.start() - 40):m.end() + 10] for m in UNIT.finditer(text)
            if not all(covered[m.start():m.end()])]


def test_no_figure_in_readme_goes_unchecked() -> None:
    assert unchecked_figures(README) == [], (
        "README states figures that nothing checks: generate them from bench/results*.json "
        "(tools/readme_figures.py) or add a claim here built from the code's constant")


def test_an_unchecked_figure_is_caught() -> None:
    caught = unchecked_figures(README + "\n\nA create takes 1.7 s here.\n")
    assert len(caught) == 1 and "takes 1.7 s" in caught[0], caught
