# Sourced by scripts/test.sh (and `scripts/quickstart.sh --without-cli`) from the repository
# root: create the developer's virtualenv .venv if it is missing and install
# requirements-dev.txt into it (this package, the emulator, the tests' and linters' needs); on
# a failed install, show pip's output and stop. Versions come from constraints.txt (made by
# scripts/lock.sh), so every run resolves the same ones. The root project's own virtualenv is
# `venv` (Pulumi.yaml), made by `pulumi install` from requirements.txt alone.
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
venv_log=$(mktemp)
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt >"$venv_log" 2>&1; then
    cat "$venv_log" >&2
    rm -f "$venv_log"
    exit 1
fi
rm -f "$venv_log"
