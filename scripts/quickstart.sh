#!/usr/bin/env bash
# Quickstart on a fresh machine: virtualenv, install, start the local SLB emulator, then take
# the root stack (Pulumi.yaml + __main__.py) through preview, up, refresh and destroy with the
# real Pulumi CLI, a local file backend and a passphrase secrets provider; stop the emulator.
# --without-cli: the same stack through the real provider process, the engine played by the test harness.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE_DIR="${QUICKSTART_STATE_DIR:-$ROOT/.pulumi-state}"
STACK="${QUICKSTART_STACK:-dev}"

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

say "virtualenv and install"
. scripts/venv.sh

if [ "${1:-}" = "--without-cli" ]; then
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
# The dynamic provider's launcher (pulumi-resource-pulumi-python) runs the first python3 on PATH
# unless the engine names the stack's virtualenv: put ours first either way.
export PATH="$ROOT/.venv/bin:$(dirname "$PULUMI_BIN"):$PATH"
CLIENT_ARGS=()
if ! command -v pulumi-language-python >/dev/null 2>&1; then
    # A CLI built here has no Python language host (the Go module proxy does not serve it): serve
    # the program with the Python SDK's own language server and point the CLI at it.
    host_out=$(mktemp)
    .venv/bin/python -m harness.language_host >"$host_out" 2>"$host_out.err" &
    HOST_PID=$!
    trap 'kill "$HOST_PID" 2>/dev/null || true' EXIT
    HOST_ADDRESS=$(first_line "$host_out")
    [ -n "$HOST_ADDRESS" ] || { echo "the language host did not start:" >&2; cat "$host_out.err" >&2; exit 1; }
    CLIENT_ARGS=(--client="$HOST_ADDRESS")
    echo "program served by harness/language_host.py at $HOST_ADDRESS (the CLI's --client)"
fi

say "starting the SLB emulator"
emulator_out=$(mktemp)
.venv/bin/python -m slb_emulator --port 0 >"$emulator_out" 2>&1 &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" ${HOST_PID:-} 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
ENDPOINT=$(first_line "$emulator_out")
[ -n "$ENDPOINT" ] || { echo "the emulator did not start:" >&2; cat "$emulator_out" >&2; exit 1; }
echo "emulator at $ENDPOINT"

export PULUMI_BACKEND_URL="file://$STATE_DIR"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}"
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$STATE_DIR"
"$PULUMI_BIN" stack select --create "$STACK" --non-interactive >/dev/null
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
groups_left=$(.venv/bin/python -c "import json,sys,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(len(json.load(o.open(sys.argv[1]+'/_emulator/state'))['groups']))" "$ENDPOINT")
calls=$(.venv/bin/python -c "import json,sys,collections,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(dict(collections.Counter(r['action'] for r in json.load(o.open(sys.argv[1]+'/_emulator/requests'))['requests'])))" "$ENDPOINT")
echo "SLB API calls seen by the emulator: $calls"
echo "groups left after destroy: $groups_left"
[ "$groups_left" = "0" ]
