#!/usr/bin/env bash
# Builds the peers the side-by-side bench (`python -m bench peers`) runs against the emulator,
# from the Go module proxy, into the user's cache (never the repository):
#   ${XDG_CACHE_HOME:-~/.cache}/pulumi-slb-master-slave/peers/
#     bin/terraform                                   Terraform v$TERRAFORM_VERSION (go install: its
#                                                     go.mod has no replace lines)
#     bin/terraform-provider-alicloud_v$ALICLOUD_VERSION
#     plugins/registry.terraform.io/aliyun/alicloud/$ALICLOUD_VERSION/linux_amd64/...
#                                                     the filesystem mirror `terraform init` reads
#                                                     (bench/peers/terraform.py writes a CLI config
#                                                     pointing there: no registry, no network)
#     logs/  build logs and the measured build times (build-times.txt)
# Each binary is built once and kept; every go build runs under `nice -n 19` (shared machine).
# The provider is built in a small wrapper module (`go build` of its main package): `go install
# ...@v1.240.0` is refused here because the proxy answers 403 to the module's version list,
# which `go install pkg@version` reads to check for deprecation. If Terraform will not build,
# OpenTofu v$TOFU_VERSION is tried instead (installed as bin/tofu).
#
# Usage: bench/peers/build.sh                 build what is missing (progress on stderr)
#        bench/peers/build.sh --print-paths   print the absolute paths of what is built (the
#                                             CLI, then the provider), one a line; build nothing;
#                                             exit 1 when either is missing
set -euo pipefail
TERRAFORM_VERSION="${TERRAFORM_VERSION:-1.5.7}"
TOFU_VERSION="${TOFU_VERSION:-1.6.3}"
# v1.240.0: the newest tag the Go module proxy serves here (v1.245.0 .. v1.265.0 answer 403).
ALICLOUD_VERSION="${ALICLOUD_VERSION:-1.240.0}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-slb-master-slave/peers"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
PROVIDER="$BIN/terraform-provider-alicloud_v$ALICLOUD_VERSION"
MIRROR_DIR="$CACHE/plugins/registry.terraform.io/aliyun/alicloud/$ALICLOUD_VERSION/linux_amd64"

say() { printf 'peers-build: %s\n' "$*" >&2; }

cli_path() {
    if [ -x "$BIN/terraform" ]; then echo "$BIN/terraform"; elif [ -x "$BIN/tofu" ]; then echo "$BIN/tofu"; fi
}

if [ "${1:-}" = "--print-paths" ]; then
    cli=$(cli_path)
    [ -n "$cli" ] && [ -x "$PROVIDER" ] || exit 1
    echo "$cli"
    echo "$PROVIDER"
    exit 0
fi

command -v go >/dev/null 2>&1 || { say "no Go toolchain: install Go 1.24+"; exit 1; }
mkdir -p "$BIN" "$LOGS" "$MIRROR_DIR"
exec 9>"$CACHE/.lock"
flock 9

# Runs "$@" in the background under nice, printing a progress line every 30 s; records the time.
timed() {
    local name=$1; shift
    local log="$LOGS/$name.log" start=$SECONDS
    say "building $name (log: $log)"
    nice -n 19 "$@" >"$log" 2>&1 &
    local pid=$!
    local next=30
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if [ $((SECONDS - start)) -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
            say "$name: still building, $((SECONDS - start)) s"
            next=$((next + 30))
        fi
    done
    if wait "$pid"; then
        say "$name: built in $((SECONDS - start)) s"
        echo "$name $((SECONDS - start)) s $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOGS/build-times.txt"
    else
        say "$name: build FAILED after $((SECONDS - start)) s; last lines of $log:"
        tail -n 20 "$log" >&2
        return 1
    fi
}

if [ -z "$(cli_path)" ]; then
    if ! GOBIN="$BIN" timed "terraform-v$TERRAFORM_VERSION" go install "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"; then
        say "Terraform did not build; trying OpenTofu v$TOFU_VERSION"
        GOBIN="$BIN" timed "tofu-v$TOFU_VERSION" go install "github.com/opentofu/opentofu/cmd/tofu@v$TOFU_VERSION"
    fi
else
    say "CLI already built: $(cli_path)"
fi

if [ ! -x "$PROVIDER" ]; then
    wrap="$CACHE/wrap-alicloud"
    mkdir -p "$wrap"
    # A wrapper main module that requires the provider's module; `go build` then builds the
    # provider's own main package, with the provider's go.mod deciding every dependency.
    cat >"$wrap/go.mod" <<EOF
module peers.local/alicloudwrap

go 1.23
EOF
    cat >"$wrap/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/aliyun/terraform-provider-alicloud/alicloud"
EOF
    (cd "$wrap" && timed "alicloud-get-v$ALICLOUD_VERSION" go get "github.com/aliyun/terraform-provider-alicloud@v$ALICLOUD_VERSION")
    (cd "$wrap" && timed "terraform-provider-alicloud-v$ALICLOUD_VERSION" \
        go build -o "$PROVIDER" "github.com/aliyun/terraform-provider-alicloud")
else
    say "provider already built: $PROVIDER"
fi

# The filesystem mirror: a copy (not a link: Terraform hashes what it finds).
target="$MIRROR_DIR/terraform-provider-alicloud_v$ALICLOUD_VERSION"
if [ ! -x "$target" ] || ! cmp -s "$PROVIDER" "$target"; then
    cp "$PROVIDER" "$target"
    say "provider placed in the filesystem mirror: $target"
fi
# Also Terraform's implicit local mirror, so a plain `terraform init` on this machine finds it.
home_mirror="$HOME/.terraform.d/plugins/registry.terraform.io/aliyun/alicloud/$ALICLOUD_VERSION/linux_amd64"
if [ ! -x "$home_mirror/terraform-provider-alicloud_v$ALICLOUD_VERSION" ] \
    || ! cmp -s "$PROVIDER" "$home_mirror/terraform-provider-alicloud_v$ALICLOUD_VERSION"; then
    mkdir -p "$home_mirror" && cp "$PROVIDER" "$home_mirror/"
    say "and in $home_mirror"
fi
say "done: $(cli_path) and $PROVIDER"
