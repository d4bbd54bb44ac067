"""The repository's generators: docs (and, later, code) made from the tables the runtime package runs on.

`python -m tools.readme_tables README.md` rewrites README's generated tables; a test fails when
they are stale. These import the runtime package (`slb_master_slave`); nothing in the runtime
package imports them, and no distribution ships them.
"""
