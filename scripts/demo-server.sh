#!/usr/bin/env bash
# The local server, end to end: send0-server on a free port, an endpoint pointing at the Rust
# receiver example, one event of each type, every delivery verified, then the management example.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

wait_ready() { # file
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 never appeared" >&2; exit 1
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== send0-server: the local send0 API"
"$bin/send0-server" --port 0 --ready-file "$work/server" --retry-schedule 1s,2s,5s > "$work/server.log" 2>&1 &
pids+=($!)
wait_ready "$work/server"
base=$(cat "$work/server")
export SEND0_BASE_URL="$base" SEND0_API_KEY=sk_test_send0_local
auth="Authorization: Bearer $SEND0_API_KEY"
sed 's/^/  /' "$work/server.log"

# The endpoint is created first (its secret is only in this response), then pointed at the
# receiver once the receiver is listening with that secret.
created=$(curl -sf -X POST "$base/v1/webhooks" -H "$auth" \
  -d '{"url":"http://127.0.0.1:9/not-yet","events":["*"],"description":"demo: Rust receiver"}')
id=$(json '["id"]' <<<"$created")
SEND0_WEBHOOK_SECRET=$(json '["secret"]' <<<"$created")
export SEND0_WEBHOOK_SECRET
echo "created endpoint $id (events: *)"

types=(email.queued email.delivered email.opened email.clicked email.bounced email.complained email.failed
       domain.health.degraded platform.test)
"$bin/receiver" --port 0 --ready-file "$work/receiver" --expect "${#types[@]}" > "$work/receiver.log" 2>&1 &
receiver=$!
pids+=("$receiver")
wait_ready "$work/receiver"
curl -sf -X PATCH "$base/v1/webhooks/$id" -H "$auth" -d "{\"url\":\"$(cat "$work/receiver")\"}" > /dev/null

for t in "${types[@]}"; do
  curl -sf -X POST "$base/v1/events" -H "$auth" -d "{\"type\":\"$t\"}" > /dev/null
done
echo "emitted ${#types[@]} events, one of each type"
wait "$receiver"
sed 's/^/  /' "$work/receiver.log"

# The receiver has answered; the server records each attempt right after, so poll briefly.
count_delivered() {
  curl -sf "$base/v1/webhooks/$id/deliveries?limit=100" -H "$auth" | python3 -c \
    "import json,sys; print(sum(1 for d in json.load(sys.stdin)['data'] if (d['status_code'] or 0) // 100 == 2))"
}
for _ in $(seq 1 100); do
  delivered=$(count_delivered)
  [ "$delivered" = "${#types[@]}" ] && break
  sleep 0.05
done
verified=$(grep -c '^receiver: verified' "$work/receiver.log" || true)
echo "summary: events sent ${#types[@]}, delivered ${delivered}, verified by the Rust receiver ${verified}"
[ "$delivered" = "${#types[@]}" ] && [ "$verified" = "${#types[@]}" ] || { echo "demo: something was lost" >&2; exit 1; }

echo "== Rust management example against the local server"
"$bin/manage" "http://127.0.0.1:9/unreachable"
echo "== server demo done"
