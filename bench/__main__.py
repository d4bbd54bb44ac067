"""`.venv/bin/python -m bench [--quick] [--out FILE]`: run every figure, print the table,
write bench/results.json. `python -m bench peers [...]`: the side-by-side run with Terraform
(bench/peers/). See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from . import calls, checkdiff, coldstart, scale, side_by_side
from .common import ROOT, EmulatorProcess
from .report import build_rows, render, render_side_by_side

FIGURES = ["calls", "checkdiff", "coldstart", "scale", "quota", "side_by_side"]


@dataclass(frozen=True)
class Counts:
    """How much each figure does; written into the results as `counts`."""

    checkdiff_n: int
    coldstart_runs: int
    scale_count: int
    side_reps: int  # repetitions of each side-by-side cell (every tool, in turn)
    side_cells: tuple[tuple[float, int, int | None], ...]  # (latency s, groups, parallel or None: default)
    side_quota_count: int
    parallelism: int = 32
    latency_s: float = 0.05
    quota_rps: int = 20
    quota_timeout_s: int = 120
    side_quota_rps: int = 10

    @classmethod
    def for_run(cls, quick: bool) -> Counts:
        if quick:
            return cls(checkdiff_n=200, coldstart_runs=3, scale_count=60, side_reps=1,
                       side_cells=((0.0, 1, None),), side_quota_count=5)
        cells = tuple((latency, count, parallel) for latency in (0.0, 0.1) for count in (1, 5, 50)
                      for parallel in (None, 32))
        return cls(checkdiff_n=1000, coldstart_runs=9, scale_count=200, side_reps=5, side_cells=cells,
                   side_quota_count=50)


# One figure: (the results key, what the progress line says, the run).
Figure = tuple[str, Callable[[Counts], str], Callable[[EmulatorProcess, str, Counts], dict[str, Any]]]


def _scale(emu: EmulatorProcess, workdir: str, c: Counts, *, rps: int | None = None,
           pipeline: bool = True) -> dict[str, Any]:
    # The latency rows keep the host's 4 workers (maxConcurrentOperations 4), comparable across
    # releases; the quota row runs the default, so the retry quota meets many calls at once.
    return scale.run(emu, workdir, count=c.scale_count, parallelism=c.parallelism, latency=c.latency_s,
                     rps=rps, timeout_seconds=c.quota_timeout_s if rps else 60, pipeline=pipeline,
                     operations=None if rps else scale.WORKERS)


def _side_by_side(emu: EmulatorProcess, workdir: str, c: Counts) -> dict[str, Any]:
    plan = side_by_side.Plan(cells=tuple(side_by_side.Cell(*cell) for cell in c.side_cells), reps=c.side_reps,
                             quota_count=c.side_quota_count, quota_rps=c.side_quota_rps)
    return side_by_side.run(emu, workdir, plan, say=_step)


FIGURE_RUNS: dict[str, list[Figure]] = {
    "calls": [("calls", lambda c: "API calls per operation, state footprint",
               lambda emu, workdir, c: calls.run(emu, workdir))],
    "checkdiff": [("checkdiff", lambda c: f"Check/Diff cost ({c.checkdiff_n} calls each)",
                   lambda emu, workdir, c: checkdiff.run(emu, workdir, c.checkdiff_n))],
    "coldstart": [("coldstart", lambda c: f"cold start ({c.coldstart_runs} runs each)",
                   lambda emu, workdir, c: coldstart.run(emu, workdir, c.coldstart_runs))],
    "scale": [("scale", lambda c: f"scale, {c.scale_count} groups, {c.latency_s * 1000:.0f} ms per call",
               _scale),
              ("scale_checks_first", lambda c: "diagnostic: the same with every Check before the first Create",
               lambda emu, workdir, c: _scale(emu, workdir, c, pipeline=False))],
    "quota": [("quota", lambda c: f"scale under a quota of {c.quota_rps} requests/s",
               lambda emu, workdir, c: _scale(emu, workdir, c, rps=c.quota_rps))],
    "side_by_side": [("side_by_side", lambda c: (f"side by side through the real CLIs: {len(c.side_cells)} cells x "
                                                 f"{c.side_reps}, then {c.side_quota_count} groups under a quota of "
                                                 f"{c.side_quota_rps} requests/s"),
                      _side_by_side)],
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (about a minute)")
    parser.add_argument("--out", default=None,
                        help="where to write the results (default: bench/results.json for a full run; "
                             "bench/work/results-partial.json for --quick or --only, so they never "
                             "overwrite the committed full results)")
    parser.add_argument("--only", nargs="*", choices=FIGURES,
                        help="run only these figures")
    args = parser.parse_args(argv)
    if args.out is None:
        partial = args.quick or bool(args.only and set(args.only) != set(FIGURES))
        args.out = str(ROOT / "bench" / ("work/results-partial.json" if partial else "results.json"))
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
    return args


def _run_figures(only: set[str], counts: Counts, results: dict[str, Any]) -> None:
    """Every chosen figure against one emulator, in FIGURES order, into `results`."""
    workdir = tempfile.mkdtemp(prefix="slb-bench-")
    try:
        with EmulatorProcess() as emu:
            for name in FIGURES:
                for key, say, run in FIGURE_RUNS[name] if name in only else []:
                    _step(say(counts))
                    results[key] = run(emu, workdir, counts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["peers"]:  # the side-by-side run with Terraform (bench/peers/)
        from .peers.run import main as peers_main
        return peers_main(argv[1:])
    args = _arguments(argv)
    counts = Counts.for_run(args.quick)
    results: dict[str, Any] = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                                           "cpus": os.cpu_count()},
                               "quick": args.quick, "counts": asdict(counts),
                               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    results["machine"]["load_before"] = os.getloadavg()  # the machine is shared: how busy it was
    started = time.perf_counter()
    _run_figures(set(args.only or FIGURES), counts, results)
    results["elapsed_s"] = time.perf_counter() - started
    results["machine"]["load_after"] = os.getloadavg()
    rows = build_rows(results)
    results["table"] = rows
    if "cells" in results.get("side_by_side", {}):
        results["side_by_side_table"] = render_side_by_side(results["side_by_side"])
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, sort_keys=False, default=str)
        f.write("\n")
    print(render(rows))
    if "side_by_side_table" in results:
        print("\n" + results["side_by_side_table"])
    headline = [r for r in rows if not r["diagnostic"]]
    print(f"\n{sum(r['met'] is True for r in headline)} of {len(headline)} targets met "
          f"(diagnostic rows, marked *, not counted); "
          f"run took {results['elapsed_s']:.0f} s; details in {os.path.relpath(args.out)}")
    return 0


def _step(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
