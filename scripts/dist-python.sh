#!/usr/bin/env bash
# Builds what PyPI would serve, into dist/python: the abi3 wheel for x86_64 and for aarch64, tagged
# manylinux2014 (glibc 2.17) and cross-compiled with maturin's --zig (zig from PyPI), in the dist
# profile; and the sdist. Then checks each wheel with auditwheel and against the 3 MB size goal,
# and that the sdist builds with maturin from a clean directory.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist/python
targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)
max_wheel_bytes=$((3 * 1024 * 1024))

. scripts/dist-tools.sh
dist_tools "${targets[@]}"

rm -rf "$out"
mkdir -p "$out"
for target in "${targets[@]}"; do
    echo "== wheel for $target"
    (cd bindings-python && PATH="$tools:$PATH" maturin build --locked --profile dist --zig \
        --compatibility manylinux2014 --target "$target" --out "../$out")
done
echo "== sdist"
(cd bindings-python && PATH="$tools:$PATH" maturin sdist --out "../$out")

for wheel in "$out"/*.whl; do
    report=$("$tools/auditwheel" show "$wheel")
    if ! grep -q 'consistent with the following platform tag:' <<<"$report" \
        || ! grep -Eq '"manylinux_2_(5|12|17)_(x86_64|aarch64)"' <<<"$report"; then
        echo "$report" >&2
        echo "dist-python.sh: $wheel is not manylinux_2_17 or older" >&2
        exit 1
    fi
    size=$(stat -c %s "$wheel")
    echo "$(basename "$wheel"): $size bytes, $(grep -Eo '"manylinux_[^"]+"' <<<"$report" | head -1)"
    if [ "$size" -gt "$max_wheel_bytes" ]; then
        echo "dist-python.sh: $wheel is over 3 MB" >&2
        exit 1
    fi
done

# The sdist builds on its own: unpacked in an empty directory, with nothing of this checkout and a
# build directory of its own (a debug build: the point is that it compiles, not how fast it runs).
sdist=$(ls "$out"/*.tar.gz)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar -xzf "$sdist" -C "$scratch"
echo "== building $(basename "$sdist") from $scratch"
repo=$PWD
(cd "$scratch"/*/ && CARGO_TARGET_DIR="$repo/target/sdist-check" PATH="$tools:$PATH" \
    maturin build --profile dev --out "$scratch/wheels" >/dev/null)
ls "$scratch"/wheels/*.whl >/dev/null
echo "the sdist builds: $(basename "$(ls "$scratch"/wheels/*.whl)")"
