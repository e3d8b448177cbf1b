# Sourced by the clean-room-*.sh scripts: a room (a temporary directory with a fresh HOME, removed
# on exit), the environment its commands run in, and a send0-server to call.
#
#   open_room NAME PATH_DIRS
#       sets $room and $clean (an `env -i` command prefix: HOME in the room, PATH the given
#       directories and the system ones) and fails when a Rust toolchain is on that PATH; a script
#       adds its own variables with `clean+=(VAR=value)`. NAME prefixes error messages.
#   start_server
#       starts target/debug/send0-server, refusing every outbound address, and sets $base_url;
#       it is stopped on exit.
#   arm64_userland [DEBIAN_PACKAGE...]
#       installs Debian's qemu-user-static and libc6-arm64-cross (and the packages given: more
#       arm64 libraries) when missing, and sets $run_arm64 (a command prefix that runs a linux/arm64
#       program under qemu-user with that userland).
#   workspace_version
#       prints the workspace version (Cargo.toml).

room=
server_pid=
close_room() {
    if [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; then
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$room" ]; then
        chmod -R u+w "$room" 2>/dev/null # Go's module cache is read-only
        rm -rf "$room"
    fi
}
trap close_room EXIT

open_room() {
    room_name=$1
    local path=$2
    room=$(mktemp -d)
    mkdir -p "$room/home"
    clean=(env -i HOME="$room/home" PATH="${path:+$path:}/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8)
    if "${clean[@]}" sh -c 'command -v cargo || command -v rustc || command -v rustup' >/dev/null; then
        echo "$room_name: a Rust toolchain is on the clean room's PATH" >&2
        exit 2
    fi
}

start_server() {
    local server=target/debug/send0-server
    [ -x "$server" ] || { echo "$room_name: $server is missing: cargo build -p send0-server" >&2; exit 2; }
    "$server" --port 0 --ready-file "$room/ready" --deny-egress 0.0.0.0/0 --deny-egress ::/0 \
        >"$room/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do [ -s "$room/ready" ] && break; sleep 0.1; done
    [ -s "$room/ready" ] || { cat "$room/server.log" >&2; exit 2; }
    base_url=$(head -n 1 "$room/ready")
}

arm64_userland() {
    local wanted=(qemu-user-static libc6-arm64-cross "$@") missing=() package
    for package in "${wanted[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "== installing ${missing[*]} (Debian)"
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    run_arm64=("$(command -v qemu-aarch64-static)" -L /usr/aarch64-linux-gnu)
}

workspace_version() {
    sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1
}
