#!/usr/bin/env bash
# The Go module as a new user gets it: in a clean room with no Rust toolchain on PATH and fresh
# HOME, GOPATH, module and build caches, a new module `go get`s github.com/send0/send0-go from the
# file-based proxy in dist/goproxy, then builds and runs tests/dist/go (every shared fixture, a
# client call against a running send0-server, the version). The same program is then cross-built
# for linux/arm64 against the module's arm64 library (cgo through zig cc, from PyPI) and run under
# qemu-user (Debian's qemu-user-static, with libc6-arm64-cross), installed here when missing.
# Last, the program built with CGO_ENABLED=0 (the WebAssembly core, no client), for this machine
# and for linux/arm64 under qemu-user.
# Needs `make dist` and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/clean-room.sh

module=github.com/send0/send0-go
version=$(workspace_version)
[ -f "dist/goproxy/$module/@v/v$version.zip" ] || { echo "clean-room-go.sh: no $module v$version in dist/goproxy: run make dist" >&2; exit 2; }
go_bin=$(dirname "$(readlink -f "$(command -v go)")")

# Go and the C compiler cgo needs. GOFLAGS=-mod=mod and GOSUMDB=off only because the proxy is a
# local file one (no checksum database).
open_room clean-room-go.sh "$go_bin"
clean+=(GOPATH="$room/gopath" GOCACHE="$room/gocache" GOMODCACHE="$room/gomodcache" GOTOOLCHAIN=local
    GOPROXY="file://$repo/dist/goproxy" GOFLAGS=-mod=mod GOSUMDB=off CGO_ENABLED=1)
mkdir -p "$room/app"
start_server

echo "== clean room: go get $module@v$version from dist/goproxy ($("$go_bin/go" version))"
cp tests/dist/go/main.go "$room/app/"
cd "$room/app"
"${clean[@]}" go mod init example.com/send0-smoke >/dev/null 2>&1
"${clean[@]}" go get "$module@v$version"
"${clean[@]}" go build -o smoke .
"${clean[@]}" ./smoke "$repo/tests/fixtures/webhooks" "$base_url" "$version"

# linux/arm64, under emulation.
arm64_userland
zig=$(ls "$repo"/target/venv-dist/lib/python3*/site-packages/ziglang/zig | head -1)
echo "== the same program for linux/arm64, run under qemu-aarch64"
# zig's linker takes the unwinder from libunwind (gcc's, on a real arm64 machine, from libgcc_s).
"${clean[@]}" GOARCH=arm64 CC="$zig cc -target aarch64-linux-gnu.2.17" CGO_LDFLAGS=-lunwind \
    go build -o smoke-arm64 .
"${clean[@]}" "${run_arm64[@]}" ./smoke-arm64 \
    "$repo/tests/fixtures/webhooks" "$base_url" "$version"

echo "== the same program with CGO_ENABLED=0 (the WebAssembly core), here and for linux/arm64 under qemu"
"${clean[@]}" CGO_ENABLED=0 go build -o smoke-nocgo .
"${clean[@]}" ./smoke-nocgo "$repo/tests/fixtures/webhooks" no-client "$version"
"${clean[@]}" CGO_ENABLED=0 GOARCH=arm64 go build -o smoke-nocgo-arm64 .
"${clean[@]}" "${run_arm64[@]}" ./smoke-nocgo-arm64 "$repo/tests/fixtures/webhooks" no-client "$version"
