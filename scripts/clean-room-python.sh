#!/usr/bin/env bash
# The Python wheel as a new user installs it: in a clean room with no Rust toolchain on PATH, a
# fresh HOME and pip cache, `pip install --no-index --only-binary :all:` of the wheel from dist/python
# into a new virtualenv, then tests/dist/smoke.py (every shared fixture, a client call against a
# running send0-server, the version). Needs `make dist` (the wheels) and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/clean-room.sh

machine=$(uname -m)
wheel=$(ls dist/python/send0-*-manylinux*_"$machine".whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "clean-room-python.sh: no $machine wheel in dist/python: run make dist" >&2; exit 2; }
version=$(workspace_version)
python=$(readlink -f "$(command -v "${PYTHON:-python3}")")

open_room clean-room-python.sh ""
clean+=(PIP_CACHE_DIR="$room/pip-cache" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1)
start_server

echo "== clean room: $(basename "$wheel") into a new virtualenv ($("$python" --version))"
"${clean[@]}" "$python" -m venv "$room/venv"
"${clean[@]}" "$room/venv/bin/pip" install --quiet --no-index --only-binary :all: "$repo/$wheel"
(cd "$room" && "${clean[@]}" "$room/venv/bin/python" "$repo/tests/dist/smoke.py" \
    "$repo/tests/fixtures/webhooks" "$base_url" "$version")
