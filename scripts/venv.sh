# Sourced by scripts/test.sh and scripts/quickstart.sh from the repository root: create
# .venv if it is missing and install the requirements and this package into it; on a
# failed install, show pip's output and stop. Versions come from constraints.txt (made by
# scripts/lock.sh), so every run resolves the same ones.
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
venv_log=$(mktemp)
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements.txt -e . >"$venv_log" 2>&1; then
    cat "$venv_log" >&2
    rm -f "$venv_log"
    exit 1
fi
rm -f "$venv_log"
