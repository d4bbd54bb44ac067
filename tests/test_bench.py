"""The benchmark's command runs and reports; only its deterministic figures (API calls per
operation, state footprint) are asserted here, never a timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_reports_call_counts_and_footprint(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "calls", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "| API calls: create" in run.stdout and "targets met" in run.stdout
    rows = {row["figure"]: row for row in json.loads(out.read_text())["table"]}
    for figure, measured in {"API calls: create": "2", "API calls: refresh": "1", "API calls: tags update": "2",
                             "API calls: delete": "2", "API calls: no-op up": "0"}.items():
        assert rows[figure]["measured"] == measured and rows[figure]["met"] is True, rows[figure]
    assert rows["state: __provider bytes"]["met"] and rows["state: outputs bytes"]["met"]


@pytest.mark.timeout(300)  # a dozen real-CLI runs of both providers: about 40 s alone, more beside other workers
def test_bench_runs_the_side_by_side_figure_and_reports_its_targets(tmp_path: Path) -> None:
    """A quick run of the real-CLI figure: its rows and full table are there, with the program
    host and the tools that ran recorded; its call counts are deterministic and asserted
    (creates in at most 2N + 1 calls, deletes in 2), its times never."""
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "side_by_side", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    side = results["side_by_side"]
    if "skipped" in side:  # no pulumi CLI on this machine: the figure says why
        assert side["skipped"] and "skipped" in run.stdout
        return
    assert side["host"]["kind"] in ("official", "fallback") and side["versions"]["pulumi"].startswith("v3.")
    [cell] = side["cells"]
    assert {"ours", "trivial"} <= set(cell["tools"]) and set(cell["ratios"]) >= {"ours/trivial"}
    for command in ("up", "preview", "refresh", "destroy"):
        assert cell["tools"]["ours"][command]["ok"] and cell["tools"]["trivial"][command]["ok"], command
        assert cell["tools"]["trivial"][command]["calls"] == [0], "the trivial provider makes no API call"
    rows = {row["figure"]: row for row in results["table"]}
    assert rows["CLI API calls: up of 1 (creates)"]["measured"] == "2" and rows["CLI API calls: up of 1 (creates)"]["met"]
    assert rows["CLI API calls: destroy of 1, per group"]["measured"] == "2"
    assert "CLI up 1, 0 ms, default --parallel: ours / trivial" in rows
    quota = rows["CLI quota 10/s, 5 groups, ours: failures / duplicates"]
    assert quota["measured"] == "0 / 0" and quota["met"], quota
    assert "| per call | groups | parallel | command |" in results["side_by_side_table"]
