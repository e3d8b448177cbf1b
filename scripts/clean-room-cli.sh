#!/usr/bin/env bash
# The `send0` CLI binary of dist/cli as a user runs it: in a clean room with no Rust toolchain on
# PATH and a fresh HOME, against a running send0-server: its version, an endpoint created and
# listed, an event triggered, and a sign | verify round trip with a tampered body refused (exit 4).
# Needs `make dist-cli` and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/clean-room.sh

binary=dist/cli/send0-x86_64-unknown-linux-gnu
[ -x "$binary" ] || { echo "clean-room-cli.sh: $binary is missing: run make dist-cli" >&2; exit 2; }
version=$(workspace_version)

open_room clean-room-cli.sh ""
send0=$room/send0
cp "$binary" "$send0"
start_server
clean+=(SEND0_BASE_URL="$base_url")

echo "== clean room: send0 $version against send0-server at $base_url"
said=$("${clean[@]}" "$send0" --version)
[ "$said" = "send0 $version" ] || { echo "clean-room-cli.sh: --version says \`$said\`" >&2; exit 1; }
id=$("${clean[@]}" "$send0" webhooks create --url http://127.0.0.1:9/hooks --json 2>/dev/null |
    sed -n 's/^  "id": "\(wh_[A-Za-z0-9]*\)",$/\1/p')
[ -n "$id" ] || { echo "clean-room-cli.sh: webhooks create gave no id" >&2; exit 1; }
"${clean[@]}" "$send0" webhooks list | grep -q "^$id " || { echo "clean-room-cli.sh: $id is not listed" >&2; exit 1; }
"${clean[@]}" "$send0" trigger email.bounced | grep -q '^triggered email.bounced evt_.* 1 endpoint$'

body='{"type":"email.delivered","data":{}}'
secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
mapfile -t headers < <(printf '%s' "$body" | "${clean[@]}" "$send0" sign --secret "$secret" --id msg_1)
flags=()
for header in "${headers[@]}"; do flags+=(--header "$header"); done
printf '%s' "$body" | "${clean[@]}" "$send0" verify --secret "$secret" "${flags[@]}" | grep -q '^verified email.delivered'
status=0
printf '%s ' "$body" | "${clean[@]}" "$send0" verify --secret "$secret" "${flags[@]}" 2>/dev/null || status=$?
[ "$status" -eq 4 ] || { echo "clean-room-cli.sh: a tampered body exited $status, not 4" >&2; exit 1; }
"${clean[@]}" "$send0" completions bash | grep -q 'complete -F _send0'
echo "clean-room-cli.sh: send0 $version ok (create, list, trigger, sign | verify, completions)"
