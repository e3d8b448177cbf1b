#!/usr/bin/env bash
# Property-based API tests: runs Schemathesis against a fresh send0-server with openapi.yaml, with
# every check (response schemas and headers, status codes, positive and negative data, auth,
# unsupported methods, use-after-free, ...) and the stateful phase that follows the document's links
# (create -> get -> update -> test -> rotate -> deliveries -> delete).
#
# Needs target/debug/send0-server (cargo build -p send0-server) and python3 with venv. Installs the
# Schemathesis pinned in scripts/requirements-dev.txt into target/venv-schemathesis.
#
# Environment:
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 50)
#   SCHEMATHESIS_TIME_LIMIT    hard limit in seconds for the whole Schemathesis run (default 170)
#   SCHEMATHESIS_SEED          a seed, to reproduce an earlier run (Schemathesis prints the one it used)
#   SCHEMATHESIS_WORKERS       concurrent workers (default 1)
#   PYTHON                     the interpreter that creates the virtualenv (default python3)
# Extra arguments are passed to `schemathesis run`.
set -euo pipefail
cd "$(dirname "$0")/.."

server=target/debug/send0-server
venv=target/venv-schemathesis
requirements=scripts/requirements-dev.txt
# Schemathesis runs here: its report (junit.xml), its state for `st replay` and Hypothesis' files.
run_dir=target/schemathesis
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-50}
time_limit=${SCHEMATHESIS_TIME_LIMIT:-170}
# One worker: the run takes seconds anyway, and Hypothesis' source inspection from several threads
# can trip CPython 3.11's "AST constructor recursion depth mismatch" (python/cpython#106905).
workers=${SCHEMATHESIS_WORKERS:-1}
api_key=sk_test_send0_local

if [ ! -x "$server" ]; then
    echo "schemathesis.sh: $server is missing; build it first with: cargo build -p send0-server" >&2
    exit 2
fi

# The pinned Schemathesis, in its own virtualenv.
pinned=$(sed -n 's/^schemathesis==\([^[:space:]#]*\).*/\1/p' "$requirements")
installed=$("$venv/bin/schemathesis" --version 2>/dev/null | sed -n 's/.*version \(.*\)$/\1/p' || true)
if [ "$installed" != "$pinned" ]; then
    if [ ! -x "$venv/bin/python" ]; then
        python=${PYTHON:-python3}
        command -v "$python" >/dev/null || { echo "schemathesis.sh: $python (3.9 or newer, with venv) is needed" >&2; exit 2; }
        echo "== creating $venv with $("$python" --version 2>&1)"
        "$python" -m venv "$venv"
    fi
    echo "== installing schemathesis $pinned into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A fresh server on a free port, with an in-memory database and its default key (sk_test_send0_local).
# Deliveries and `test` calls to the generated endpoint URLs must not reach anything: the egress
# policy refuses every address, so each fails at once, without a DNS look-up of the generated host
# names and without a connection to a generated address.
"$server" --port 0 --ready-file "$work/ready" --deny-egress 0.0.0.0/0 --deny-egress ::/0 \
    >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/ready" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "schemathesis.sh: send0-server exited before it was ready:" >&2
        cat "$work/server.log" >&2
        exit 2
    fi
    sleep 0.1
done
if [ ! -s "$work/ready" ]; then
    echo "schemathesis.sh: send0-server did not write its ready file within 10 s" >&2
    cat "$work/server.log" >&2
    exit 2
fi
base_url=$(head -n 1 "$work/ready")

# Every valid Idempotency-Key is made unique just before it is sent. Schemathesis repeats keys (its
# examples and coverage cases share the schema's example key; generated ones shrink to "0"), so
# without this most POSTs would be answered 409 idempotency_conflict or replayed, leaving the
# operations untested, and a create replayed from an earlier scenario answers an endpoint that scenario
# has deleted (correct idempotency, which the stateful checks report as "created resource not found").
# Cases that are negative because of a header (an invalid key, a missing Authorization) go as they are.
# The hook lives in scripts/schemathesis_hooks.py.
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=schemathesis_hooks
echo "== send0-server at $base_url"

args=(
    run "$PWD/openapi.yaml"
    --url "$base_url"
    --header "Authorization: Bearer $api_key"
    --checks all
    --phases examples,coverage,fuzzing,stateful
    --max-examples "$max_examples"
    --workers "$workers"
    --request-timeout 20
    --generation-database none
    --report junit
    --report-junit-path junit.xml
    --no-color
)
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then
    args+=(--seed "$SCHEMATHESIS_SEED")
fi

echo "== schemathesis $pinned: at most $max_examples cases per operation, $time_limit s at most"
started=$SECONDS
status=0
mkdir -p "$run_dir"
schemathesis=$PWD/$venv/bin/schemathesis
(cd "$run_dir" && timeout --kill-after=10 "$time_limit" "$schemathesis" "${args[@]}" "$@") || status=$?
echo "== schemathesis finished in $((SECONDS - started)) s with exit code $status"
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "schemathesis.sh: the run did not finish within $time_limit s" >&2
fi
if [ "$status" -ne 0 ] && grep -q "internal error" "$work/server.log"; then
    echo "== send0-server log (internal errors):" >&2
    grep "internal error" "$work/server.log" >&2 || true
fi
exit "$status"
