"""The benchmark's command runs and reports; only its deterministic figures (API calls per
operation, state footprint) are asserted here, never a timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
