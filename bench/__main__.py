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

from . import calls, checkdiff, coldstart, real_cli, scale
from .common import ROOT, EmulatorProcess
from .report import build_rows, render

FIGURES = ["calls", "checkdiff", "coldstart", "scale", "quota", "real_cli"]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["peers"]:  # the side-by-side run with Terraform (bench/peers/)
        from .peers.run import main as peers_main
        return peers_main(argv[1:])
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
    counts = {
        "checkdiff_n": 200 if args.quick else 1000,
        "coldstart_runs": 3 if args.quick else 9,
        "scale_count": 60 if args.quick else 200,
        "parallelism": 32,
        "latency_s": 0.05,
        "quota_rps": 20,
        "quota_timeout_s": 120,
        "real_cli_runs": 3 if args.quick else 7,
        "real_cli_count": 20 if args.quick else 50,
    }
    only = set(args.only or FIGURES)
    results: dict = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                                 "cpus": os.cpu_count()},
                     "quick": args.quick, "counts": counts, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    workdir = tempfile.mkdtemp(prefix="slb-bench-")
    started = time.perf_counter()
    try:
        with EmulatorProcess() as emu:
            if "calls" in only:
                _step("API calls per operation, state footprint")
                results["calls"] = calls.run(emu, workdir)
            if "checkdiff" in only:
                _step(f"Check/Diff cost ({counts['checkdiff_n']} calls each)")
                results["checkdiff"] = checkdiff.run(emu, workdir, counts["checkdiff_n"])
            if "coldstart" in only:
                _step(f"cold start ({counts['coldstart_runs']} runs each)")
                results["coldstart"] = coldstart.run(emu, workdir, counts["coldstart_runs"])
            if "scale" in only:
                _step(f"scale, {counts['scale_count']} groups, {counts['latency_s'] * 1000:.0f} ms per call")
                results["scale"] = scale.run(emu, workdir, count=counts["scale_count"],
                                             parallelism=counts["parallelism"], latency=counts["latency_s"],
                                             rps=None, timeout_seconds=60)
                _step("diagnostic: the same with every Check before the first Create")
                results["scale_checks_first"] = scale.run(emu, workdir, count=counts["scale_count"],
                                                          parallelism=counts["parallelism"],
                                                          latency=counts["latency_s"], rps=None,
                                                          timeout_seconds=60, pipeline=False)
            if "quota" in only:
                _step(f"scale under a quota of {counts['quota_rps']} requests/s")
                results["quota"] = scale.run(emu, workdir, count=counts["scale_count"],
                                             parallelism=counts["parallelism"], latency=counts["latency_s"],
                                             rps=counts["quota_rps"], timeout_seconds=counts["quota_timeout_s"])
            if "real_cli" in only:
                _step(f"through the real pulumi CLI: preview x{counts['real_cli_runs']}, "
                      f"up and destroy of {counts['real_cli_count']} groups")
                results["real_cli"] = real_cli.run(emu, workdir, runs=counts["real_cli_runs"],
                                                   count=counts["real_cli_count"], latency=counts["latency_s"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["elapsed_s"] = time.perf_counter() - started
    rows = build_rows(results)
    results["table"] = rows
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, sort_keys=False, default=str)
        f.write("\n")
    print(render(rows))
    headline = [r for r in rows if not r["diagnostic"]]
    print(f"\n{sum(r['met'] is True for r in headline)} of {len(headline)} targets met "
          f"(diagnostic rows, marked *, not counted); "
          f"run took {results['elapsed_s']:.0f} s; details in {os.path.relpath(args.out)}")
    return 0


def _step(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
