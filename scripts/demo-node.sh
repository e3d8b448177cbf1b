#!/usr/bin/env bash
# The Node part of the demo: send0-server on a free port, one endpoint pointing at the Express
# receiver example and one at the fetch-style (Next.js route handler) receiver example, a forged
# delivery refused by each, one event of each type emitted, every delivery verified by both
# receivers, then the Node management example against the same server.
# Needs: make build-node build-rust (the package built in bindings-node/, target/debug/send0-server).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
pkg=bindings-node
examples=$pkg/build/examples/node
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v node >/dev/null || { echo "demo: node not found: install Node.js 18 or newer" >&2; exit 1; }
[ -x "$bin/send0-server" ] || { echo "demo: $bin/send0-server not found: run make build-rust" >&2; exit 1; }
[ -f "$pkg/dist/index.js" ] || { echo "demo: the send0 package is not built: run make build-node" >&2; exit 1; }

wait_ready() { # file
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 never appeared" >&2; exit 1
}
json() { # expression over the JSON on stdin, e.g. '.id'
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(eval('JSON.parse(s)'+process.argv[1])))" "$1"
}
show() { sed 's/^/  /' "$@"; }

echo "== compiling the Node examples (examples/node -> $examples)"
(cd "$pkg" && node_modules/.bin/tsc -p tsconfig.test.json)

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
receivers=(express next)
declare -A id pid script label
script[express]=express-receiver.js; label[express]="Express receiver"
script[next]=next-route.js;          label[next]="fetch-style (Next.js route) receiver"

# Each endpoint is created first (its secret is only in this response), then pointed at its
# receiver once the receiver is listening with that secret.
for r in "${receivers[@]}"; do
  created=$(curl -sf -X POST "$base/v1/webhooks" -H "$auth" \
    -d "{\"url\":\"http://127.0.0.1:9/not-yet\",\"events\":[\"*\"],\"description\":\"demo: Node ${label[$r]}\"}")
  id[$r]=$(json '.id' <<<"$created")
  secret=$(json '.secret' <<<"$created")
  echo "created endpoint ${id[$r]} (events: *) for examples/node/${script[$r]%.js}.ts"
  SEND0_WEBHOOK_SECRET="$secret" node "$examples/${script[$r]}" --port 0 --ready-file "$work/$r.url" \
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
  echo "forged delivery to the ${label[$r]} -> HTTP $status $(cat "$work/$r.forged")"
  [ "$status" = 400 ] && grep -q '"invalid_signature"' "$work/$r.forged" \
    || { echo "demo: the ${label[$r]} did not refuse a forged delivery" >&2; exit 1; }
done

for t in "${types[@]}"; do
  curl -sf -X POST "$base/v1/events" -H "$auth" -d "{\"type\":\"$t\"}" > /dev/null
done
echo "emitted ${#types[@]} events, one of each type, to both endpoints"

# Each receiver exits by itself after its ${#types[@]}th verified delivery; give them 30 s.
for r in "${receivers[@]}"; do
  for _ in $(seq 1 600); do kill -0 "${pid[$r]}" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "${pid[$r]}" 2>/dev/null; then
    echo "demo: the ${label[$r]} is still waiting for deliveries after 30 s" >&2
    show "$work/$r.log" "$work/$r.err" >&2
  else
    wait "${pid[$r]}" || { echo "demo: the ${label[$r]} failed" >&2; show "$work/$r.log" "$work/$r.err" >&2; exit 1; }
  fi
  echo "-- examples/node/${script[$r]%.js}.ts"
  show "$work/$r.log"
done

# The receivers have answered; the server records each attempt right after, so poll briefly.
count_delivered() { # endpoint id
  curl -sf "$base/v1/webhooks/$1/deliveries?limit=100" -H "$auth" |
    json ".data.filter(d => Math.floor((d.status_code || 0) / 100) === 2).length"
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
echo "summary: events sent ${#types[@]}; Express receiver: delivered ${delivered[express]}, verified ${verified[express]};" \
  "fetch-style receiver: delivered ${delivered[next]}, verified ${verified[next]}"
$ok || { echo "demo: something was lost" >&2; exit 1; }

echo "== Node management example against the local server"
node "$examples/manage.js" "http://127.0.0.1:9/unreachable" --emit 2
echo "== Node demo done"
