#!/usr/bin/env bash
# The Go SDK benchmarks (bench_test.go) in rounds, both sides of each comparison in every round,
# and the table of bench/README.md ("## Go SDK"): medians over the rounds.
#
#   bench/go/run.sh [ROUNDS] [VERIFY_BENCHTIME] [GET_BENCHTIME]     (defaults: 5 1s 2s)
#   BENCH_RAW=FILE keeps the raw `go test -bench` lines of every round.
#
# The verification benchmarks run twice per round: in the default build (the native core, cgo)
# and in a CGO_ENABLED=0 build (the core compiled to WebAssembly and translated to Go).
#
# Needs the static library and the translated core (make build-go) and send0-server (the release build is preferred:
# cargo build --release -p send0-server).
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-5}
verify_time=${2:-1s}
get_time=${3:-2s}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go test -c -o "$work/bench.test" .
CGO_ENABLED=0 go test -c -o "$work/bench-nocgo.test" .
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" >&2
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  # Alternate which group runs first, so that drift in the machine's speed falls on both.
  if (( r % 2 )); then order=(Verify Get); else order=(Get Verify); fi
  for group in "${order[@]}" NoCgo; do
    binary=$work/bench.test prefix=
    if [ "$group" = NoCgo ]; then binary=$work/bench-nocgo.test group=Verify prefix=NoCgo; fi
    if [ "$group" = Verify ]; then t=$verify_time; else t=$get_time; fi
    "$binary" -test.run '^$' -test.bench "^Benchmark$group\$" -test.benchtime "$t" -test.benchmem \
      2>/dev/null | grep '^Benchmark' | sed "s/^Benchmark/$prefix&/; s/^/$r /" >> "$work/results.txt"
  done
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end" >&2
if [ -n "${BENCH_RAW:-}" ]; then cp "$work/results.txt" "$BENCH_RAW"; fi # every round's lines, prefixed by the round

# name -> median ns/op over the rounds
awk '{ sub(/-[0-9]+$/, "", $2); print $2, $4 }' "$work/results.txt" | sort -k1,1 -k2,2n | awk '
  { v[$1] = v[$1] " " $2; n[$1]++ }
  END { for (k in v) { split(substr(v[k], 2), a, " "); m = n[k];
        med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2;
        printf "%s %s %s %s\n", k, med, a[1], a[m] } }' | sort > "$work/medians.txt"

fmt_ns() { awk -v ns="$1" 'BEGIN { if (ns >= 1e6) printf "%.3f ms", ns / 1e6; else if (ns >= 1e3) printf "%.2f µs", ns / 1e3; else printf "%.0f ns", ns }'; }
med() { awk -v k="$1" '$1 == k { print $2 }' "$work/medians.txt"; }
range_of() { awk -v k="$1" '$1 == k { printf "%.0f%%", ($4 - $3) / $2 * 100 }' "$work/medians.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
# The ratio a/b within each round (both measured minutes apart at most): "median (min–max)".
paired() {
  awk -v a="$1" -v b="$2" '{ sub(/-[0-9]+$/, "", $2) } $2 == a { x[$1] = $4 } $2 == b { y[$1] = $4 }
    END { n = 0; for (r in x) if (r in y) r_[++n] = x[r] / y[r];
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r_[j] < r_[i]) { t = r_[i]; r_[i] = r_[j]; r_[j] = t }
          med = (n % 2) ? r_[(n + 1) / 2] : (r_[n / 2] + r_[n / 2 + 1]) / 2;
          printf "%.2fx (%.2f–%.2f)", med, r_[1], r_[n] }' "$work/results.txt"
}

echo
echo "Verification (signature only on both sides; ratio = standardwebhooks time / send0 time, above 1 = send0 faster):"
echo
echo "| body | send0 \`VerifyWebhookRaw\` | standardwebhooks \`Verify\` | ratio of medians | per-round ratio, median (min–max) | send0 \`VerifyWebhook\` (+ envelope parse) | \`VerifyWebhook\` ÷ \`VerifyWebhookRaw\`, per round (goal ≤ 2x at 1 KiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for size in 1KiB 64KiB 1MiB; do
  s=$(med "BenchmarkVerify/$size/send0"); p=$(med "BenchmarkVerify/$size/standardwebhooks")
  q=$(med "BenchmarkVerify/$size/send0_parse")
  echo "| $size | $(fmt_ns "$s") (±$(range_of "BenchmarkVerify/$size/send0")) | $(fmt_ns "$p") (±$(range_of "BenchmarkVerify/$size/standardwebhooks")) | $(ratio "$p" "$s") | $(paired "BenchmarkVerify/$size/standardwebhooks" "BenchmarkVerify/$size/send0") | $(fmt_ns "$q") | $(paired "BenchmarkVerify/$size/send0_parse" "BenchmarkVerify/$size/send0") |"
done
echo
echo "Without cgo (CGO_ENABLED=0: the core compiled to WebAssembly, translated to Go by wasm2go); ratio = send0 time / standardwebhooks time (goal ≤ 1.5x at 1 KiB):"
echo
echo "| body | send0 \`VerifyWebhookRaw\` | standardwebhooks \`Verify\` | ratio of medians | per-round ratio, median (min–max) | send0 \`VerifyWebhook\` | beside the native \`VerifyWebhookRaw\` |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for size in 1KiB 64KiB 1MiB; do
  n=NoCgoBenchmarkVerify/$size
  s=$(med "$n/send0"); p=$(med "$n/standardwebhooks"); q=$(med "$n/send0_parse")
  echo "| $size | $(fmt_ns "$s") (±$(range_of "$n/send0")) | $(fmt_ns "$p") (±$(range_of "$n/standardwebhooks")) | $(ratio "$s" "$p") | $(paired "$n/send0" "$n/standardwebhooks") | $(fmt_ns "$q") | $(ratio "$s" "$(med "BenchmarkVerify/$size/send0")") |"
done
echo
echo "Client GET of one endpoint against a local send0-server (ratio = send0 time / net/http time, goal ≤ 1.20x):"
echo
echo "| | send0 \`Client.Webhooks.Get\` | net/http GET + json.Unmarshal | ratio of medians | per-round ratio, median (min–max) |"
echo "|---|---:|---:|---:|---:|"
for mode in sequential parallel; do
  s=$(med "BenchmarkGet/$mode/send0"); p=$(med "BenchmarkGet/$mode/nethttp")
  echo "| $mode | $(fmt_ns "$s") (±$(range_of "BenchmarkGet/$mode/send0")) | $(fmt_ns "$p") (±$(range_of "BenchmarkGet/$mode/nethttp")) | $(ratio "$s" "$p") | $(paired "BenchmarkGet/$mode/send0" "BenchmarkGet/$mode/nethttp") |"
done
echo
echo "(± is the spread, max − min over the $rounds rounds, relative to the median.)"
