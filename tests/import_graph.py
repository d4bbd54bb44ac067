"""Walking an import graph read from the source (tests/test_import_rules.py for the repository,
tests/test_emulator_rooms.py for the emulator's rooms): module -> the modules it imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> set[str]:
    """Every module reached from `start` through one import or more (`start` itself only when
    a chain of imports leads back to it)."""
    reached: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo.extend(graph.get(node, ()))
    return reached
