#!/usr/bin/env bash
# Set up from nothing (virtualenv, requirements, the package) and run the whole test suite.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: the suite is missing or everything was deselected; treating that as a failure." >&2
    exit 1
fi
exit "$status"
