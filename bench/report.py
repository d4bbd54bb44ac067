"""The table: one row per figure, measured value, target, ratio to the target, met/missed."""

from __future__ import annotations

from typing import Any

Results = dict[str, Any]
Row = dict[str, Any]

# create: the create, its completion (issue 24); delete: the delete, the look-up of this stack's
# pending groups alongside it (issues 16 and 25)
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
    if r.get("side_by_side"):
        rows += _side_by_side_rows(r["side_by_side"])
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


SIDE_TARGET_50 = 1.15  # up and destroy of 50 groups, 100 ms per call, every tool at --parallel 32
SIDE_TARGET_SMALL = 1.10  # 1 and 5 groups at 0 ms
COMMANDS = ("up", "preview", "refresh", "destroy")


def _cell(sb: Results, latency: float, count: int, parallel: int | None) -> Results | None:
    return next((c for c in sb["cells"] if c["latency_s"] == latency and c["count"] == count
                 and c["parallel"] == parallel), None)


def _ratio_row(cell: Results, command: str, limit: float | None, *, diagnostic: bool, note: str = "") -> Row:
    ratio = cell["ratios"]["ours/trivial"][command]
    ours, trivial = cell["tools"]["ours"][command], cell["tools"]["trivial"][command]
    parallel = "default --parallel" if cell["parallel"] is None else f"--parallel {cell['parallel']}"
    title = (f"{'* ' if diagnostic else ''}CLI {command} {cell['count']}, {cell['latency_s'] * 1000:.0f} ms, "
             f"{parallel}: ours / trivial")
    ok = ours["ok"] and trivial["ok"]
    text = (f"median of {cell['reps']} pairs, {ratio['min']:.2f}-{ratio['max']:.2f}; {ours['median']:.2f} s vs "
            f"{trivial['median']:.2f} s; {ours['calls'][0]} API calls" + (f"; {note}" if note else "")
            + ("" if ok else "; A COMMAND FAILED"))
    return _row(title, f"{ratio['median']:.2f}x", "-" if limit is None else f"<= {limit}x",
                None if limit is None else ratio["median"] / limit,
                ok and (limit is None or ratio["median"] <= limit), text, diagnostic=diagnostic)


def _engine_bound(sb: Results, cell: Results, command: str) -> str:
    """What the engine's own default --parallel allows: the API time of ours at that bound."""
    parallel = sb["engine_default_parallel"]
    calls = max(cell["tools"]["ours"][command]["calls"])
    return (f"the engine's default --parallel is {parallel} here (4 x cores): {calls} calls x "
            f"{cell['latency_s'] * 1000:.0f} ms / {parallel} = {calls * cell['latency_s'] / parallel:.2f} s of API "
            "time at least")


def _side_by_side_rows(sb: Results) -> list[Row]:
    if "skipped" in sb:
        return [_row("side by side through the real CLI", "skipped", "-", None, False, sb["skipped"], diagnostic=True)]
    rows = []
    for command in ("up", "destroy"):
        cell = _cell(sb, 0.1, 50, 32)
        if cell is not None:
            rows.append(_ratio_row(cell, command, SIDE_TARGET_50, diagnostic=False))
        default = _cell(sb, 0.1, 50, None)
        if default is not None:
            rows.append(_ratio_row(default, command, None, diagnostic=True, note=_engine_bound(sb, default, command)))
    for count in (1, 5):
        small = _cell(sb, 0.0, count, None)
        if small is not None:
            rows += [_ratio_row(small, command, SIDE_TARGET_SMALL, diagnostic=False) for command in COMMANDS]
    rows += _call_rows(sb)
    for tool, q in sb["quota"].items():
        rows.append(_quota_row(tool, q))
    return rows


def _call_rows(sb: Results) -> list[Row]:
    """Creates in at most 2N + 1 calls for N groups, deletes in at most 2 calls each (the most
    any repetition of any cell made)."""
    rows = []
    for count in sorted({c["count"] for c in sb["cells"]}):
        cells = [c for c in sb["cells"] if c["count"] == count]
        up = max(n for c in cells for n in c["tools"]["ours"]["up"]["calls"])
        down = max(n for c in cells for n in c["tools"]["ours"]["destroy"]["calls"])
        rows.append(_row(f"CLI API calls: up of {count} (creates)", str(up), f"<= {2 * count + 1}",
                         up / (2 * count + 1), up <= 2 * count + 1, "the most in any repetition"))
        rows.append(_row(f"CLI API calls: destroy of {count}, per group", f"{down / count:g}", "<= 2",
                         down / count / 2, down <= 2 * count, "the most in any repetition"))
    return rows


def _quota_row(tool: str, q: Results) -> Row:
    failures = sum(not q[p]["ok"] for p in ("up", "destroy"))
    duplicates = max(q[p]["duplicates"] for p in ("up", "destroy"))
    met = failures == 0 and duplicates == 0 and q["up"]["groups"] == q["count"] and q["destroy"]["groups"] == 0
    note = (f"up {q['up']['seconds']:.1f} s ({q['up']['calls']} calls, {q['up']['throttled']} throttled, "
            f"{q['up']['groups']} groups), destroy {q['destroy']['seconds']:.1f} s ({q['destroy']['throttled']} "
            f"throttled, {q['destroy']['groups']} left)")
    errors = [q[p]["error"] for p in ("up", "destroy") if q[p]["error"]]
    return _row(f"{'' if tool == 'ours' else '* '}CLI quota {q['rps']:g}/s, {q['count']} groups, {tool}: "
                "failures / duplicates", f"{failures} / {duplicates}", "0 / 0", None, met,
                note + (f"; {errors[0][:120]}" if errors else ""), diagnostic=tool != "ours")


def render_side_by_side(sb: Results) -> str:
    """Every cell and command: each tool's median seconds (min-max) and API calls, and the
    ratios to the trivial provider (median of the pairs, min-max)."""
    tools = [t for t in ("ours", "trivial", "terraform") if any(t in c["tools"] for c in sb["cells"])]
    head = (["per call", "groups", "parallel", "command"] + [f"{t} s" for t in tools]
            + [f"{t} / trivial" for t in tools if t != "trivial"] + [f"{t} calls" for t in tools if t != "trivial"])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for cell in sb["cells"]:
        for command in COMMANDS:
            row = [f"{cell['latency_s'] * 1000:.0f} ms", str(cell["count"]),
                   "default" if cell["parallel"] is None else str(cell["parallel"]), command]
            for tool in tools:
                t = cell["tools"][tool][command]
                row.append(f"{t['median']:.2f} ({t['min']:.2f}-{t['max']:.2f})" + ("" if t["ok"] else " FAILED"))
            for tool in tools:
                if tool != "trivial":
                    r = cell["ratios"][f"{tool}/trivial"][command]
                    row.append(f"{r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})")
            row += [str(max(cell["tools"][tool][command]["calls"])) for tool in tools if tool != "trivial"]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


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
