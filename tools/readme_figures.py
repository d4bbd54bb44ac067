"""README's measured figures, generated from the benchmark's results files.

Every timing, ratio and call count README shows from a measurement is written by a function here
from `bench/results.json` (`python -m bench`) or `bench/results-peers.json` (`python -m bench
peers`), between `<!-- generated:NAME -->` and `<!-- end:NAME -->` markers, as the field tables
are (tools/readme_tables.py registers these beside them). A new benchmark run changes the
results; `python -m tools.readme_tables README.md` then rewrites README, and
tests/test_readme_tables.py fails until it has.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
PEERS = ROOT / "bench" / "results-peers.json"

Json = dict[str, Any]
COMMANDS = ("up", "preview", "refresh", "destroy")


def results() -> Json:
    loaded: Json = json.loads(RESULTS.read_text(encoding="utf-8"))
    return loaded


def peers() -> Json:
    loaded: Json = json.loads(PEERS.read_text(encoding="utf-8"))["peers"]
    return loaded


def _s(seconds: float) -> str:
    return f"{seconds:.1f} s"


def _s2(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _version(text: str) -> str:
    """'1.240.0' -> 'v1.240.0'; 'Terraform v1.5.7' -> 'v1.5.7'."""
    last = text.split()[-1]
    return last if last.startswith("v") else f"v{last}"


# -- the peers' comparison (`python -m bench peers`) --------------------------------------------

def _fault(tool: str, name: str) -> Json:
    faults: Json = peers()["tools"][tool]["faults"]
    found = [value for key, value in faults.items() if key.startswith(name)]
    assert len(found) == 1, f"bench/results-peers.json: no single fault named {name!r} for {tool}"
    return dict(found[0])


def _life(tool: str, count: int, step: str) -> Json:
    step_result: Json = peers()["tools"][tool][f"lifecycle {count}"][step]
    return step_result


def _n(count: int, thing: str) -> str:
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"


def _calls(tool: str, step: str) -> str:
    return f"{_n(_life(tool, 1, step)['calls'], 'call')} / {_n(_life(tool, 50, step)['calls'], 'call')}"


def _wrap(text: str) -> str:
    """A paragraph wrapped as README's prose is (never inside a word, a code span or at a hyphen)."""
    spans = re.split(r"(`[^`]*`)", text)
    glued = "".join(span.replace(" ", "\0") if span.startswith("`") else span for span in spans)
    glued = re.sub(r"(\d) (?=(?:s|ms|min)\b)", "\\1\0", glued)  # a figure stays with its unit
    return textwrap.fill(glued, width=95, break_long_words=False, break_on_hyphens=False).replace("\0", " ")


def _changing_calls(run: Json) -> int:
    return sum(n for action, n in run["actions"].items() if not action.startswith("Describe"))


def _side_cell(latency: float, count: int, parallel: int | None) -> Json:
    for cell in results()["side_by_side"]["cells"]:
        if cell["latency_s"] == latency and cell["count"] == count and cell["parallel"] == parallel:
            found: Json = cell
            return found
    raise AssertionError(f"bench/results.json: no side-by-side cell {latency} s, {count} groups, {parallel}")


def _max_side_calls(count: int, command: str) -> int:
    return max(int(max(cell["tools"]["ours"][command]["calls"])) for cell in results()["side_by_side"]["cells"]
               if cell["count"] == count)


def peers_intro() -> str:
    p = peers()
    v = p["versions"]
    return _wrap(
        f"Compared with the Terraform alicloud provider, **measured side by side** on {p['date']} "
        "(`python -m bench peers`, bench/README.md says how to build the peer and reproduce this): "
        f"Terraform {_version(v['terraform'])} with terraform-provider-alicloud "
        f"{_version(v['terraform-provider-alicloud'])}, and this provider {v['slb-master-slave']} through the real "
        f"`pulumi` CLI {v['pulumi']}, the same declaration (groups with two servers on the emulator's "
        f"`lb-demo-hangzhou`), one emulator, {p['machine']['cpus']} shared cores. Calls are counted in the "
        "emulator's request log, groups in its state; raw figures in `bench/results-peers.json` (this release's "
        "create and destroy calls from `bench/results.json`, the side-by-side run below). pulumi-alicloud (the "
        "bridge of the Terraform provider) is not a column: the Go module proxy here serves none of its versions.")


def peers_table() -> str:
    ours, tf = "ours", "terraform"
    release = peers()["versions"]["slb-master-slave"]
    throttle, throttle_tf = _fault(ours, "throttling burst"), _fault(tf, "throttling burst")
    burst_ours, burst_tf = _fault(ours, "503 burst"), _fault(tf, "503 burst")
    lost_ours, lost_tf = _fault(ours, "create answer lost"), _fault(tf, "create answer lost")
    gone_ours, gone_tf = _fault(ours, "group deleted out of band"), _fault(tf, "group deleted out of band")
    wrong_ours, wrong_tf = _fault(ours, "refresh answered a transient"), _fault(tf, "refresh answered a transient")
    held_ours, held_tf = _fault(ours, "listener holding"), _fault(tf, "listener holding")
    quota_ours, quota_tf = _fault(ours, "quota of 10"), _fault(tf, "quota of 10")
    change_tf = _life(tf, 1, "server change (replace)")
    change_ours = _life(ours, 1, "server change (replace)")
    tf_quota_first = quota_tf["apply under quota"]
    rows = [
        ("create, 1 group / 50 groups",
         f"{_max_side_calls(1, 'up')} calls / {_max_side_calls(50, 'up')} calls "
         f"({_life(ours, 1, 'create')['calls']} / {_life(ours, 50, 'create')['calls']} in {release}, "
         "the release the peers' run measured)",
         f"{_life(tf, 1, 'create')['calls']} calls / {_life(tf, 50, 'create')['calls']} calls"),
        ("no-op preview / plan, 1 / 50",
         f"{_calls(ours, 'no-op plan')} (preview does not refresh)",
         f"{_calls(tf, 'no-op plan')} (plan refreshes first)"),
        ("refresh, 1 / 50", _calls(ours, "refresh"), _calls(tf, "refresh")),
        ("server change (the Slave moved to another server), 1 / 50",
         f"replaced: {change_ours['calls']} calls / {_life(ours, 50, 'server change (replace)')['calls']} calls; "
         "the cloud has the new Slave",
         f"planned as an in-place update whose Update does nothing: {_changing_calls(change_tf)} changing calls; "
         "**the cloud keeps the old Slave**, state records the new one, every later plan shows the change again"),
        ("delete, 1 / 50", _calls(ours, "delete"),
         f"{_calls(tf, 'delete')} (delete, then polls until not found)"),
        ("50 creates under a quota of 10 requests/s (`Throttling.User` beyond it)",
         f"retried with backoff: all {quota_ours['apply under quota']['groups created']} made in "
         f"{_s(quota_ours['apply under quota']['seconds'])} ({quota_ours['apply under quota']['throttled']} calls "
         f"throttled), {_dups(quota_ours)}",
         f"not retried: {tf_quota_first['groups created']} groups made, `... ErrorCode: Throttling.User`; a second "
         "apply (quota kept) replaces the groups whose read-back was throttled (tainted) and makes a few more: "
         f"{quota_tf['outcome']['groups_in_cloud']} of 50 exist"),
        ("3 x `Throttling.User` on the create",
         f"retried: applied, {throttle['apply under fault']['calls']} calls, {_dups(throttle)}",
         f"not retried: `{_short(throttle_tf)}`; the next apply succeeds"),
        ("3 x 503 `ServiceUnavailable` on the create",
         f"retried: applied, {burst_ours['apply under fault']['calls']} calls, {_dups(burst_ours)}",
         f"not retried ({burst_tf['apply under fault']['calls']} call): `... ErrorCode: ServiceUnavailable`; "
         "the next apply succeeds"),
        ("the create's answer lost after the group was made",
         f"settled in the same `up` ({lost_ours['apply under fault']['calls']} calls): {_dups(lost_ours)}, "
         f"{_orphans(lost_ours)}",
         "`Error: [ERROR] ... CreateMasterSlaveServerGroup Failed!!!`; the next apply creates a second group: "
         f"**{_dups(lost_tf)}, {_orphans(lost_tf)}**"),
        ("group deleted out of band, then refresh and apply",
         f"dropped (confirmed by a listing), re-created: {gone_ours['refresh']['calls']} + "
         f"{gone_ours['apply']['calls']} calls",
         f"dropped, re-created: **{gone_tf['refresh']['calls']} + {gone_tf['apply']['calls']} calls**"),
        ("refresh answered one transient `InvalidParameter` while the group exists",
         "refresh fails with the error (`ProviderError: SLB DescribeMasterSlaveServerGroupAttribute failed for "
         "group ...`, shown under a Python traceback), the group stays in state; the next `up`: "
         f"{wrong_ours['apply']['calls']} calls",
         f"refresh succeeds and **drops the group from state** (a wrongful drop); the next apply creates another: "
         f"**{_dups(wrong_tf)}, {_orphans(wrong_tf)}**"),
        ("a listener holding the group at delete (released after 15 s)",
         f"waited out: deleted at {_s(held_ours['destroy finished after s'])}, {held_ours['destroy']['calls']} calls",
         "waited out (`RspoolVipExist` retried up to 5 min): **deleted at "
         f"{_s(held_tf['destroy finished after s'])}**, {held_tf['destroy']['calls']} calls"),
    ]
    lines = ["| measured | this provider (pulumi CLI) | terraform-provider-alicloud (Terraform CLI) |",
             "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def _dups(fault: Json) -> str:
    n = fault["outcome"]["duplicates"]
    return "no duplicate" if n == 0 else f"{n} duplicate"


def _orphans(fault: Json) -> str:
    n = fault["outcome"]["orphans"]
    return "no orphan" if n == 0 else f"{n} orphan"


def _short(fault: Json) -> str:
    error: str = fault["apply under fault"]["first_error"]
    code = error.split("ErrorCode:")[-1].strip()
    return f"Error: [ERROR] ... CreateMasterSlaveServerGroup Failed!!! ... ErrorCode: {code}"


# -- whole commands through the real CLIs (`python -m bench`, side_by_side) ---------------------

def _median(cell: Json, tool: str, command: str) -> float:
    value: float = cell["tools"][tool][command]["median"]
    return value


def _quicker_counts() -> dict[str, int]:
    """command -> in how many cells this provider's median beat Terraform's."""
    cells = results()["side_by_side"]["cells"]
    return {command: sum(1 for cell in cells if _median(cell, "ours", command) < _median(cell, "terraform", command))
            for command in COMMANDS}


def side_by_side() -> str:
    r = results()
    side = r["side_by_side"]
    v = side["versions"]
    cells = side["cells"]
    held_ours, held_tf = _fault("ours", "listener holding"), _fault("terraform", "listener holding")
    gone_ours, gone_tf = _fault("ours", "group deleted out of band"), _fault("terraform", "group deleted out of band")
    ahead = held_ours["destroy finished after s"] - held_tf["destroy finished after s"]
    quicker = _quicker_counts()
    n = len(cells)
    wall = "; ".join(f"`{c}` in {n - quicker[c]} of {n}" for c in COMMANDS if quicker[c] * 2 < n)
    ours_wins = "; ".join(f"`{c}` in {quicker[c]} of {n}" for c in COMMANDS if quicker[c] * 2 >= n)
    host = "the official Python language host" if side["host"]["kind"] == "official" else side["host"]["what"]
    intro = (
        f"Where the peer does better: fewer calls per out-of-band re-create ({gone_tf['refresh']['calls']} + "
        f"{gone_tf['apply']['calls']} against {gone_ours['refresh']['calls']} + {gone_ours['apply']['calls']}), "
        f"a {ahead:.1f} s quicker end to the listener wait (its retry cadence is tighter than our backoff), a plan "
        "that refreshes (it notices drift at plan time; `pulumi preview` needs `--refresh` for that), and **wall time "
        f"per command**: of the {n} cells measured (0 and 100 ms per API call; 1, 5 and 50 groups; the default "
        f"parallelism and 32), Terraform's median was quicker at {wall}; ours at {ours_wins}. Measured side by side "
        f"in one run (`python -m bench`, the `side_by_side` figure; {r['started'][:10]}, {r['machine']['cpus']} shared "
        f"cores; the median of {r['counts']['side_reps']} alternating runs; {host}; this provider "
        f"{v['slb-master-slave']} plus issue 25's changes; every cell in bench/README.md):")
    c50 = _side_cell(0.1, 50, 32)
    c5 = _side_cell(0.0, 5, None)

    def row(label: str, cell: Json, command: str) -> str:
        return (f"| {label} | {_s2(_median(cell, 'ours', command))} | {_s2(_median(cell, 'trivial', command))} | "
                f"{_s2(_median(cell, 'terraform', command))} |")

    quota = side["quota"]
    q_ours, q_tf = quota["ours"]["up"], quota["terraform"]["up"]
    tf_quota = (f"{q_tf['groups']} made, then `Throttling.User`: the apply fails" if not q_tf["ok"]
                else f"all {q_tf['groups']} in {_s(q_tf['seconds'])}")
    ours_quota = (f"all {q_ours['groups']} in {_s(q_ours['seconds'])}, {q_ours['throttled']} calls throttled and "
                  f"retried, {'no duplicate' if q_ours['duplicates'] == 0 else str(q_ours['duplicates']) + ' duplicates'}")
    lines = [
        _wrap(intro), "",
        "| command, groups of two servers | this provider | trivial dynamic provider (same CLI and host, no API call) "
        f"| Terraform {_version(v['terraform'])} + alicloud {_version(v['terraform-provider-alicloud'])} |",
        "| --- | --- | --- | --- |",
        row("`up` of 50, 100 ms per API call, `--parallel 32` (Terraform `-parallelism=32`)", c50, "up"),
        row("`destroy` of 50, 100 ms, `--parallel 32`", c50, "destroy"),
        row("`refresh` of 50, 100 ms, `--parallel 32` (ours reads twice: preview and apply)", c50, "refresh"),
        row("`up` of 5, 0 ms (the emulator answering at once), default parallelism", c5, "up"),
        row("`destroy` of 5, 0 ms, default parallelism", c5, "destroy"),
        f"| {quota['ours']['count']} creates under a quota of {quota['ours']['rps']} requests/s, `--parallel 32` | "
        f"{ours_quota} | - | {tf_quota} |",
        "",
        _wrap(_earlier_run()),
    ]
    return "\n".join(lines)


def _earlier_run() -> str:
    """The peers' run timed single commands too; the side-by-side run is the one to trust for time."""
    p = peers()
    steps = ("create", "no-op plan", "refresh", "server change (replace)", "delete")
    ours = [_life("ours", 1, s)["seconds"] for s in steps]
    tf = [_life("terraform", 1, s)["seconds"] for s in steps]
    return (
        f"An earlier run ({p['date']}, provider {p['versions']['slb-master-slave']}, the emulator answering at once, "
        "the SDK's own LanguageServer as the language host rather than the official one) measured ours faster per "
        f"command than Terraform ({min(ours):.1f}-{max(ours):.1f} s against {min(tf):.1f}-{max(tf):.1f} s for one "
        "group); the official host, which runs the program in a new process and asks pip about the virtualenv on "
        "every command, is what the run above measured. Most of a small command is Pulumi's own Python runtime (the "
        "trivial provider's column); Performance below has the rest.")


# -- the benchmark's headline figures (`python -m bench`) -----------------------------------------

HEADLINE_ROWS = (
    "CLI up 50, 100 ms, --parallel 32: ours / trivial",
    "CLI destroy 50, 100 ms, --parallel 32: ours / trivial",
    "CLI API calls: up of 50 (creates)",
    "CLI API calls: destroy of 50, per group",
    "CLI quota 10/s, 50 groups, ours: failures / duplicates",
    "API calls: create",
    "API calls: delete",
    "Check over gRPC (median/p95 ms)",
    "cold start, ours / trivial",
    "scale 200: up / limit",
    "quota 200: up / limit",
)


def performance() -> str:
    r = results()
    table = {row["figure"]: row for row in r["table"]}
    targets = [row for row in r["table"] if not row["diagnostic"]]
    met = sum(1 for row in targets if row["met"])
    m = r["machine"]
    v = r["side_by_side"]["versions"]
    host = "the official Python language host" if r["side_by_side"]["host"]["kind"] == "official" else "the fallback host"
    lines = [
        _wrap(f"**{met} of {len(targets)} targets met** in the last full run ({r['started'][:10]}, {m['cpus']} cores shared "
        f"with other work, load average {m['load_before'][0]:.1f} at the start and {m['load_after'][0]:.1f} at the end; "
        f"the pulumi CLI {v['pulumi']} with {host}, {v['terraform']} with terraform-provider-alicloud "
        f"{_version(v['terraform-provider-alicloud'])}; each CLI figure the median of {r['counts']['side_reps']} "
        "alternating repetitions). The headline rows (bench/README.md has all of them, each explained, and every "
        "side-by-side cell):"),
        "",
        "| figure | measured | target | met | notes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in HEADLINE_ROWS:
        row = table[name]
        lines.append(f"| {row['figure']} | {row['measured']} | {row['target']} | "
                     f"{'met' if row['met'] else '**missed**'} | {row['note'] or '-'} |")
    return "\n".join(lines)


TABLES = {
    "peers-intro": peers_intro,
    "peers": peers_table,
    "side-by-side": side_by_side,
    "performance": performance,
}
