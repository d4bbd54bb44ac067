#!/usr/bin/env bash
# Quickstart on a fresh machine: the Pulumi CLI (found or built), the root project's virtualenv
# (`pulumi install`, as in any Pulumi project: venv/ from requirements.txt), the local SLB
# emulator, then the root stack (Pulumi.yaml + __main__.py) through preview, up, refresh and
# destroy with the real Pulumi CLI, a local file backend and a passphrase secrets provider; stop
# the emulator. The stack is the quickstart's own (`quickstart`, config in
# Pulumi.quickstart.yaml), made afresh on every run: a stack of yours in this project (a
# Pulumi.dev.yaml, under any passphrase) is neither used nor touched.
# --without-cli: the same stack through the real provider process, the engine played by the test harness.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE_DIR="${QUICKSTART_STATE_DIR:-$ROOT/.pulumi-state}"
STACK="${QUICKSTART_STACK:-quickstart}"

say() { printf '\n== %s\n' "$*"; }
# The first line a background process writes to FILE (its address), waiting up to 10 s.
first_line() {
    local line=""
    for _ in $(seq 1 100); do
        line=$(head -n 1 "$1" 2>/dev/null || true)
        [ -n "$line" ] && break
        sleep 0.1
    done
    printf '%s' "$line"
}

if [ "${1:-}" = "--without-cli" ]; then
    say "virtualenv and install (.venv, scripts/venv.sh)"
    . scripts/venv.sh
    say "preview/up/refresh/destroy through the real provider process, the engine played by the test harness"
    exec .venv/bin/python scripts/quickstart_without_cli.py
fi

say "Pulumi CLI"
# Found on PATH or in ~/.pulumi/bin, else installed, else built from the Go module proxy into
# the user's cache (about 6 minutes the first time on 2 cores; progress lines meanwhile).
PULUMI_BIN=$(bash scripts/pulumi-cli.sh) || {
    echo "no Pulumi CLI could be found, installed or built (above). To watch the same stack go through" >&2
    echo "preview, up, refresh and destroy without it: scripts/quickstart.sh --without-cli" >&2
    exit 1
}
echo "using $("$PULUMI_BIN" version) at $PULUMI_BIN"
export PULUMI_BACKEND_URL="file://$STATE_DIR"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}"
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$STATE_DIR"
CLI_DIR=$(dirname "$(readlink -f "$PULUMI_BIN")")
# The official Python language host, where the CLI finds one: on PATH, else beside the CLI.
HOST=$(command -v pulumi-language-python || true)
if [ -z "$HOST" ] && [ -x "$CLI_DIR/pulumi-language-python" ]; then HOST="$CLI_DIR/pulumi-language-python"; fi
export PATH="$CLI_DIR:$PATH"
CLIENT_ARGS=()
if [ -n "$HOST" ]; then
    # Its folder first on PATH: the CLI takes the plugins it bundles from PATH before the copies
    # beside its binary, so the official pulumi-resource-pulumi-python beside the host starts the
    # dynamic provider, not the launcher scripts/pulumi-cli.sh writes beside a CLI it built.
    export PATH="$(dirname "$HOST"):$PATH"
    echo "programs run by the official Python language host, $HOST"
    say "pulumi install (the project's virtualenv, venv/, from requirements.txt)"
    "$PULUMI_BIN" install
else
    # A CLI built here has no Python language host (the Go module proxy does not serve it): make
    # the virtualenv as the host would, then serve the program with the Python SDK's own
    # language server (harness/language_host.py) and point the CLI at it.
    say "the project's virtualenv (venv/, from requirements.txt, as the language host would make it)"
    [ -x venv/bin/python ] || "${PYTHON:-python3}" -m venv venv
    venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    host_out=$(mktemp)
    PYTHONPATH="$ROOT" venv/bin/python -m harness.language_host >"$host_out" 2>"$host_out.err" &
    HOST_PID=$!
    trap 'kill "$HOST_PID" 2>/dev/null || true' EXIT
    HOST_ADDRESS=$(first_line "$host_out")
    [ -n "$HOST_ADDRESS" ] || { echo "the language host did not start:" >&2; cat "$host_out.err" >&2; exit 1; }
    CLIENT_ARGS=(--client="$HOST_ADDRESS")
    # Without the official host the engine names no virtualenv to the provider launcher, which
    # then runs python3 from PATH: the project's virtualenv first, so the provider has pulumi.
    export PATH="$ROOT/venv/bin:$PATH"
    echo "no pulumi-language-python on PATH or beside the CLI: the program is served by harness/language_host.py at $HOST_ADDRESS (the CLI's --client)"
fi

say "starting the SLB emulator"
emulator_out=$(mktemp)
venv/bin/python -m slb_emulator --port 0 >"$emulator_out" 2>&1 &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" ${HOST_PID:-} 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
ENDPOINT=$(first_line "$emulator_out")
[ -n "$ENDPOINT" ] || { echo "the emulator did not start:" >&2; cat "$emulator_out" >&2; exit 1; }
echo "emulator at $ENDPOINT"

# The quickstart's own stack, made afresh: an earlier run's (under another passphrase, say) goes first.
"$PULUMI_BIN" stack rm --yes --force "$STACK" >/dev/null 2>&1 || true
rm -f "Pulumi.$STACK.yaml"
"$PULUMI_BIN" stack init "$STACK" --non-interactive >/dev/null
"$PULUMI_BIN" config set alicloud:region cn-hangzhou
"$PULUMI_BIN" config set alicloud:accessKey emulator-demo-key
"$PULUMI_BIN" config set --secret alicloud:secretKey emulator-demo-secret
"$PULUMI_BIN" config set slb-master-slave:endpoint "$ENDPOINT"

say "pulumi preview";  "$PULUMI_BIN" preview --non-interactive "${CLIENT_ARGS[@]}"
say "pulumi up";       "$PULUMI_BIN" up --yes --non-interactive "${CLIENT_ARGS[@]}"
say "pulumi preview (right after up: no change expected)"
"$PULUMI_BIN" preview --non-interactive --expect-no-changes "${CLIENT_ARGS[@]}"
say "pulumi refresh";  "$PULUMI_BIN" refresh --yes --non-interactive "${CLIENT_ARGS[@]}"
say "pulumi destroy";  "$PULUMI_BIN" destroy --yes --non-interactive "${CLIENT_ARGS[@]}"

say "what happened"
groups_left=$(venv/bin/python -c "import json,sys,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(len(json.load(o.open(sys.argv[1]+'/_emulator/state'))['groups']))" "$ENDPOINT")
calls=$(venv/bin/python -c "import json,sys,collections,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(dict(collections.Counter(r['action'] for r in json.load(o.open(sys.argv[1]+'/_emulator/requests'))['requests'])))" "$ENDPOINT")
echo "SLB API calls seen by the emulator: $calls"
echo "groups left after destroy: $groups_left"
[ "$groups_left" = "0" ]
