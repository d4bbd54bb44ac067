"""The repository's generators: code and docs made from the tables the runtime package runs on.

`python -m tools.generate_types` writes `provider/slb_master_slave/program/generated_types.py` (the
program's args, output and resource types) from the field table; `python -m tools.readme_tables
README.md` rewrites README's generated tables. Run them from the repository root; each has a
test that fails while what it writes is stale (tests/test_field_table.py,
tests/test_readme_tables.py). These import the runtime package (`slb_master_slave`); nothing in
the runtime package imports them, and no distribution ships them.
"""
