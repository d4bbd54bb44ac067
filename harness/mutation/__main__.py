"""`python -m harness.mutation`: run the mutation check (scripts/test.sh runs it after pytest).

Exit status 0 when the baseline passes and every mutant is killed, 1 otherwise, naming each
surviving mutant and the tests that let it through.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .runner import PACKAGE_DIR, Outcome, import_check, plan, run_jobs
from .targets import TARGETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.mutation", description=__doc__)
    parser.add_argument("--only", action="append", default=[],
                        help="run only the targets whose 'module.function' contains this text (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the mutants and their tests, run nothing")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at once (default 2)")
    parser.add_argument("--show-output", action="store_true", help="print pytest's output for every run, not only failures")
    args = parser.parse_args(argv)

    targets = [t for t in TARGETS if not args.only or any(o in f"{t.module}.{t.function}" for o in args.only)]
    if not targets:
        parser.error(f"no target matches {args.only}")
    baseline, mutants = plan(targets)
    if args.list:
        for job in mutants:
            print(f"{job.label}\n    tests: {' '.join(job.tests)}")
        return 0

    with tempfile.TemporaryDirectory(prefix="slb-mutants-") as scratch:
        imported = import_check(Path(scratch))
    if not imported.startswith(scratch):
        print(f"mutation check: a PYTHONPATH copy is not what Python imports ({imported}, not under {scratch}); "
              "the mutants would not be tested", file=sys.stderr)
        return 1

    print(f"mutation check: {len(mutants)} mutants of {len(targets)} functions in {PACKAGE_DIR.name}, "
          f"{args.jobs} at a time", flush=True)
    started = time.monotonic()

    def report(outcome: Outcome) -> None:
        mark = "ok  " if outcome.ok else "FAIL"
        print(f"{mark} [{outcome.seconds:5.1f}s] {outcome.job.label}\n            -> {outcome.verdict}", flush=True)
        if args.show_output or not outcome.ok:
            print(_indented(outcome.output), flush=True)

    outcomes = run_jobs([*baseline, *mutants], args.jobs, report)
    return _summary(outcomes, time.monotonic() - started)


def _summary(outcomes: list[Outcome], seconds: float) -> int:
    unshown = [o for o in outcomes if o.skipped and o.job.reach]
    broken_baseline = [o for o in outcomes if not o.job.expect_failure and not o.ok and o not in unshown]
    survivors = [o for o in outcomes if o.job.expect_failure and not o.ok and o not in unshown]
    killed = sum(1 for o in outcomes if o.job.expect_failure and o.ok)
    print(f"mutation check: {killed} killed, {len(survivors)} not killed, in {seconds:.0f} s")
    for outcome in unshown:
        print(f"mutation check: warning: {outcome.job.label} was skipped, so reaching subprocesses is not shown "
              "on this machine (the real-engine tests skip without a Pulumi CLI)", file=sys.stderr)
    for outcome in broken_baseline:
        print(f"mutation check FAILED: {outcome.job.label} {outcome.verdict}: with no mutant at all these tests must "
              "pass, else a mutant would count as killed for nothing (output above)", file=sys.stderr)
    for outcome in survivors:
        print(f"mutation check FAILED: mutant {outcome.verdict}: {outcome.job.label}\n"
              f"    no test failed among: {' '.join(outcome.job.tests)}\n"
              "    the code can break this way and the suite stays green: add a test that fails on it "
              "(harness/mutation/targets.py says how)", file=sys.stderr)
    return 1 if broken_baseline or survivors else 0


def _indented(text: str) -> str:
    lines = text.rstrip().splitlines()[-40:]
    return "\n".join("            | " + line for line in lines)


if __name__ == "__main__":
    sys.exit(main())
