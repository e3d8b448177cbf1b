#!/usr/bin/env bash
# The Go part of the demo: send0-server on a free port, an endpoint pointing at the Go receiver
# example (net/http + send0.WebhookHandler), a forged delivery refused, one event of each type
# emitted, every delivery verified by the receiver, then the Go management example against the
# same server.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
gobin=target/go-examples
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v go >/dev/null || { echo "demo: go not found: install Go 1.23 or newer" >&2; exit 1; }
[ -x "$bin/send0-server" ] || { echo "demo: $bin/send0-server not found: run make build-rust" >&2; exit 1; }
[ -f target/release/libsend0_ffi.a ] || { echo "demo: target/release/libsend0_ffi.a not found: run make build-go" >&2; exit 1; }

wait_ready() { # file
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 never appeared" >&2; exit 1
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; } # a string field of a one-line JSON object
show() { sed 's/^/  /' "$@"; }

echo "== building the Go examples (examples/go, linking the SDK from bindings-go)"
(cd examples/go && go build -o "../../$gobin/" ./receiver ./manage)

echo "== send0-server: the local send0 API"
"$bin/send0-server" --port 0 --ready-file "$work/server" --retry-schedule 1s,2s,5s > "$work/server.log" 2>&1 &
pids+=($!)
wait_ready "$work/server"
base=$(cat "$work/server")
export SEND0_BASE_URL="$base" SEND0_API_KEY=sk_test_send0_local
auth="Authorization: Bearer $SEND0_API_KEY"
show "$work/server.log"

# The endpoint is created first (its secret is only in this response), then pointed at the
# receiver once the receiver is listening with that secret.
created=$(curl -sf -X POST "$base/v1/webhooks" -H "$auth" \
  -d '{"url":"http://127.0.0.1:9/not-yet","events":["*"],"description":"demo: Go receiver"}')
id=$(field id <<<"$created")
secret=$(field secret <<<"$created")
[ -n "$id" ] && [ -n "$secret" ] || { echo "demo: unexpected create response" >&2; exit 1; }
echo "created endpoint $id (events: *) for examples/go/receiver"

types=(email.queued email.delivered email.opened email.clicked email.bounced email.complained email.failed
       domain.health.degraded platform.test)
SEND0_WEBHOOK_SECRET="$secret" "$gobin/receiver" -port 0 -ready-file "$work/receiver.url" -expect "${#types[@]}" \
  > "$work/receiver.log" 2> "$work/receiver.err" &
receiver=$!
pids+=("$receiver")
wait_ready "$work/receiver.url"
url=$(cat "$work/receiver.url")
curl -sf -X PATCH "$base/v1/webhooks/$id" -H "$auth" -d "{\"url\":\"$url\"}" > /dev/null

# A forged delivery (a signature made with another key) must be refused with 400 and the reason.
status=$(curl -s -o "$work/forged" -w '%{http_code}' -X POST "$url" \
  -H 'content-type: application/json' -H 'webhook-id: msg_forged' -H "webhook-timestamp: $(date +%s)" \
  -H 'webhook-signature: v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJlIQ==' \
  -d '{"eventId":"evt_forged","type":"email.delivered","service":"email","data":{},"livemode":false,"createdAt":0}')
echo "forged delivery to the Go receiver -> HTTP $status $(cat "$work/forged")"
[ "$status" = 400 ] && grep -q 'invalid_signature' "$work/forged" \
  || { echo "demo: the Go receiver did not refuse a forged delivery" >&2; exit 1; }

for t in "${types[@]}"; do
  curl -sf -X POST "$base/v1/events" -H "$auth" -d "{\"type\":\"$t\"}" > /dev/null
done
echo "emitted ${#types[@]} events, one of each type"

# The receiver exits by itself after its ${#types[@]}th verified event; give it 30 s.
for _ in $(seq 1 600); do kill -0 "$receiver" 2>/dev/null || break; sleep 0.05; done
receiver_ok=true
if kill -0 "$receiver" 2>/dev/null; then
  echo "demo: the Go receiver is still waiting for deliveries after 30 s" >&2
  receiver_ok=false
else
  wait "$receiver" || receiver_ok=false
fi
echo "-- examples/go/receiver"
show "$work/receiver.log" "$work/receiver.err"

# The receiver has answered; the server records each attempt right after, so poll briefly.
count_delivered() {
  curl -sf "$base/v1/webhooks/$id/deliveries?limit=100" -H "$auth" | grep -o '"status_code":2[0-9][0-9]' | wc -l | tr -d ' '
}
for _ in $(seq 1 100); do
  delivered=$(count_delivered)
  [ "$delivered" = "${#types[@]}" ] && break
  sleep 0.05
done
verified=$(grep -c '^receiver: verified' "$work/receiver.log" || true)
refused=$(grep -c '^receiver: refused' "$work/receiver.log" || true)
echo "summary: events sent ${#types[@]}, delivered ${delivered}, verified by the Go receiver ${verified}, forged refused ${refused}"
$receiver_ok && [ "$delivered" = "${#types[@]}" ] && [ "$verified" = "${#types[@]}" ] && [ "$refused" = 1 ] \
  || { echo "demo: something was lost" >&2; exit 1; }

echo "== Go management example against the local server"
"$gobin/manage" -emit 2 "http://127.0.0.1:9/unreachable"
echo "== Go demo done"
