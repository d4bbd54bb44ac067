"""The table: one row per figure, measured value, target, ratio to the target, met/missed."""

from __future__ import annotations


def _row(figure, measured, target, ratio, met, note="", diagnostic=False):
    return {"figure": figure, "measured": measured, "target": target,
            "ratio": None if ratio is None else round(ratio, 3), "met": bool(met), "note": note,
            "diagnostic": diagnostic}


def build_rows(r: dict) -> list[dict]:
    rows = []
    if "calls" in r:
        # create: the look-up of this owner's pending groups, the create, its completion;
        # delete: the delete, the look-up (issue 16)
        targets = {"create": 3, "refresh": 1, "tags update": 2, "delete": 2, "no-op up": 0}
        for op, limit in targets.items():
            got = r["calls"]["operations"][op]
            n = got["calls"]
            rows.append(_row(f"API calls: {op}", str(n), f"<= {limit}" if op == "tags update" else str(limit),
                             (n / limit) if limit else None, n <= limit and got["ok"],
                             ", ".join(got["actions"]) or "-"))
        fp = r["calls"]["footprint"]
        rows.append(_row("state: __provider bytes", str(fp["provider_bytes"]), "<= 128",
                         fp["provider_bytes"] / 128, fp["provider_bytes"] <= 128))
        rows.append(_row("state: outputs bytes", str(fp["outputs_bytes"]), "<= 1024",
                         fp["outputs_bytes"] / 1024, fp["outputs_bytes"] <= 1024,
                         f"{fp['outputs_bytes_with_provider']} with __provider"))
    if "checkdiff" in r:
        cd = r["checkdiff"]
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
    if "coldstart" in r:
        cs = r["coldstart"]
        ours, triv = cs["ours"]["total_s"], cs["trivial"]["total_s"]
        ratio = ours / triv
        rows.append(_row("cold start, ours / trivial", f"{ratio:.2f}x", "<= 1.15x", ratio / 1.15, ratio <= 1.15,
                         f"median {ours * 1000:.0f} ms vs {triv * 1000:.0f} ms (first Check "
                         f"{cs['ours']['first_check_s'] * 1000:.0f} vs {cs['trivial']['first_check_s'] * 1000:.0f} ms)"))
    for key, title, limit_factor in (("scale", "scale", 1.25), ("quota", "quota", 1.3),
                                     ("scale_checks_first", "* scale, Checks first", 1.25)):
        if key not in r:
            continue
        s = r[key]
        for phase in ("up", "destroy"):
            p = s[phase]
            limit_s = p.get("limit_s", s["limit_s"])
            ratio = p["seconds"] / limit_s
            met = ratio <= limit_factor and p["failures"] == 0 and p["ok"] and (phase == "up" or s["groups_left"] == 0)
            note = f"{p['seconds']:.2f} s vs limit {limit_s:.2f} s; {p['log']['requests']} requests"
            if "quota" in key:
                note += f", {p['log']['throttled']} Throttling"
            note += f"; failures {p['failures']}"
            if "plan_seconds" in p:
                note += (f"; Check phase alone {p['plan_seconds']:.2f} s, "
                         + ("overlapping the creates" if s.get("pipeline") else "before the creates"))
            if phase == "destroy":
                note += f"; groups left {s['groups_left']}"
            rows.append(_row(f"{title} {s['count']}: {phase} / limit", f"{ratio:.2f}x", f"<= {limit_factor}x",
                             ratio / limit_factor, met, note, diagnostic=key.startswith("scale_checks_first")))
    rc = r.get("real_cli")
    if rc and "skipped" in rc:
        rows.append(_row("real CLI figures", "skipped", "-", None, False, rc["skipped"], diagnostic=True))
    elif rc:
        pv = rc["preview_one_group"]
        rows.append(_row("real CLI: pulumi preview, ours / trivial", f"{pv['ratio']:.2f}x", "<= 1.15x",
                         pv["ratio"] / 1.15, pv["ratio"] <= 1.15,
                         f"median {pv['ours_s']:.2f} s vs {pv['trivial_s']:.2f} s over {pv['runs']} runs ({rc['version']})"))
        for phase, limit_factor in (("up", 1.25), ("destroy", 1.25)):
            p = rc[phase]
            ok = p["groups_created"] == rc["up"]["count"] if phase == "up" else p["groups_left"] == 0
            rows.append(_row(f"real CLI: {phase} {rc['up']['count']} / limit", f"{p['ratio']:.2f}x", f"<= {limit_factor}x",
                             p["ratio"] / limit_factor, p["ratio"] <= limit_factor and ok,
                             f"{p['seconds']:.2f} s vs limit {p['limit_s']:.2f} s "
                             f"({rc['up']['latency_s'] * 1000:.0f} ms per call, 4 workers); {p['api_calls']} API calls"))
    return rows


def render(rows: list[dict]) -> str:
    headers = ["figure", "measured", "target", "of target", "met", "notes"]
    body = [[r["figure"], r["measured"], r["target"], "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
             ("-" if r["diagnostic"] and r["target"] == "-" else ("met" if r["met"] else "MISSED")), r["note"]] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *body)]
    widths[-1] = min(widths[-1], 90)

    def line(cells: list) -> str:
        return "| " + " | ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep] + [line(b) for b in body])
