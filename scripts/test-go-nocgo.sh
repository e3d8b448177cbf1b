#!/usr/bin/env bash
# The Go SDK built with CGO_ENABLED=0, where its webhook functions run the core compiled to
# WebAssembly and translated to Go (bindings-go/wasm.go; scripts/build-wasm.sh makes it):
# - go vet, and go test (the fixtures, the handler with real deliveries from send0-server, interop
#   with the Standard Webhooks library, NewClient's error) on this machine;
# - the receiver example (examples/go/receiver) cross-built for linux/arm64, darwin/arm64 and
#   windows/amd64;
# - the package's tests cross-built for linux/arm64 and run under qemu-user.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/clean-room.sh # for arm64_userland

export CGO_ENABLED=0
# go vet skips internal/wasmcore: it is wasm2go's output (it flags the translator's unreachable
# returns), checked by its generator, not written here.
vet() { go vet $(go list ./... | grep -v /internal/wasmcore); }
echo "== go vet, go test (CGO_ENABLED=0)"
(cd bindings-go && vet && go test -count=1 ./...)

out=target/go-nocgo
mkdir -p "$out"
for platform in linux/arm64 darwin/arm64 windows/amd64; do
    goos=${platform%/*}
    goarch=${platform#*/}
    binary="$out/receiver-$goos-$goarch"
    [ "$goos" = windows ] && binary+=.exe
    (cd examples/go && GOOS=$goos GOARCH=$goarch go build -o "../../$binary" ./receiver)
    (cd bindings-go && GOOS=$goos GOARCH=$goarch vet)
    echo "$binary: $(stat -c %s "$binary") bytes"
done

echo "== the tests for linux/arm64, under qemu-user"
arm64_userland
(cd bindings-go && GOOS=linux GOARCH=arm64 go test -c -o "../$out/send0-linux-arm64.test" .)
file "$out/send0-linux-arm64.test" | grep -q 'ARM aarch64' || { echo "not an arm64 binary" >&2; exit 1; }
# The tests start send0-server (built for this machine) and read ../tests/fixtures.
(cd bindings-go && "${run_arm64[@]}" "../$out/send0-linux-arm64.test" -test.count=1 -test.v |
    tee "../$out/arm64.log" | grep -E '^(--- FAIL|FAIL|PASS|ok)' || true)
grep -q '^--- FAIL' "$out/arm64.log" && { cat "$out/arm64.log" >&2; exit 1; }
tail -n 1 "$out/arm64.log" | grep -qx PASS || { cat "$out/arm64.log" >&2; exit 1; }
echo "linux/arm64 under qemu: $(grep -c '^--- PASS' "$out/arm64.log") tests passed, 0 failed"
