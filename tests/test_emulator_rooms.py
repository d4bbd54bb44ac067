"""The emulator's modules and who imports whom, read from the source (every import, those
under TYPE_CHECKING too): no module imports one that imports it back, the domain side never
reaches the HTTP side, and the console only renders."""

from __future__ import annotations

import ast
from pathlib import Path

import slb_emulator

PACKAGE = Path(slb_emulator.__file__).parent
# The HTTP side: what reads requests and writes answers.
WIRE_SIDE = {"server", "slb_api", "admin", "admin_guard", "console", "http_base", "responses",
             "request_log", "wire", "parameters", "auth", "server_list"}
# The domain side: the state, its rules and its storage.
DOMAIN_SIDE = {"models", "validation", "backend", "storage", "tables", "seed", "rules",
               "exceptions", "faults"}


def package_imports(source: str) -> set[str]:
    """The package's modules that a module's source imports (relative imports)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    return {path.stem: package_imports(path.read_text(encoding="utf-8"))
            for path in PACKAGE.glob("*.py")}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_every_module_is_on_one_side():
    assert set(import_graph()) - {"__init__", "__main__"} == WIRE_SIDE | DOMAIN_SIDE
    assert not WIRE_SIDE & DOMAIN_SIDE


def test_no_module_reaches_itself_through_its_imports():
    graph = import_graph()
    circles = sorted(module for module in graph if module in reachable(graph, module))
    assert circles == []


def test_the_domain_side_never_reaches_the_http_side():
    graph = import_graph()
    for module in sorted(DOMAIN_SIDE):
        assert reachable(graph, module) & WIRE_SIDE == set(), module


def test_the_console_only_renders_what_it_is_given():
    assert package_imports((PACKAGE / "console.py").read_text(encoding="utf-8")) <= {
        "models", "faults"}


def test_the_two_apis_are_composed_by_the_server_not_derived_from_each_other():
    graph = import_graph()
    assert "slb_api" not in reachable(graph, "admin")
    assert "admin" not in reachable(graph, "slb_api")
    assert {"admin", "slb_api"} <= graph["server"]
