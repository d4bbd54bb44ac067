"""The emulator's modules and who imports whom, read from the source (every import, those
under TYPE_CHECKING too) and held against the Layout tables of emulator/README.md: every
module has one row, imports only modules below it in its own table or on the domain side,
no module imports one that imports it back, and the console only renders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .import_graph import reachable

EMULATOR = Path(__file__).resolve().parents[1] / "emulator"
PACKAGE = EMULATOR / "slb_emulator"


def layout() -> tuple[list[str], list[str]]:
    """The README's two Layout tables, top to bottom: the HTTP side, the domain side."""
    text = (EMULATOR / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Layout"):]
    http_side, domain_side = section.split("The domain side", 1)

    def modules(table: str) -> list[str]:
        first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
        return [name for cell in first_cells for name in re.findall(r"`([a-z_]+)\.py`", cell)]
    return modules(http_side), modules(domain_side)


def package_imports(module: str) -> set[str]:
    """The package's modules that a module imports (relative imports)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    return {path.stem: package_imports(path.stem) for path in PACKAGE.glob("*.py")}


def test_every_module_has_one_row_in_the_layout():
    http_side, domain_side = layout()
    rows = http_side + domain_side
    assert len(rows) == len(set(rows))
    assert set(rows) == set(import_graph()) - {"__init__"}


def test_no_module_reaches_itself_through_its_imports():
    graph = import_graph()
    assert sorted(module for module in graph if module in reachable(graph, module)) == []


def test_each_module_imports_only_what_stands_below_it():
    http_side, domain_side = layout()
    for table, beside in ((http_side, set(domain_side)), (domain_side, set())):
        for row, module in enumerate(table):
            assert package_imports(module) <= set(table[row + 1:]) | beside, module


def test_the_domain_side_never_reaches_the_http_side():
    http_side, domain_side = layout()
    graph = import_graph()
    for module in domain_side:
        assert reachable(graph, module) & set(http_side) == set(), module


def test_the_console_only_renders_what_it_is_given():
    assert package_imports("console") <= {"models", "faults"}


def test_the_two_apis_are_composed_by_the_server_not_derived_from_each_other():
    graph = import_graph()
    assert "slb_api" not in reachable(graph, "admin")
    assert "admin" not in reachable(graph, "slb_api")
    assert {"admin", "slb_api"} <= graph["server"]
