#!/usr/bin/env bash
# Builds what npm would serve, into dist/npm, in the napi-rs v3 layout: one package per platform
# (send0-<platform>, holding send0.<platform>.node and nothing else) and the `send0` package (the
# TypeScript build, the ESM entry and napi's generated loader), whose optionalDependencies name every
# platform package at the same version, so npm installs only the one that matches the machine.
# The native modules are cross-compiled with cargo-zigbuild (zig from PyPI) in the dist profile;
# the glibc ones for glibc 2.17, like the wheels. napi's CLI lays out the packages
# (create-npm-dirs, artifacts, pre-publish without publishing), the loader is minified, and `npm
# pack` makes the tarballs,
# each checked against its size goal: 3 MB a platform package, 100 KB the main one. Beside them
# send0-wasm (bindings-node/wasm: the edge build, which send0 depends on at the same version),
# checked against 300 KB.
# Needs `make build-node` (the TypeScript build, the generated loader and the edge build in bindings-node/).
set -euo pipefail
cd "$(dirname "$0")/.."

# rust target:cargo-zigbuild target. The list must match "napi.targets" in bindings-node/package.json.
platforms=(
    x86_64-unknown-linux-gnu:x86_64-unknown-linux-gnu.2.17
    aarch64-unknown-linux-gnu:aarch64-unknown-linux-gnu.2.17
    x86_64-unknown-linux-musl:x86_64-unknown-linux-musl
    aarch64-apple-darwin:aarch64-apple-darwin
    x86_64-apple-darwin:x86_64-apple-darwin
)
max_platform_bytes=$((3 * 1024 * 1024))
max_main_bytes=$((100 * 1024))
max_wasm_bytes=$((300 * 1024))
out=dist/npm
stage=target/npm-stage

. scripts/dist-tools.sh
dist_tools "${platforms[@]%%:*}"

listed=$(node -p 'require("./bindings-node/package.json").napi.targets.join(" ")')
[ "$listed" = "${platforms[*]%%:*}" ] || {
    echo "dist-node.sh: napi.targets in bindings-node/package.json ($listed) differ from this script's" >&2
    exit 1
}
for file in native/index.js native/index.d.ts dist/index.js wasm/edge.mjs wasm/send0.wasm; do
    [ -f "bindings-node/$file" ] || { echo "dist-node.sh: bindings-node/$file is missing: run make build-node" >&2; exit 2; }
done

rm -rf "$out" "$stage"
mkdir -p "$out" "$stage/artifacts"
for platform in "${platforms[@]}"; do
    target=${platform%%:*}
    zig_target=${platform#*:}
    echo "== native module for $target"
    # A musl cdylib must link the C library dynamically: Node itself does.
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static" PATH="$tools:$PATH" \
        cargo zigbuild --locked --profile dist -p send0-node --target "$zig_target"
    case "$target" in
        *-apple-darwin) library=libsend0_node.dylib ;;
        *) library=libsend0_node.so ;;
    esac
    abi=$(cd bindings-node && node -p "require('@napi-rs/cli').parseTriple('$target').platformArchABI")
    cp "target/$target/dist/$library" "$stage/artifacts/send0.$abi.node"
done

echo "== packages"
# The main package: what its "files" lists, from the build in bindings-node/, plus the README.
(cd bindings-node && npm pack --dry-run --json --ignore-scripts) >"$stage/files.json"
node -e '
    const [{ files }] = require(process.argv[1]);
    for (const { path } of files) console.log(path);' "$PWD/$stage/files.json" |
    while read -r path; do
        mkdir -p "$stage/$(dirname "$path")"
        cp "bindings-node/$path" "$stage/$path"
    done
# napi's generated loader names every platform napi knows, with comments: shipped minified
# (whitespace and syntax only, every name kept), the same code in two thirds of the bytes.
"$PWD/bindings-node/node_modules/.bin/esbuild" "$stage/native/index.js" --minify-whitespace --minify-syntax \
    --log-level=warning --allow-overwrite --outfile="$stage/native/index.js"
napi=$PWD/bindings-node/node_modules/.bin/napi
# The registry's send0 depends on send0-wasm by version; in the repository it is the local directory.
# Its manifest drops `scripts` and `devDependencies`.
node -e '
    const fs = require("node:fs");
    const file = process.argv[1];
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    pkg.dependencies["send0-wasm"] = pkg.version;
    // What an install needs, no more: the build scripts and dev tools stay in the repository.
    delete pkg.scripts;
    delete pkg.devDependencies;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$PWD/$stage/package.json"
(cd "$stage" &&
    "$napi" create-npm-dirs --npm-dir npm &&
    "$napi" artifacts --output-dir artifacts --npm-dir npm &&
    "$napi" pre-publish --npm-dir npm --skip-optional-publish)

check_size() { # tarball limit what
    local size
    size=$(stat -c %s "$1")
    echo "$(basename "$1"): $size bytes"
    if [ "$size" -gt "$2" ]; then
        echo "dist-node.sh: $(basename "$1") is over $3" >&2
        exit 1
    fi
}
for dir in "$stage"/npm/*/; do
    tarball=$(cd "$out" && npm pack --silent "$OLDPWD/$dir")
    check_size "$out/$tarball" "$max_platform_bytes" "3 MB"
done
tarball=$(cd "$out" && npm pack --silent "$OLDPWD/$stage")
check_size "$out/$tarball" "$max_main_bytes" "100 KB"
# And what it unpacks to, as the registry shows it.
unpacked=$(tar -xzOf "$out/$tarball" | wc -c)
echo "$tarball unpacked: $unpacked bytes"
[ "$unpacked" -le "$max_main_bytes" ] || { echo "dist-node.sh: $tarball unpacks to over 100 KB" >&2; exit 1; }
version=$(node -p 'require("./bindings-node/package.json").version')
wasm_version=$(node -p 'require("./bindings-node/wasm/package.json").version')
[ "$wasm_version" = "$version" ] || { echo "dist-node.sh: send0-wasm is at $wasm_version, send0 at $version" >&2; exit 1; }
tarball=$(cd "$out" && npm pack --silent "$OLDPWD/bindings-node/wasm")
check_size "$out/$tarball" "$max_wasm_bytes" "300 KB"
node -p 'JSON.stringify(require(process.argv[1]).optionalDependencies)' "$PWD/$stage/package.json"
