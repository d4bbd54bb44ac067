"""The table: one row per figure, measured value, target, ratio to the target, met/missed."""

from __future__ import annotations

from typing import Any

Results = dict[str, Any]
Row = dict[str, Any]

# create: the look-up of this owner's pending groups, the create, its completion;
# delete: the delete, the look-up (issue 16)
CALL_TARGETS = {"create": 2, "refresh": 1, "tags update": 2, "delete": 2, "no-op up": 0}
# (results key, row title, limit factor); the last is a diagnostic
SCALE_FIGURES = (("scale", "scale", 1.25), ("quota", "quota", 1.3),
                 ("scale_checks_first", "* scale, Checks first", 1.25))


def _row(figure: str, measured: str, target: str, ratio: float | None, met: bool, note: str = "",
         diagnostic: bool = False) -> Row:
    return {"figure": figure, "measured": measured, "target": target,
            "ratio": None if ratio is None else round(ratio, 3), "met": bool(met), "note": note,
            "diagnostic": diagnostic}


def build_rows(r: Results) -> list[Row]:
    """The table's rows for whichever figures `r` holds, in the table's order."""
    rows: list[Row] = []
    if "calls" in r:
        rows += _calls_rows(r["calls"])
    if "checkdiff" in r:
        rows += _checkdiff_rows(r["checkdiff"])
    if "coldstart" in r:
        rows.append(_coldstart_row(r["coldstart"]))
    for key, title, limit_factor in SCALE_FIGURES:
        if key in r:
            rows += _scale_rows(r[key], key, title, limit_factor)
    if r.get("real_cli"):
        rows += _real_cli_rows(r["real_cli"])
    return rows


def _calls_rows(calls: Results) -> list[Row]:
    rows = []
    for op, limit in CALL_TARGETS.items():
        got = calls["operations"][op]
        n = got["calls"]
        rows.append(_row(f"API calls: {op}", str(n), f"<= {limit}" if op == "tags update" else str(limit),
                         (n / limit) if limit else None, n <= limit and got["ok"],
                         ", ".join(got["actions"]) or "-"))
    fp = calls["footprint"]
    rows.append(_row("state: __provider bytes", str(fp["provider_bytes"]), "<= 128",
                     fp["provider_bytes"] / 128, fp["provider_bytes"] <= 128))
    rows.append(_row("state: outputs bytes", str(fp["outputs_bytes"]), "<= 1024",
                     fp["outputs_bytes"] / 1024, fp["outputs_bytes"] <= 1024,
                     f"{fp['outputs_bytes_with_provider']} with __provider"))
    return rows


def _checkdiff_rows(cd: Results) -> list[Row]:
    rows = []
    floor = cd["trivial_check"]["median_ms"]
    for name in ("check", "diff"):
        s = cd[name]
        rows.append(_row(f"{name.capitalize()} over gRPC (median/p95 ms)",
                         f"{s['median_ms']:.2f} / {s['p95_ms']:.2f}", "median <= 2 ms",
                         s["median_ms"] / 2.0, s["median_ms"] <= 2.0,
                         f"n={s['n']}; trivial Check {floor:.2f} ms ({s['median_ms'] / floor:.2f}x)"))
    live = cd.get("check_preview_checks")
    if live:
        s = live["cached"]
        rows.append(_row("Check with previewChecks (median/p95 ms)", f"{s['median_ms']:.2f} / {s['p95_ms']:.2f}",
                         "median <= 2 ms, 1 API call", s["median_ms"] / 2.0,
                         s["median_ms"] <= 2.0 and live["api_calls"] == 1,
                         f"n={s['n']}; first Check {live['first_ms']:.1f} ms (one DescribeLoadBalancerAttribute); "
                         f"API calls in all {s['n'] + 1 + min(20, s['n'])} Checks: {live['api_calls']}"))
    return rows


def _coldstart_row(cs: Results) -> Row:
    ours, triv = cs["ours"]["total_s"], cs["trivial"]["total_s"]
    ratio = ours / triv
    return _row("cold start, ours / trivial", f"{ratio:.2f}x", "<= 1.15x", ratio / 1.15, ratio <= 1.15,
                f"median {ours * 1000:.0f} ms vs {triv * 1000:.0f} ms (first Check "
                f"{cs['ours']['first_check_s'] * 1000:.0f} vs {cs['trivial']['first_check_s'] * 1000:.0f} ms)")


def _scale_rows(s: Results, key: str, title: str, limit_factor: float) -> list[Row]:
    rows = []
    for phase in ("up", "destroy"):
        p = s[phase]
        limit_s = p.get("limit_s", s["limit_s"])
        ratio = p["seconds"] / limit_s
        met = ratio <= limit_factor and p["failures"] == 0 and p["ok"] and (phase == "up" or s["groups_left"] == 0)
        rows.append(_row(f"{title} {s['count']}: {phase} / limit", f"{ratio:.2f}x", f"<= {limit_factor}x",
                         ratio / limit_factor, met, _scale_note(s, key, phase, limit_s),
                         diagnostic=key.startswith("scale_checks_first")))
    return rows


def _scale_note(s: Results, key: str, phase: str, limit_s: float) -> str:
    p = s[phase]
    note = f"{p['seconds']:.2f} s vs limit {limit_s:.2f} s; {p['log']['requests']} requests"
    if "quota" in key:
        note += f", {p['log']['throttled']} Throttling"
    note += f"; failures {p['failures']}"
    if "plan_seconds" in p:
        note += (f"; Check phase alone {p['plan_seconds']:.2f} s, "
                 + ("overlapping the creates" if s.get("pipeline") else "before the creates"))
    if phase == "destroy":
        note += f"; groups left {s['groups_left']}"
    return note


def _real_cli_rows(rc: Results) -> list[Row]:
    if "skipped" in rc:
        return [_row("real CLI figures", "skipped", "-", None, False, rc["skipped"], diagnostic=True)]
    pv = rc["preview_one_group"]
    rows = [_row("real CLI: pulumi preview, ours / trivial", f"{pv['ratio']:.2f}x", "<= 1.15x",
                 pv["ratio"] / 1.15, pv["ratio"] <= 1.15,
                 f"median {pv['ours_s']:.2f} s vs {pv['trivial_s']:.2f} s over {pv['runs']} runs ({rc['version']})")]
    for phase, limit_factor in (("up", 1.25), ("destroy", 1.25)):
        p = rc[phase]
        ok = p["groups_created"] == rc["up"]["count"] if phase == "up" else p["groups_left"] == 0
        rows.append(_row(f"real CLI: {phase} {rc['up']['count']} / limit", f"{p['ratio']:.2f}x", f"<= {limit_factor}x",
                         p["ratio"] / limit_factor, p["ratio"] <= limit_factor and ok,
                         f"{p['seconds']:.2f} s vs limit {p['limit_s']:.2f} s "
                         f"({rc['up']['latency_s'] * 1000:.0f} ms per call, 4 workers); {p['api_calls']} API calls"))
    return rows


def render(rows: list[Row]) -> str:
    headers = ["figure", "measured", "target", "of target", "met", "notes"]
    body = [[r["figure"], r["measured"], r["target"], "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
             ("-" if r["diagnostic"] and r["target"] == "-" else ("met" if r["met"] else "MISSED")), r["note"]] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *body)]
    widths[-1] = min(widths[-1], 90)

    def line(cells: list[Any]) -> str:
        return "| " + " | ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep] + [line(b) for b in body])
