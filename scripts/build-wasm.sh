#!/usr/bin/env bash
# Builds the WebAssembly verifier and what is made from it; build outputs, never committed:
# - target/wasm/send0.wasm: send0-ffi without its `client` feature, as a cdylib for
#   wasm32-unknown-unknown (profile wasm: fat LTO, panic = "abort"). It has no imports. Its stack is
#   256 KiB instead of rustc's 1 MiB, because every instance starts with its stack allocated and the
#   Go build keeps one instance per concurrent verify (the deepest input, JSON nested to
#   serde_json's limit of 128, needs far less).
# - bindings-go/internal/wasmcore/core.go: that module translated to Go by wasm2go (pinned in
#   scripts/wasm2go/go.mod), which the Go SDK runs when it is built without cgo.
set -euo pipefail
cd "$(dirname "$0")/.."

target=wasm32-unknown-unknown
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
cargo rustc --locked -p send0-ffi --no-default-features --target "$target" --profile wasm \
    --crate-type cdylib -- -C link-arg=-zstack-size=262144
mkdir -p target/wasm
cp "target/$target/wasm/send0_ffi.wasm" target/wasm/send0.wasm

out=bindings-go/internal/wasmcore
mkdir -p "$out"
# -unsafe: loads and stores through unsafe.Pointer, still bounds-checked (wasm2go's README); it
# runs the hash ~1.4x faster than the default.
go -C scripts/wasm2go tool wasm2go -unsafe -pkg wasmcore -o "$PWD/$out/core.go" "$PWD/target/wasm/send0.wasm"
echo "target/wasm/send0.wasm: $(stat -c %s target/wasm/send0.wasm) bytes ($(gzip -9c target/wasm/send0.wasm | wc -c) gzipped)"
