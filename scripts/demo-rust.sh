#!/usr/bin/env bash
# The Rust part of the demo: the receiver example verifies a signed delivery of every event type
# and refuses a forged one.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
work=$(mktemp -d)
trap 'kill "${receiver:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# A fresh secret for this run, as send0 would issue one: whsec_ + base64 of 32 random bytes.
SEND0_WEBHOOK_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
export SEND0_WEBHOOK_SECRET

echo "== Rust: receiver verifying signed deliveries"
"$bin/receiver" --port 0 --ready-file "$work/url" --expect 9 &
receiver=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "the receiver did not start" >&2; exit 1; }
"$bin/send_signed" "$(cat "$work/url")"
wait "$receiver"
receiver=
echo "== Rust demo done"
