#!/usr/bin/env bash
# Set up from nothing (virtualenv, requirements, the package), lint and type-check, and run the test suite.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
# The lock must cover what was installed: a package in .venv without a pin in constraints.txt
# (a requirement added without re-running scripts/lock.sh) would float between CI runs.
normalize() { grep -v -e '^#' -e ' @ ' | cut -d= -f1 | tr 'A-Z_.' 'a-z--' | sort -u; }
unpinned=$(comm -23 <(.venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check | normalize) \
                    <(normalize <constraints.txt))
# The lock is complete for the Python it was made with (its header names it); another minor
# version may need backports it cannot list (tomli, exceptiongroup on 3.10): a warning there.
locked_python=$(sed -n 's/.*Python: \([0-9]*\.[0-9]*\).*/\1/p' constraints.txt | head -1)
this_python=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -n "$unpinned" ]; then
    echo "installed but not pinned in constraints.txt: $(echo $unpinned); run scripts/lock.sh and commit it" >&2
    if [ "${CI:-}" = true ] && [ "$locked_python" = "$this_python" ]; then exit 1; fi
fi
# Habits first: the linter and the strict type checker over the repository
# (both configured in pyproject.toml); a finding fails the run before any test starts.
.venv/bin/python -m ruff check --quiet . || { echo "ruff found problems (above); fix them or run: .venv/bin/ruff check --fix ." >&2; exit 1; }
.venv/bin/python -m mypy || { echo "mypy found problems (above); the bar is set in pyproject.toml [tool.mypy]." >&2; exit 1; }
# The real Pulumi CLI for tests/real_engine: found, or built once from the Go module proxy into the
# user's cache (about 6 minutes on 2 cores the first time, with progress lines). Without one those
# tests skip, naming why; everything else runs.
if PULUMI_CLI=$(bash scripts/pulumi-cli.sh); then
    export PULUMI_CLI
    echo "real-engine tests use $("$PULUMI_CLI" version) at $PULUMI_CLI" >&2
    # Which Python language host runs their programs: found as the CLI finds it (harness.pulumi_cli).
    host=$(.venv/bin/python -c 'import sys; from harness.pulumi_cli import find_language_host as f; print(f(sys.argv[1]) or "")' "$PULUMI_CLI")
    if [ -n "$host" ]; then
        echo "real-engine tests run programs through the official Python language host at $host" >&2
    else
        echo "real-engine tests run programs through harness/language_host.py (the SDK's LanguageServer, via the CLI's --client): no pulumi-language-python on PATH or beside the CLI" >&2
    fi
else
    echo "no Pulumi CLI could be found or built (above): tests/real_engine will be skipped" >&2
fi
# Where Python is told not to write bytecode (PYTHONDONTWRITEBYTECODE, set on some CI images),
# every provider, program and emulator process the suite starts would compile this
# repository's modules again: compile them once here (Python still reads what exists).
.venv/bin/python -m compileall -q -j 0 provider emulator harness bench tools >/dev/null
set +e
# Three worker processes, each running whole modules (their module-scoped emulator and
# language host start once): most of the suite waits on subprocesses (the CLI, provider
# processes, the emulator), so three keep two cores busy. SLB_TEST_WORKERS=0 runs
# everything in this process.
workers=${SLB_TEST_WORKERS:-3}
if [ "$workers" = 0 ]; then
    .venv/bin/python -m pytest "$@"
else
    .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
fi
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: the suite is missing or everything was deselected; treating that as a failure." >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
# The mutation check (harness/mutation/targets.py): the functions the safety promise rests on,
# each broken a few ways in a copy of the package that every subprocess imports; a mutant no test
# kills fails the run, naming it. 1.5-2 minutes on 2 shared cores; SLB_MUTATION_CHECK=0 skips it.
if [ "${SLB_MUTATION_CHECK:-1}" = 0 ]; then
    echo "mutation check skipped (SLB_MUTATION_CHECK=0)" >&2
    exit 0
fi
.venv/bin/python -m harness.mutation
