#!/usr/bin/env bash
# Quickstart on a fresh machine: virtualenv, install, start the local SLB emulator, then take
# the root stack (Pulumi.yaml + __main__.py) through preview, up, refresh and destroy with the
# real Pulumi CLI, a local file backend and a passphrase secrets provider; stop the emulator.
# --without-cli: the same stack through the real provider process, the engine played by the test harness.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE_DIR="$ROOT/.pulumi-state"
STACK="${QUICKSTART_STACK:-dev}"

say() { printf '\n== %s\n' "$*"; }

say "virtualenv and install"
. scripts/venv.sh

if [ "${1:-}" = "--without-cli" ]; then
    say "preview/up/refresh/destroy through the real provider process, the engine played by the test harness"
    exec .venv/bin/python scripts/quickstart_without_cli.py
fi

say "Pulumi CLI"
PULUMI_BIN="$(command -v pulumi || true)"
if [ -z "$PULUMI_BIN" ] && [ -x "$HOME/.pulumi/bin/pulumi" ]; then PULUMI_BIN="$HOME/.pulumi/bin/pulumi"; fi
if [ -z "$PULUMI_BIN" ]; then
    echo "pulumi is not installed; installing it through the Automation API (PulumiCommand.install)..."
    if ! .venv/bin/python - <<'PY'
import os, sys
from pulumi.automation import PulumiCommand
try:
    cmd = PulumiCommand.install(root=os.path.expanduser("~/.pulumi"))
except Exception as error:  # no route to the download site, for one
    print(f"  could not install the Pulumi CLI: {type(error).__name__}: {error}", file=sys.stderr)
    sys.exit(1)
print(f"  installed {cmd.command}")
PY
    then
        cat >&2 <<'MSG'

The Pulumi CLI is missing and could not be downloaded from here (no network route to its
download site). Install it by hand, then run this script again:
    curl -fsSL https://get.pulumi.com | sh        # or: brew install pulumi
    see https://www.pulumi.com/docs/install/
To watch the same stack go through preview, up, refresh and destroy without the CLI (the
real provider process and emulator; the engine's part played by the project's test harness):
    scripts/quickstart.sh --without-cli
MSG
        exit 1
    fi
    PULUMI_BIN="$HOME/.pulumi/bin/pulumi"
fi
echo "using $("$PULUMI_BIN" version) at $PULUMI_BIN"

say "starting the SLB emulator"
emulator_out=$(mktemp)
.venv/bin/python -m slb_emulator --port 0 >"$emulator_out" 2>&1 &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    ENDPOINT=$(head -n 1 "$emulator_out" 2>/dev/null || true)
    [ -n "$ENDPOINT" ] && break
    sleep 0.1
done
[ -n "${ENDPOINT:-}" ] || { echo "the emulator did not start:" >&2; cat "$emulator_out" >&2; exit 1; }
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

say "pulumi preview";  "$PULUMI_BIN" preview --non-interactive
say "pulumi up";       "$PULUMI_BIN" up --yes --non-interactive
say "pulumi refresh";  "$PULUMI_BIN" refresh --yes --non-interactive
say "pulumi destroy";  "$PULUMI_BIN" destroy --yes --non-interactive

say "what happened"
groups_left=$(.venv/bin/python -c "import json,sys,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(len(json.load(o.open(sys.argv[1]+'/_emulator/state'))['groups']))" "$ENDPOINT")
calls=$(.venv/bin/python -c "import json,sys,collections,urllib.request as u; o=u.build_opener(u.ProxyHandler({})); print(dict(collections.Counter(r['action'] for r in json.load(o.open(sys.argv[1]+'/_emulator/requests'))['requests'])))" "$ENDPOINT")
echo "SLB API calls seen by the emulator: $calls"
echo "groups left after destroy: $groups_left"
[ "$groups_left" = "0" ]
