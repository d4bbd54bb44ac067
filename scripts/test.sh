#!/usr/bin/env bash
# Set up from nothing (virtualenv, requirements, the package), lint and type-check, and run the test suite.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
# Habits first: the linter over the repository, the strict type checker over provider/
# (both configured in pyproject.toml); a finding fails the run before any test starts.
.venv/bin/python -m ruff check --quiet . || { echo "ruff found problems (above); fix them or run: .venv/bin/ruff check --fix ." >&2; exit 1; }
.venv/bin/python -m mypy || { echo "mypy --strict found problems in provider/ (above)." >&2; exit 1; }
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: the suite is missing or everything was deselected; treating that as a failure." >&2
    exit 1
fi
exit "$status"
