#!/usr/bin/env bash
# Prints the absolute path of a working `pulumi` CLI on stdout (progress goes to stderr), found
# or made in this order:
#   1. `pulumi` on PATH;  2. ~/.pulumi/bin/pulumi;  3. the official install, when its download
#   site answers;  4. a build from the Go module proxy, cached under the user's cache folder
#   (${XDG_CACHE_HOME:-~/.cache}/pulumi-slb-master-slave/pulumi-v$PULUMI_VERSION), rebuilt only
#   when PULUMI_VERSION changes. About 6 minutes on 2 cores the first time; then instant.
# Beside a built CLI it writes `pulumi-resource-pulumi-python`, the two-line launcher the engine
# starts Python dynamic providers with (the official one ships in the CLI's archive, not the wheel).
#
# Options: --no-build   never build (exit 1 when nothing is found)
#          --build-only skip 1-3: always use (or make) the cached build, the version the tests pin
# PULUMI_VERSION must equal the `pulumi` pin in requirements.txt: one version for the engine
# and the Python SDK. 3.260.0 is the newest that both PyPI and the Go module proxy serve here.
set -euo pipefail
PULUMI_VERSION="${PULUMI_VERSION:-3.260.0}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-slb-master-slave"
BUILD_DIR="$CACHE_ROOT/pulumi-v$PULUMI_VERSION"
MODE="${1:-}"

say() { printf 'pulumi-cli: %s\n' "$*" >&2; }

works() { [ -x "$1" ] && "$1" version >/dev/null 2>&1; }

if [ "$MODE" != "--build-only" ]; then
    if found=$(command -v pulumi 2>/dev/null) && works "$found"; then echo "$found"; exit 0; fi
    if works "$HOME/.pulumi/bin/pulumi"; then echo "$HOME/.pulumi/bin/pulumi"; exit 0; fi
fi
if works "$BUILD_DIR/bin/pulumi"; then echo "$BUILD_DIR/bin/pulumi"; exit 0; fi
[ "$MODE" = "--no-build" ] && { say "no pulumi CLI found (PATH, ~/.pulumi/bin, $BUILD_DIR/bin) and --no-build given"; exit 1; }

if [ "$MODE" != "--build-only" ] && command -v curl >/dev/null 2>&1; then
    say "trying the official install of v$PULUMI_VERSION (10 s to reach its site)..."
    if installer=$(curl -fsSL --connect-timeout 10 --max-time 30 https://get.pulumi.com 2>/dev/null) \
        && printf '%s' "$installer" | sh -s -- --version "$PULUMI_VERSION" --silent --no-edit-path >&2 2>&1 \
        && works "$HOME/.pulumi/bin/pulumi"; then
        echo "$HOME/.pulumi/bin/pulumi"; exit 0
    fi
    say "the official install is not reachable from here; building from the Go module proxy instead"
fi

command -v go >/dev/null 2>&1 || { say "no pulumi CLI, no route to its download site, and no Go toolchain to build it: install one of them (https://www.pulumi.com/docs/install/)"; exit 1; }

mkdir -p "$BUILD_DIR"
exec 9>"$BUILD_DIR/.lock"
flock 9  # a second caller waits for the first build instead of racing it
if works "$BUILD_DIR/bin/pulumi"; then echo "$BUILD_DIR/bin/pulumi"; exit 0; fi

# A wrapper module: pkg/v3's go.mod has `replace` lines, so `go install pkg/v3/cmd/pulumi@v` is
# refused; a main module that requires pkg/v3 and sdk/v3 at one version (plus pkg's one
# non-local replace, the clipboard fork) builds the same main package. No Pulumi source is copied.
cat >"$BUILD_DIR/go.mod" <<EOF
module local/pulumi-cli-build

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
cat >"$BUILD_DIR/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF

say "building pulumi v$PULUMI_VERSION from the Go module proxy into $BUILD_DIR (once; about 6 minutes on 2 cores)"
started=$(date +%s)
(
    cd "$BUILD_DIR"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go mod tidy
    go build -o bin/pulumi.partial \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
) >"$BUILD_DIR/build.log" 2>&1 &
build=$!
ticks=0
while kill -0 "$build" 2>/dev/null; do
    sleep 2; ticks=$((ticks + 1))
    if [ $((ticks % 15)) -eq 0 ] && kill -0 "$build" 2>/dev/null; then
        say "still building ($(( $(date +%s) - started )) s; log: $BUILD_DIR/build.log)"
    fi
done
if ! wait "$build"; then
    say "the build failed; the last lines of $BUILD_DIR/build.log:"
    tail -n 20 "$BUILD_DIR/build.log" >&2
    exit 1
fi
mv "$BUILD_DIR/bin/pulumi.partial" "$BUILD_DIR/bin/pulumi"

# The engine starts a Python dynamic provider as `pulumi-resource-pulumi-python`, from PATH or
# beside `pulumi`: the stack's virtualenv python when the engine names one, else python3 on PATH.
cat >"$BUILD_DIR/bin/pulumi-resource-pulumi-python" <<'EOF'
#!/bin/sh
venv="${PULUMI_RUNTIME_VIRTUALENV:-}"; case "$venv" in ""|/*) ;; *) venv="$PWD/$venv";; esac
if [ -n "$venv" ] && [ -x "$venv/bin/python" ]; then exec "$venv/bin/python" -u -m pulumi.dynamic "$@"; fi
exec python3 -u -m pulumi.dynamic "$@"
EOF
chmod +x "$BUILD_DIR/bin/pulumi-resource-pulumi-python"
works "$BUILD_DIR/bin/pulumi" || { say "the built binary does not run; see $BUILD_DIR/build.log"; exit 1; }
say "built $("$BUILD_DIR/bin/pulumi" version) in $(( $(date +%s) - started )) s"
echo "$BUILD_DIR/bin/pulumi"
