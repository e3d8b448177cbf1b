#!/usr/bin/env bash
# The Python part of the demo: send0-server on a free port, one endpoint pointing at the Flask
# receiver example and one at the http.server receiver example, a forged delivery refused by each,
# one event of each type emitted, every delivery verified by both receivers, then the Python
# management example (sync and asyncio) against the same server.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
py=${PYTHON_VENV:-target/venv-python}/bin/python
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -x "$py" ] || { echo "demo: $py not found: run make setup-python" >&2; exit 1; }
[ -x "$bin/send0-server" ] || { echo "demo: $bin/send0-server not found: run make build-rust" >&2; exit 1; }

wait_ready() { # file
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 never appeared" >&2; exit 1
}
json() { "$py" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
show() { sed 's/^/  /' "$@"; }

echo "== send0-server: the local send0 API"
"$bin/send0-server" --port 0 --ready-file "$work/server" --retry-schedule 1s,2s,5s > "$work/server.log" 2>&1 &
pids+=($!)
wait_ready "$work/server"
base=$(cat "$work/server")
export SEND0_BASE_URL="$base" SEND0_API_KEY=sk_test_send0_local
auth="Authorization: Bearer $SEND0_API_KEY"
show "$work/server.log"

types=(email.queued email.delivered email.opened email.clicked email.bounced email.complained email.failed
       domain.health.degraded platform.test)
receivers=(flask stdlib)
declare -A id pid

# Each endpoint is created first (its secret is only in this response), then pointed at its
# receiver once the receiver is listening with that secret.
for r in "${receivers[@]}"; do
  created=$(curl -sf -X POST "$base/v1/webhooks" -H "$auth" \
    -d "{\"url\":\"http://127.0.0.1:9/not-yet\",\"events\":[\"*\"],\"description\":\"demo: Python $r receiver\"}")
  id[$r]=$(json '["id"]' <<<"$created")
  secret=$(json '["secret"]' <<<"$created")
  echo "created endpoint ${id[$r]} (events: *) for examples/python/receiver_$r.py"
  SEND0_WEBHOOK_SECRET="$secret" "$py" "examples/python/receiver_$r.py" --port 0 --ready-file "$work/$r.url" \
    --expect "${#types[@]}" > "$work/$r.log" 2> "$work/$r.err" &
  pid[$r]=$!
  pids+=("${pid[$r]}")
  wait_ready "$work/$r.url"
  curl -sf -X PATCH "$base/v1/webhooks/${id[$r]}" -H "$auth" -d "{\"url\":\"$(cat "$work/$r.url")\"}" > /dev/null
done

# A forged delivery (a signature made with another key) must be refused with 400 and the reason.
for r in "${receivers[@]}"; do
  status=$(curl -s -o "$work/$r.forged" -w '%{http_code}' -X POST "$(cat "$work/$r.url")" \
    -H 'content-type: application/json' -H 'webhook-id: msg_forged' -H "webhook-timestamp: $(date +%s)" \
    -H 'webhook-signature: v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJlIQ==' \
    -d '{"eventId":"evt_forged","type":"email.delivered","service":"email","data":{},"livemode":false,"createdAt":0}')
  echo "forged delivery to the $r receiver -> HTTP $status $(cat "$work/$r.forged")"
  [ "$status" = 400 ] && grep -q '"invalid_signature"' "$work/$r.forged" \
    || { echo "demo: the $r receiver did not refuse a forged delivery" >&2; exit 1; }
done

for t in "${types[@]}"; do
  curl -sf -X POST "$base/v1/events" -H "$auth" -d "{\"type\":\"$t\"}" > /dev/null
done
echo "emitted ${#types[@]} events, one of each type, to both endpoints"

# Each receiver exits by itself after its ${#types[@]}th verified delivery; give them 30 s.
for r in "${receivers[@]}"; do
  for _ in $(seq 1 600); do kill -0 "${pid[$r]}" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "${pid[$r]}" 2>/dev/null; then
    echo "demo: the $r receiver is still waiting for deliveries after 30 s" >&2
    show "$work/$r.log" "$work/$r.err" >&2
  else
    wait "${pid[$r]}" || { echo "demo: the $r receiver failed" >&2; show "$work/$r.log" "$work/$r.err" >&2; exit 1; }
  fi
  echo "-- receiver_$r.py"
  show "$work/$r.log"
done

# The receivers have answered; the server records each attempt right after, so poll briefly.
count_delivered() { # endpoint id
  curl -sf "$base/v1/webhooks/$1/deliveries?limit=100" -H "$auth" | "$py" -c \
    "import json,sys; print(sum(1 for d in json.load(sys.stdin)['data'] if (d['status_code'] or 0) // 100 == 2))"
}
declare -A delivered verified
ok=true
for r in "${receivers[@]}"; do
  for _ in $(seq 1 100); do
    delivered[$r]=$(count_delivered "${id[$r]}")
    [ "${delivered[$r]}" = "${#types[@]}" ] && break
    sleep 0.05
  done
  verified[$r]=$(grep -c '^receiver: verified' "$work/$r.log" || true)
  [ "${delivered[$r]}" = "${#types[@]}" ] && [ "${verified[$r]}" = "${#types[@]}" ] || ok=false
done
echo "summary: events sent ${#types[@]}; Flask receiver: delivered ${delivered[flask]}, verified ${verified[flask]};" \
  "stdlib receiver: delivered ${delivered[stdlib]}, verified ${verified[stdlib]}"
$ok || { echo "demo: something was lost" >&2; exit 1; }

echo "== Python management example against the local server"
"$py" examples/python/manage.py "http://127.0.0.1:9/unreachable" --emit 2
echo "== Python demo done"
