#!/usr/bin/env bash
# The Python wheel as a new user installs it: in a clean room with no Rust toolchain on PATH, a
# fresh HOME and pip cache, `pip install --no-index --only-binary :all:` of the wheel from dist/python
# into a new virtualenv, then tests/dist/smoke.py (every shared fixture, a client call against a
# running send0-server, the version). Needs `make dist` (the wheels) and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

machine=$(uname -m)
wheel=$(ls dist/python/send0-*-manylinux*_"$machine".whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "clean-room-python.sh: no $machine wheel in dist/python: run make dist" >&2; exit 2; }
server=target/debug/send0-server
[ -x "$server" ] || { echo "clean-room-python.sh: $server is missing: cargo build -p send0-server" >&2; exit 2; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
python=$(readlink -f "$(command -v "${PYTHON:-python3}")")

room=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$room"
}
trap cleanup EXIT
mkdir -p "$room/home"
# Nothing of this machine's set-up but the system directories: no cargo, rustc or rustup.
clean=(env -i HOME="$room/home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
    PIP_CACHE_DIR="$room/pip-cache" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1)
if "${clean[@]}" sh -c 'command -v cargo || command -v rustc || command -v rustup' >/dev/null; then
    echo "clean-room-python.sh: a Rust toolchain is on the clean room's PATH" >&2
    exit 2
fi

"$server" --port 0 --ready-file "$room/ready" --deny-egress 0.0.0.0/0 --deny-egress ::/0 >"$room/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$room/ready" ] && break; sleep 0.1; done
[ -s "$room/ready" ] || { cat "$room/server.log" >&2; exit 2; }
base_url=$(head -n 1 "$room/ready")

echo "== clean room: $(basename "$wheel") into a new virtualenv ($("$python" --version))"
"${clean[@]}" "$python" -m venv "$room/venv"
"${clean[@]}" "$room/venv/bin/pip" install --quiet --no-index --only-binary :all: "$repo/$wheel"
(cd "$room" && "${clean[@]}" "$room/venv/bin/python" "$repo/tests/dist/smoke.py" \
    "$repo/tests/fixtures/webhooks" "$base_url" "$version")
