#!/usr/bin/env bash
# Builds the `send0` CLI (crate send0-cli) as a release would ship it, into dist/cli/: one binary
# for linux x64, in the dist profile (fat LTO, one codegen unit, stripped), cross-built with
# cargo-zigbuild (zig from PyPI) for glibc 2.17 like the wheels and the npm modules, so that it runs
# on any glibc Linux of the last decade. Then checks that it runs and says the workspace version.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
zig_target=$target.2.17
max_bytes=$((40 * 1024 * 1024))
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)

. scripts/dist-tools.sh
dist_tools "$target"

echo "== send0 CLI for $zig_target"
PATH="$tools:$PATH" cargo zigbuild --locked --profile dist -p send0-cli --bin send0 --target "$zig_target"
mkdir -p dist/cli
out=dist/cli/send0-$target
cp "target/$target/dist/send0" "$out"
size=$(stat -c %s "$out")
echo "$out: $size bytes"
if [ "$size" -gt "$max_bytes" ]; then
    echo "dist-cli.sh: $out is over 40 MB" >&2
    exit 1
fi
said=$("$out" --version)
if [ "$said" != "send0 $version" ]; then
    echo "dist-cli.sh: $out --version says \`$said\`, not \`send0 $version\`" >&2
    exit 1
fi
echo "$said"
