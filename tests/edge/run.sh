#!/usr/bin/env bash
# The send0 npm package's edge build (bindings-node/wasm, behind send0's workerd, edge-light, worker
# and browser conditions) on the real runtimes, every shared vector in each:
# - workerd: a Worker that imports send0 (workerd/), bundled by `wrangler deploy --dry-run` and run
#   by miniflare, which also receives real signed deliveries from send0-server over HTTP
#   (run-workerd.mjs). wrangler needs Node >= 22: the node package from the npm registry gives it;
#   the machine's Node stays as it is.
# - Vercel Edge: @edge-runtime/vm with WebAssembly compilation from bytes off (run-edge-vm.mjs).
# - Deno, with --conditions=worker (conditions.mjs; Deno pinned in scripts/runtimes).
# - Chromium, headless (Debian's, installed here when missing), loading an ES module bundle.
# The tools come from the npm registry, pinned in package.json and its lockfile. Needs the Node
# package built (make build-node) and target/debug/send0-server.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
[ -f "$repo/bindings-node/wasm/edge.mjs" ] || { echo "tests/edge: the edge build is missing: make build-node" >&2; exit 2; }
server=$repo/target/debug/send0-server
[ -x "$server" ] || { echo "tests/edge: $server is missing: make build-rust" >&2; exit 2; }

npm ci --no-audit --no-fund --silent
(cd "$repo/scripts/runtimes" && npm ci --no-audit --no-fund --silent)
node22=$PWD/node_modules/node/bin/node
out=$repo/target/edge
rm -rf "$out"
mkdir -p "$out/browser"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
"$server" --port 0 --ready-file "$out/ready" >"$out/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$out/ready" ] && break; sleep 0.1; done
[ -s "$out/ready" ] || { cat "$out/server.log" >&2; exit 2; }
base_url=$(head -n 1 "$out/ready")

echo "== workerd: wrangler deploy --dry-run, then miniflare (Node $("$node22" --version))"
# wrangler's own tools (esbuild, workerd) run under the same Node 22.
(cd workerd && PATH="$(dirname "$node22"):$PATH" WRANGLER_SEND_METRICS=false \
    "$node22" ../node_modules/wrangler/bin/wrangler.js deploy --dry-run --outdir "$out/workerd" >"$out/wrangler.log" 2>&1) ||
    { cat "$out/wrangler.log" >&2; exit 1; }
grep 'Total Upload' "$out/wrangler.log"
"$node22" run-workerd.mjs "$out/workerd" "$base_url"

echo "== Vercel Edge: @edge-runtime/vm"
node run-edge-vm.mjs

echo "== Deno, --conditions=worker"
"$repo/scripts/runtimes/node_modules/.bin/deno" run --conditions=worker conditions.mjs

echo "== Chromium, headless"
if ! command -v chromium >/dev/null; then
    echo "installing chromium (Debian)"
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
node_modules/.bin/esbuild browser/entry.mjs --bundle --format=esm --platform=browser --log-level=warning \
    --outfile="$out/browser/bundle.mjs"
cp browser/index.html "$out/browser/"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$out/browser" >"$out/http.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'port [0-9]' "$out/http.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$out/http.log" | head -1)
# Module scripts are not loaded from file:// URLs, hence the loopback server. --no-sandbox: CI runs as root.
timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=30000 \
    --dump-dom "http://127.0.0.1:$port/index.html" >"$out/browser/dom.html" 2>"$out/chromium.log" || true
node -e '
const dom = require("node:fs").readFileSync(process.argv[1], "utf8");
const line = /RESULT (\{.*\})/.exec(dom);
if (!line) { console.error("chromium: no result in the page:", dom.slice(0, 2000)); process.exit(1); }
const report = JSON.parse(line[1].replace(/&quot;/g, "\"").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
if (report.error) { console.error("chromium:", report.error); process.exit(1); }
for (const failure of report.failures) console.error("chromium:", failure);
const browser = /(Chrome\/[\d.]+)/.exec(report.userAgent)?.[1] ?? report.userAgent;
console.log(`chromium (${browser}): send0 ${report.version} (${report.entry} entry): ${report.cases} fixture cases, ${report.checks} checks, ${report.failures.length} failed`);
const clientOk = /^InvalidArgumentError: the send0 API client needs the Node runtime/.test(report.client);
if (!clientOk) console.error("chromium: the client:", report.client);
process.exit(report.failures.length === 0 && report.entry === "edge" && clientOk ? 0 : 1);
' "$out/browser/dom.html"
