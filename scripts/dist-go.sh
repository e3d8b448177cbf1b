#!/usr/bin/env bash
# Builds the Go module as a release job would push it to its own repository, into dist/go/send0-go:
# the package's sources (with the core translated from WebAssembly for builds without cgo), its README.md and runnable examples (example_test.go: pkg.go.dev shows
# them; the other tests need the repository and stay out), the C header, and the core's static
# library prebuilt per platform under lib/<goos>_<goarch>/, each linked by a
# `#cgo <goos>,<goarch> LDFLAGS` line of the generated link.go. Then publishes it at the workspace
# version into dist/goproxy, a file-based module proxy (scripts/goproxy), so that
# `GOPROXY=file://$PWD/dist/goproxy go get` works as it would against the real proxy. The libraries
# are built here and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."

module=github.com/send0/send0-go
version=v$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
# GOOS_GOARCH:rust target
platforms=(linux_amd64:x86_64-unknown-linux-gnu linux_arm64:aarch64-unknown-linux-gnu)
max_lib_bytes=$((25 * 1024 * 1024))
tree=dist/go/send0-go

. scripts/dist-tools.sh
dist_tools "${platforms[@]#*:}"
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
strip=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-strip

rm -rf "$tree" dist/goproxy
mkdir -p "$tree/include"
for file in bindings-go/*.go; do
    case "$file" in *_test.go | bindings-go/link.go) continue ;; esac
    # Imports of the package's own subpackages name the released module.
    sed "s#github.com/send0/send0-sdk/bindings-go#$module#g" "$file" >"$tree/${file#bindings-go/}"
done
cp bindings-go/include/send0.h "$tree/include/"
# The core compiled to WebAssembly and translated to Go, for builds without cgo (wasm.go).
scripts/build-wasm.sh
mkdir -p "$tree/internal/wasmcore"
cp bindings-go/internal/wasmcore/core.go "$tree/internal/wasmcore/"
cp bindings-go/README.md "$tree/"
# The examples import the package by the repository's module path: the released one is $module.
sed "s#github.com/send0/send0-sdk/bindings-go#$module#g" bindings-go/example_test.go >"$tree/example_test.go"
printf 'module %s\n\ngo 1.23\n' "$module" >"$tree/go.mod"

link="$tree/link.go"
{
    echo "//go:build cgo && linux && (amd64 || arm64)"
    echo
    echo "package send0"
    echo
    echo "// The send0 core's static library, prebuilt for each platform under lib/ (scripts/dist-go.sh)."
    echo
} >"$link"
for platform in "${platforms[@]}"; do
    goplatform=${platform%%:*}
    target=${platform#*:}
    echo "== static library for $goplatform ($target)"
    PATH="$tools:$PATH" cargo zigbuild --locked --profile dist -p send0-ffi --target "$target"
    dir="$tree/lib/$goplatform"
    mkdir -p "$dir"
    cp "target/$target/dist/libsend0_ffi.a" "$dir/"
    "$strip" --strip-debug "$dir/libsend0_ffi.a"
    size=$(stat -c %s "$dir/libsend0_ffi.a")
    echo "lib/$goplatform/libsend0_ffi.a: $size bytes"
    if [ "$size" -gt "$max_lib_bytes" ]; then
        echo "dist-go.sh: lib/$goplatform/libsend0_ffi.a is over 25 MB" >&2
        exit 1
    fi
    # A Go file keeps the directory in `go mod vendor`, which copies only directories with Go files.
    printf '// Package %s holds the send0 core'\''s static library for %s; it has no Go API.\npackage %s\n' \
        "$goplatform" "${goplatform/_//}" "$goplatform" >"$dir/lib.go"
    goos=${goplatform%_*}
    goarch=${goplatform#*_}
    echo "// #cgo $goos,$goarch LDFLAGS: \${SRCDIR}/lib/$goplatform/libsend0_ffi.a -lm -ldl -lpthread" >>"$link"
done
echo 'import "C"' >>"$link"
gofmt -l "$tree" | grep . && { echo "dist-go.sh: the module tree is not gofmt-clean" >&2; exit 1; }

echo "== $module@$version into dist/goproxy"
(cd scripts/goproxy && go run . "$OLDPWD/$tree" "$OLDPWD/dist/goproxy" "$version")
find dist/goproxy -type f | sort
