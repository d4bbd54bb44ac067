"""The README's generated tables: each server field and each validation rule, from the tables
the code runs on (fields.SERVER, validation.RULES), and the measured figures, from the
benchmark's results files (tools/readme_figures.py).

README.md holds each between `<!-- generated:NAME -->` and `<!-- end:NAME -->`;
tests/test_readme_tables.py fails when they differ, and
`python -m tools.readme_tables README.md` (from the repository root) rewrites them;
`python -m tools.readme_tables --check README.md` rewrites nothing and exits 1 naming the
tables that differ.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from slb_master_slave.domain import fields
from slb_master_slave.domain.validation import RULES

from tools import readme_figures


def server_table() -> str:
    rows = ["| field | API name | rule | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{f.name}` | `{f.wire}` | {f.rule or 'optional'} | {f.doc} |" for f in fields.SERVER]
    return "\n".join(rows)


def validation_table() -> str:
    rows = ["| code | property | rule | example that breaks it |", "| --- | --- | --- | --- |"]
    rows += [f"| `{r.code}` | `{r.example_path}` | {r.summary} | {r.example} |" for r in RULES]
    return "\n".join(rows)


TABLES = {"servers": server_table, "validation": validation_table, **readme_figures.TABLES}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{name} -->\n)(.*?)(<!-- end:{name} -->)", re.S)


def current(readme: str, name: str) -> str | None:
    """The table README holds under `name`, None when its markers are missing."""
    found = _block(name).search(readme)
    return found.group(2).rstrip("\n") if found else None


def regenerate(readme: str) -> str:
    for name, make in TABLES.items():
        table = make()

        def filled(found: re.Match[str], table: str = table) -> str:
            return found.group(1) + table + "\n" + found.group(3)

        readme = _block(name).sub(filled, readme)
    return readme


def stale(readme: str) -> list[str]:
    """The names of the tables README lacks or holds differently from a fresh generation."""
    return [name for name, make in TABLES.items() if current(readme, name) != make()]


def main(argv: list[str]) -> int:
    args = argv[1:]
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    path = Path(paths[0] if paths else "README.md")
    text = path.read_text(encoding="utf-8")
    if check:
        differ = stale(text)
        if differ:
            print(f"{path}: generated tables missing or stale: {', '.join(differ)}; "
                  f"run `python -m tools.readme_tables {path}`", file=sys.stderr)
            return 1
        return 0
    path.write_text(regenerate(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
