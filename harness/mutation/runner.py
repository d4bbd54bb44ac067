"""Run the table: each mutant in its own copy of the package, put first on PYTHONPATH.

A mutant lives in a fresh copy of `slb_master_slave` (one module rewritten) in a temporary
folder, and its tests run in a new pytest process whose PYTHONPATH starts with that folder.
Every process the tests start inherits PYTHONPATH (the emulator, `python -m pulumi.dynamic`,
the real `pulumi` CLI and the provider process it starts), and a PYTHONPATH entry comes
before the editable install's finder, so the mutant is what each of them imports. Nothing
is patched in a running process and the working tree is never written.

First the baseline: every test the table names, unmutated, through the same copy, must pass
(else a mutant would be counted killed by a test that fails anyway). Then each mutant's
tests run in the table's order and stop at the first failure: a failure or error kills the
mutant, all passing lets it survive. A target's `reach` test runs alone against the
target's first mutant and must fail too: that is the proof the mutant reached a subprocess.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .mutants import Mutant, mutants_of
from .targets import PACKAGE, Target

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO / "provider" / PACKAGE
# A hung test fails on its own (pytest-timeout); this bounds one whole run of a mutant's tests.
RUN_TIMEOUT_SECONDS = 300
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) ([^\s\[]+(?:\[[^\]]*\])?)")  # the node id, parameters included
_PASSED = re.compile(r"\b\d+ passed\b")
# Quiet, failures named (-rfE), no cache written by parallel runs; no xdist (one process per
# mutant) and no hypothesis plugin (none of the table's tests needs it; it halves start-up).
PYTEST_OPTIONS = ("-q", "-rfE", "--no-header", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest")


@dataclass(frozen=True)
class Job:
    """One pytest run: a mutant (None for the baseline) against some tests."""

    label: str
    mutant: Mutant | None
    tests: tuple[str, ...]
    expect_failure: bool  # a mutant's run must fail; the baseline must pass
    reach: bool = False  # the proof that a mutant reaches a subprocess (may skip without a Pulumi CLI)


@dataclass(frozen=True)
class Outcome:
    job: Job
    returncode: int | None  # None: the run timed out
    failed: tuple[str, ...]  # the tests that failed or errored
    seconds: float
    output: str

    @property
    def skipped(self) -> bool:
        """Every test skipped (e.g. the real-engine tests without a Pulumi CLI): nothing was shown."""
        return self.returncode == 0 and not _PASSED.search(self.output)

    @property
    def ok(self) -> bool:
        if self.job.expect_failure:
            return self.returncode is None or self.returncode == 1
        return self.returncode == 0

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "skipped (the tests skipped themselves; output below says why)"
        if not self.job.expect_failure:
            return "passes" if self.ok else f"FAILS (pytest exit {self.returncode})"
        if self.returncode is None:
            return f"killed: timed out after {RUN_TIMEOUT_SECONDS} s"
        if self.returncode == 1:
            return "killed by " + (self.failed[0] if self.failed else "a failing test")
        if self.returncode == 0:
            return "SURVIVED"
        return f"NOT RUN (pytest exit {self.returncode}: a test it names is missing or broke at collection; output below)"


def plan(targets: Sequence[Target]) -> tuple[list[Job], list[Job]]:
    """The baseline jobs and the mutant jobs, in the table's order."""
    mutant_jobs: list[Job] = []
    reach_jobs: list[Job] = []
    for target in targets:
        source = (PACKAGE_DIR / f"{target.module}.py").read_text()
        made = [m for spec in target.mutations for m in mutants_of(target.module, source, target.function, spec)]
        mutant_jobs += [Job(m.name, m, target.tests, expect_failure=True) for m in made]
        if target.reach:
            reach_jobs.append(Job(f"{made[0].name} [reach: {target.reach}]", made[0], (target.reach,),
                                  expect_failure=True, reach=True))
    fast = _unique(t for target in targets for t in target.tests)
    slow = _unique(target.reach for target in targets if target.reach)
    baseline = [Job("baseline: the tests the table names", None, fast, expect_failure=False)]
    if slow:
        baseline.append(Job("baseline: the reach tests", None, slow, expect_failure=False, reach=True))
    return baseline, reach_jobs + mutant_jobs


def run_jobs(jobs: Sequence[Job], workers: int, report: Callable[[Outcome], None]) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="slb-mutants-") as scratch, ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run, job, Path(scratch) / f"job-{number}") for number, job in enumerate(jobs)]
        outcomes = []
        for future in futures:
            outcome = future.result()
            report(outcome)
            outcomes.append(outcome)
        return outcomes


def _run(job: Job, folder: Path) -> Outcome:
    _write_package(folder, job.mutant)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]))
    command = [sys.executable, "-m", "pytest", *PYTEST_OPTIONS, *(["-x"] if job.expect_failure else []), *job.tests]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout if isinstance(expired.stdout, str) else ""
        return Outcome(job, None, (), time.monotonic() - started, output)
    failed = tuple(match[1] for line in done.stdout.splitlines() if (match := _FAILED_LINE.match(line)))
    return Outcome(job, done.returncode, failed, time.monotonic() - started, done.stdout + done.stderr)


def _write_package(folder: Path, mutant: Mutant | None) -> None:
    """A copy of the package (the mutant's module rewritten), with a check that Python will
    import this copy and not the editable install."""
    copy = folder / PACKAGE
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if mutant is not None:
        (copy / f"{mutant.module}.py").write_text(mutant.source)


def import_check(folder: Path) -> str:
    """Where a process with the runner's PYTHONPATH imports the package from."""
    _write_package(folder, None)
    env = dict(os.environ, PYTHONPATH=str(folder))
    done = subprocess.run([sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
