"""The side-by-side table (markdown) from bench/results-peers.json's "peers" section."""

from __future__ import annotations

from typing import Any


def _short(error: str) -> str:
    """An error line without the provider's source path (terraform-provider-alicloud@.../x.go:100:)."""
    if "[ERROR]" in error and ".go:" in error:
        head, _, rest = error.partition("[ERROR]")
        error = head + "[ERROR] ..." + rest.split(".go:", 1)[1].split(":", 1)[-1]
    return error[:240].replace("|", "/")


def _op(step: Any) -> str:
    if not isinstance(step, dict) or "calls" not in step:
        return "-"
    text = f"{step['calls']} calls, {step['seconds']:.1f} s"
    if not step["ok"]:
        error = step["first_error"]
        text += f", exit {step['code']}" + (f": `{_short(error)}`" if error else " (changes pending)")
    return text


def _fault(result: dict[str, Any]) -> str:
    """The user's view of one fault scenario, in one cell."""
    parts = []
    for key, step in result.items():
        if isinstance(step, dict) and "calls" in step:
            parts.append(f"{key}: " + ("ok" if step["ok"] else f"error `{_short(step['first_error'])}`")
                         + f" ({step['calls']} calls, {step['seconds']:.1f} s"
                         + (f", {step['throttled']} throttled, {step['groups created']} groups made"
                            if "throttled" in step else "") + ")")
        elif key == "outcome":
            parts.append(f"duplicates {step['duplicates']}, orphans {step['orphans']}")
        elif not isinstance(step, dict):
            parts.append(f"{key}: {step}")
    return "; ".join(parts)


def render(results: dict[str, Any]) -> str:
    tools = list(results.get("tools", {}))
    names = {"terraform": "Terraform + terraform-provider-alicloud", "ours": "this provider (pulumi CLI)"}
    versions = results.get("versions", {})
    lines = [f"Measured {results.get('date')} on {results.get('machine', {}).get('cpus')} cores, one emulator; "
             + ", ".join(f"{k} {v}" for k, v in versions.items()),
             "",
             "| | " + " | ".join(names.get(t, t) for t in tools) + " |",
             "|---|" + "---|" * len(tools)]
    first = results["tools"][tools[0]] if tools else {}
    for section in [k for k in first if k.startswith("lifecycle")]:
        count = section.split()[-1]
        for op in ("create", "no-op plan", "refresh", "server change (replace)", "plan after change", "delete"):
            cells = [_op(results["tools"][t].get(section, {}).get(op)) for t in tools]
            lines.append(f"| {op}, {count} group(s) | " + " | ".join(cells) + " |")
        for after in ("after change", "after delete"):
            cells = []
            for t in tools:
                o = results["tools"][t].get(section, {}).get(after) or {}
                text = f"{o.get('groups_in_cloud', '-')} groups in cloud, {o.get('ids_in_state', '-')} in state"
                if "groups with the new Slave in the cloud" in o:
                    text += f", {o['groups with the new Slave in the cloud']} with the new Slave"
                cells.append(text)
            lines.append(f"| {after}, {count} group(s) | " + " | ".join(cells) + " |")
    for scenario in (first.get("faults") or {}):
        cells = [_fault(results["tools"][t].get("faults", {}).get(scenario, {})) for t in tools]
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
