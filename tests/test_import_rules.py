"""The house's import rules, read from the code with `ast` (nothing is imported or run).

- The runtime package `slb_master_slave` is split into rooms by side (its subpackages, and the
  few modules at its top); each room may import only the rooms its `__init__` docstring
  names, and RULES below is that table: an import the wrong way, or a room missing from the
  table, fails here. The SLB client imports nothing of Pulumi; the domain only its unknown value.
- No module of the repository's packages (the provider's, the emulator, the harness, the
  bench, the generators, the build backend, the tests) imports itself in a circle, through
  any chain of imports at any depth: a lazy import inside a function, or one under
  TYPE_CHECKING, closes a circle as well as a top-level one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .import_graph import reachable

REPO = Path(__file__).resolve().parents[1]
# Each package of the repository: its import name and its folder.
PACKAGES: dict[str, Path] = {
    "slb_master_slave": REPO / "provider" / "slb_master_slave",
    "pulumi_slb_master_slave": REPO / "provider" / "pulumi_slb_master_slave",
    "slb_emulator": REPO / "emulator" / "slb_emulator",
    "harness": REPO / "harness",
    "bench": REPO / "bench",
    "tools": REPO / "tools",
    "tests": REPO / "tests",
}
# Single modules at the repository's top level that are imported by name.
TOP_MODULES: dict[str, Path] = {"workspace_backend": REPO / "build_backend" / "workspace_backend.py"}

RUNTIME = "slb_master_slave"
# room -> the other rooms it may import (lazily, under TYPE_CHECKING or not). A room is a
# subpackage of slb_master_slave or a module at its top; `__init__` is the package's face.
RULES: dict[str, frozenset[str]] = {
    "__init__": frozenset({"program", "provider"}),  # the public names, loaded on first use
    "__main__": frozenset({"audit"}),  # `python -m slb_master_slave audit`
    # the import paths of releases up to 0.4, kept for programs written for them
    "resource": frozenset({"program"}),
    "inputs": frozenset({"program"}),
    "outputs": frozenset({"program"}),
    "lookup": frozenset({"program"}),
    "errors": frozenset(),
    "program": frozenset({"provider", "client", "domain", "errors"}),
    "provider": frozenset({"ownership", "client", "domain", "errors"}),
    "audit": frozenset({"ownership", "client", "domain", "errors"}),
    "ownership": frozenset({"client", "domain", "errors"}),
    "client": frozenset({"domain", "errors"}),
    "domain": frozenset(),
}
# What of Pulumi a room may import (a room not named here may import any of it).
PULUMI_ALLOWED: dict[str, frozenset[str]] = {"client": frozenset(), "domain": frozenset({"pulumi.output"})}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. slb_master_slave.ownership.create
    path: Path

    @property
    def package(self) -> str:
        """The package a relative import in this file starts from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def _modules() -> dict[str, Module]:
    found = {name: Module(name, path) for name, path in TOP_MODULES.items()}
    for top, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = (top, *path.relative_to(folder).with_suffix("").parts)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = Module(name, path)
    return found


MODULES = _modules()


def _imported_names(module: Module) -> Iterator[tuple[int, str]]:
    """(line, dotted name) for every import in the file, at any depth; relative ones made
    absolute; `from X import y` gives X.y (which may be a module) and X."""
    for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _repository_module(name: str) -> str | None:
    """The repository's module a dotted name falls in (the longest that is one), else None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: Module) -> dict[str, int]:
    """The repository's modules this one imports, each with the first line that does (a name
    taken from a package, `from . import x` where x is no module, is an import of the
    package's __init__)."""
    found: dict[str, int] = {}
    for line, name in _imported_names(module):
        target = _repository_module(name)
        if target is not None and target != module.name:
            found.setdefault(target, line)
    return found


def _room(name: str) -> str | None:
    if name != RUNTIME and not name.startswith(RUNTIME + "."):
        return None
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _runtime_modules() -> list[Module]:
    return [m for m in MODULES.values() if _room(m.name) is not None]


def test_the_rule_table_names_every_room() -> None:
    rooms = {_room(m.name) for m in _runtime_modules()}
    assert rooms == set(RULES), f"rooms missing from RULES, or gone from the package: {rooms ^ set(RULES)}"


def test_every_import_between_rooms_is_one_the_table_allows() -> None:
    wrong = []
    for module in _runtime_modules():
        room = _room(module.name)
        assert room is not None
        for line, name in _imported_names(module):
            where = f"{module.path.relative_to(REPO)}:{line} imports {name}"
            target = _room(_repository_module(name) or "")
            if target is not None and target != room and target not in RULES[room]:
                wrong.append(f"{where}: {room} may not import {target}")
            allowed = PULUMI_ALLOWED.get(room)
            if allowed is not None and name.split(".")[0] == "pulumi" and not any(
                    name == a or name.startswith(a + ".") for a in allowed):
                wrong.append(f"{where}: {room} may not import Pulumi's {name}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("room", sorted(room for room in RULES if (PACKAGES[RUNTIME] / room).is_dir()))
def test_each_room_says_what_it_owns_and_what_it_may_import(room: str) -> None:
    """The room's __init__ docstring says what the room owns ("It owns ...") and, in the
    sentence "It may import ...", names in backquotes exactly the rooms RULES allows it."""
    doc = ast.get_docstring(ast.parse((PACKAGES[RUNTIME] / room / "__init__.py").read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split())
    assert "It owns" in text and "It may import" in text, doc
    sentence = text[text.index("It may import"):]
    sentence = sentence[: sentence.find(". ") + 1 or len(sentence)]
    assert set(re.findall(r"`([^`]+)`", sentence)) == RULES[room], sentence


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every set of modules that import one another in a circle (each reaches every other),
    sorted; a few hundred modules, so reachability from each is cheap enough."""
    reach = {node: reachable(graph, node) for node in graph}
    found: list[list[str]] = []
    placed: set[str] = set()
    for node in sorted(graph):
        if node in placed or node not in reach[node]:
            continue
        members = sorted(other for other in reach[node] if node in reach.get(other, set()))
        placed.update(members)
        found.append(members)
    return found


def test_no_module_of_the_repository_imports_itself_in_a_circle() -> None:
    graph = {module.name: imports_of(module) for module in MODULES.values()}
    found = circles(graph)
    described = []
    for members in found:
        inside = set(members)
        arrows = [f"{a} -> {b} ({MODULES[a].path.relative_to(REPO)}:{line})"
                  for a in members for b, line in graph[a].items() if b in inside]
        described.append("a circle of " + ", ".join(members) + ":\n  " + "\n  ".join(arrows))
    assert not found, "\n".join(described)


def test_the_circle_finder_finds_a_circle() -> None:
    """The test above proves nothing if `circles` never finds one: a lazy import closing a
    loop through three modules, and a module beside it that is in none."""
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b": 1}, "b": {}}) == []


def test_imports_are_read_at_any_depth_and_relative_ones_resolved() -> None:
    """A lazy relative import inside a function and one under TYPE_CHECKING are both seen."""
    lifecycle = MODULES["slb_master_slave.provider"]  # imports `lifecycle` inside create()
    assert "slb_master_slave.provider.lifecycle" in imports_of(lifecycle)
    preview = MODULES["slb_master_slave.provider.preview_checks"]  # the model under TYPE_CHECKING
    assert "slb_master_slave.domain.model" in imports_of(preview)
