"""README's tables against the tables the code runs on: the generated ones are equal to a fresh
generation, and the arguments table names the group's fields with their replace behaviour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from slb_master_slave.domain import fields

from tools import readme_tables

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(readme_tables.TABLES))
def test_generated_tables_match_the_code(name: str) -> None:
    held = readme_tables.current(README, name)
    assert held is not None, f"README lacks <!-- generated:{name} --> ... <!-- end:{name} -->"
    assert held == readme_tables.TABLES[name](), (
        f"README's {name} table differs from the code: run `python -m tools.readme_tables README.md`")


def arguments_table() -> dict[str, str]:
    """argument -> its 'changing it' column, from README's Arguments section."""
    section = README.split("| argument | meaning | changing it |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| .* \| ([^|]+) \|$", section, re.M)
    return {name: change.strip() for name, change in rows}


def test_the_arguments_table_names_every_group_field_and_how_a_change_applies() -> None:
    table = arguments_table()
    assert set(table) == set(fields.GROUP_FIELD_NAMES)
    for field in fields.GROUP:
        assert ("replaces" in table[field.name]) == field.replaces, field.name


def test_regenerating_is_idempotent_and_fills_empty_markers() -> None:
    assert readme_tables.regenerate(README) == README
    empty = "<!-- generated:servers -->\n<!-- end:servers -->"
    assert readme_tables.current(readme_tables.regenerate(empty), "servers") == readme_tables.server_table()
