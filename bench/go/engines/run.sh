#!/usr/bin/env bash
# wasm2go beside wazero on the core's WebAssembly build (engines_test.go): translates
# target/wasm/send0.wasm (scripts/build-wasm.sh makes it) into ./wasm2go with the pinned wasm2go,
# then the cold start, the per-call benchmark, and the size each engine adds to a binary.
#
#   bench/go/engines/run.sh [BENCHTIME]     (default 2s)
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../../.. && pwd)
[ -f "$root/target/wasm/send0.wasm" ] || { echo "no target/wasm/send0.wasm: run scripts/build-wasm.sh" >&2; exit 1; }
mkdir -p wasm2go
go -C "$root/scripts/wasm2go" tool wasm2go -unsafe -pkg wasm2go -o "$PWD/wasm2go/core.go" "$root/target/wasm/send0.wasm"
export CGO_ENABLED=0
go test -count=1 -run TestColdStart -v . | grep -E 'wasm2go|wazero'
go test -count=1 -run '^$' -bench . -benchtime "${1:-2s}" . | grep '^Benchmark'

# The size each adds: the same small program (net/http, encoding/json) without an engine, with
# wasm2go's translation, and with wazero compiling the module (embedded, as a user would ship it).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/target/wasm/send0.wasm" sizes/wazero/send0.wasm
for program in none wasm2go wazero; do
    mkdir -p "$work/$program"
    go build -o "$work/$program.bin" "./sizes/$program"
    echo "binary with $program: $(stat -c %s "$work/$program.bin") bytes"
done
