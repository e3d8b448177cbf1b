#!/usr/bin/env bash
# The Python wheels as a new user installs them: in a clean room with no Rust toolchain on PATH, a
# fresh HOME and pip cache, `pip install --no-index --only-binary :all:` of the wheel from dist/python
# into a new virtualenv, then tests/dist/smoke.py (every shared fixture, a client call against a
# running send0-server, the version). Then the same for the aarch64 wheel under an arm64 CPython in
# qemu-user (Debian's qemu-user-static, installed here when missing): Debian's own arm64 python3 and
# python3-venv with what they depend on, downloaded from the machine's Debian sources by an apt with
# state of its own (no architecture added to dpkg, nothing installed) and unpacked into
# target/arm64-python, which is kept between runs (delete it to take newer packages). That CPython
# makes the virtualenv, and pip (Debian's python3-pip-whl) run by the virtualenv's interpreter
# picks the wheel by its tags and installs it as on an arm64 machine.
# Needs `make dist` (the wheels) and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/clean-room.sh

machine=$(uname -m)
wheel=$(ls dist/python/send0-*-manylinux*_"$machine".whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "clean-room-python.sh: no $machine wheel in dist/python: run make dist" >&2; exit 2; }
wheel_arm64=$(ls dist/python/send0-*-manylinux*_aarch64.whl 2>/dev/null | head -1)
[ -n "$wheel_arm64" ] || { echo "clean-room-python.sh: no aarch64 wheel in dist/python" >&2; exit 2; }
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

# linux/arm64, under emulation. The arm64 CPython: an apt with its own lists, cache and (empty)
# status resolves python3-venv for arm64 from the machine's sources, and dpkg -x unpacks every
# package, libc6 included, into a root that qemu-user is given with -L. It is built aside, then
# renamed, so an interrupted run leaves nothing half made. pip runs from Debian's pip wheel,
# unpacked next to the root (its bytecode is then kept too), and the virtualenv is made
# --without-pip: both `python -m venv` with pip and `python -m pip` inside the virtualenv would
# start a new arm64 process from Python, which qemu-user cannot do without binfmt_misc.
arm64_userland
arm64=$repo/target/arm64-python
if [ ! -x "$arm64/root/usr/bin/python3" ] || [ ! -d "$arm64/pip" ]; then
    echo "== unpacking Debian's python3-venv for arm64 into target/arm64-python"
    rm -rf "$arm64.new"
    mkdir -p "$arm64.new"/{apt/lists/partial,apt/cache/archives/partial,root}
    : >"$arm64.new/apt/status"
    apt_arm64=(apt-get -qq -o APT::Architecture=arm64 -o APT::Architectures=arm64
        -o Dir::State="$arm64.new/apt" -o Dir::State::Lists="$arm64.new/apt/lists"
        -o Dir::State::status="$arm64.new/apt/status" -o Dir::Cache="$arm64.new/apt/cache"
        -o Dir::Cache::archives="$arm64.new/apt/cache/archives")
    "${apt_arm64[@]}" update
    "${apt_arm64[@]}" install --download-only --no-install-recommends -y python3-venv >/dev/null
    for deb in "$arm64.new"/apt/cache/archives/*.deb; do dpkg -x "$deb" "$arm64.new/root"; done
    pip_wheel=$(ls "$arm64.new"/root/usr/share/python-wheels/pip-*.whl)
    "$python" -m zipfile -e "$pip_wheel" "$arm64.new/pip"
    rm -rf "$arm64.new/apt" "$arm64"
    mv "$arm64.new" "$arm64"
fi
# arm64_userland's qemu, with this root as the userland.
python_arm64=("${run_arm64[0]}" -L "$arm64/root" "$arm64/root/usr/bin/python3")
echo "== linux/arm64: $(basename "$wheel_arm64") into a new virtualenv, under CPython" \
    "$("${python_arm64[@]}" -c 'import platform; print(platform.python_version())') for arm64" \
    "in qemu-aarch64"
"${clean[@]}" "${python_arm64[@]}" -m venv --without-pip "$room/venv-arm64"
venv_arm64=("${run_arm64[0]}" -L "$arm64/root" "$room/venv-arm64/bin/python")
"${clean[@]}" "${venv_arm64[@]}" "$arm64/pip/pip" install --quiet --no-index --only-binary :all: \
    "$repo/$wheel_arm64"
(cd "$room" && "${clean[@]}" "${venv_arm64[@]}" "$repo/tests/dist/smoke.py" \
    "$repo/tests/fixtures/webhooks" "$base_url" "$version")
