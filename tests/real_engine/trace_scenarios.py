"""Scenarios whose provider calls are recorded from the real engine (golden traces) and
replayed through harness/, which must make the same calls (issue: a harness that can be
wrong silently is the risk). Each scenario is setup steps, then ONE recorded command.

A step is (command, program, args): command "up" | "preview" | "refresh" | "destroy" | "taint";
program is a source in programs.py (None: keep the current one); args are the CLI's flags,
with "{urn:NAME}" standing for that resource's URN.

Traces are compared per resource, in order: (method, olds sent, id) with ids renamed
id1, id2... in the order that resource's calls show them. Calls of different resources run
in parallel in both engines, so their interleaving is not compared; each resource's own
sequence is what a provider's decisions depend on.
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import programs

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_traces")
ENGINE_VERSION = "v3.260.0"

Step = tuple[str, str | None, tuple[str, ...]]

SCENARIOS: dict[str, list[Step]] = {
    "up_fresh": [("up", programs.TWO_GROUPS, ())],
    "preview_fresh": [("preview", programs.TWO_GROUPS, ())],
    "up_no_change": [("up", programs.TWO_GROUPS, ()), ("up", None, ())],
    "up_tags_update": [("up", programs.TWO_GROUPS, ()), ("up", programs.TWO_GROUPS.replace('"tier": "web"', '"tier": "front"'), ())],
    "up_diff_replace": [("up", programs.TWO_GROUPS, ()), ("up", programs.WEB_SERVERS_CHANGED, ())],
    "preview_diff_replace": [("up", programs.TWO_GROUPS, ()), ("preview", programs.WEB_SERVERS_CHANGED, ())],
    "up_replace_targeted": [("up", programs.TWO_GROUPS, ()), ("up", None, ("--replace", "{urn:web}"))],
    "up_after_taint": [("up", programs.TWO_GROUPS, ()), ("taint", None, ("{urn:web}",)), ("up", None, ())],
    "up_target": [("up", programs.TWO_GROUPS, ("--target", "{urn:web}"))],
    "refresh": [("up", programs.TWO_GROUPS, ()), ("refresh", None, ())],
    "destroy": [("up", programs.TWO_GROUPS, ()), ("destroy", None, ())],
    "up_resource_removed": [("up", programs.TWO_GROUPS, ()), ("up", programs.ONE_GROUP, ())],
}


def normalize(calls: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """{resource name: [[method, olds sent, id symbol], ...]} from raw calls
    ({method, name, olds, id}) in the order each resource's calls started."""
    per_resource: dict[str, list[list[Any]]] = {}
    symbols: dict[str, dict[str, str]] = {}
    for call in calls:
        name = call["name"]
        ids = symbols.setdefault(name, {})
        symbol = None
        if call.get("id"):
            symbol = ids.setdefault(call["id"], f"id{len(ids) + 1}")
        per_resource.setdefault(name, []).append([call["method"], bool(call["olds"]), symbol])
    return dict(sorted(per_resource.items()))


def golden_path(name: str) -> str:
    return os.path.join(GOLDEN_DIR, f"{name}.json")


def load_golden(name: str) -> dict[str, Any]:
    with open(golden_path(name), encoding="utf-8") as source:
        golden: dict[str, Any] = json.load(source)
    return golden


def save_golden(name: str, calls: dict[str, list[list[Any]]]) -> None:
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    document = {"scenario": name, "engine": ENGINE_VERSION, "steps": [[s[0], s[2]] for s in SCENARIOS[name]],
                "calls": calls}
    with open(golden_path(name), "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
        out.write("\n")


def expand(args: tuple[str, ...], urn_of) -> list[str]:
    out = []
    for arg in args:
        if arg.startswith("{urn:") and arg.endswith("}"):
            out.append(urn_of(arg[5:-1]))
        else:
            out.append(arg)
    return out
