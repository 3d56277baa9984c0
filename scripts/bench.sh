#!/usr/bin/env bash
# scripts/bench.sh — throughput and memory benchmark of imapscope (make bench).
#
# Builds bin/imapscope and bin/benchgen, generates a synthetic IMAP capture
# once (cached), warms the page cache, then runs in alternating order, for
# BENCH_ROUNDS rounds:
#   floor  imapscope read --no-dissect --format json -o /dev/null --workers 1 FILE
#   w1     imapscope read --format json -o /dev/null --workers 1 FILE
#   w2     imapscope read --format json -o /dev/null --workers 2 FILE
#   jsonl  imapscope read --format jsonl -o /dev/null --workers 1 FILE
# and prints a Markdown table (median wall time, MB/s, packets/s, peak RSS).
# Then the tls block (end of file): an all-IMAPS capture with its key log
# decrypted (read --keylog) against the same traffic in clear text.
#
# Environment:
#   BENCH_DIR     capture cache directory      (default /tmp/imapscope-bench)
#   BENCH_SIZE    capture size, e.g. 100MB     (default 1GB)
#   BENCH_SEED    generator seed               (default 1)
#   BENCH_ROUNDS  alternating rounds           (default 3)
#   BENCH_FLAGS   extra flags for every imapscope read run (e.g. --stats)
#   IMAPSCOPE     binary to benchmark; if set, it is not built (stand-ins, old builds)
#   BENCH_ALLOCS  0 skips the allocations-per-packet check (go test -bench)
#   BENCH_MANY    1 adds the many-sessions runs, BENCH_LONG 1 the long-session
#                 run, every output format (scripts/bench-shapes.sh, which
#                 lists their own settings; they take minutes)
#   GO            go command                   (default go)
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
BENCH_DIR=${BENCH_DIR:-/tmp/imapscope-bench}
BENCH_SIZE=${BENCH_SIZE:-1GB}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_FLAGS=${BENCH_FLAGS:-}

die() { echo "bench: $*" >&2; exit 1; }

mkdir -p bin "$BENCH_DIR"
echo "bench: building bin/benchgen" >&2
CGO_ENABLED=0 "$GO" build -o bin/benchgen ./cmd/benchgen
if [[ -z "${IMAPSCOPE:-}" ]]; then
	echo "bench: building bin/imapscope" >&2
	CGO_ENABLED=0 "$GO" build -o bin/imapscope ./cmd/imapscope
	IMAPSCOPE=bin/imapscope
fi
[[ -x "$IMAPSCOPE" ]] || die "$IMAPSCOPE is not executable"

# The cache key covers size, seed and the generator's source, so a changed
# generator never reuses a stale capture.
gen_id=$(cat $(ls internal/benchgen/*.go | grep -v '_test\.go$') | sha256sum | cut -c1-10)
capture="$BENCH_DIR/imap-${BENCH_SIZE}-seed${BENCH_SEED}-${gen_id}.pcap"
summary="${capture%.pcap}.summary"
if [[ -s "$capture" && -s "$summary" ]]; then
	echo "bench: reusing $capture" >&2
else
	echo "bench: generating $capture" >&2
	bin/benchgen -o "$capture.tmp" -size "$BENCH_SIZE" -seed "$BENCH_SEED" > "$summary.tmp"
	mv "$capture.tmp" "$capture"
	mv "$summary.tmp" "$summary"
fi
cat "$summary" >&2

bytes=$(stat -c %s "$capture" 2>/dev/null || stat -f %z "$capture")
packets=$(awk '$1 == "packets:" { print $2 }' "$summary")
sessions=$(awk '$1 == "sessions:" { print $2 }' "$summary")
commands=$(awk '$1 == "commands:" { print $2 }' "$summary")
[[ -n "$packets" && -n "$sessions" ]] || die "cannot parse $summary"

echo "bench: warming the page cache" >&2
cat "$capture" > /dev/null
# The host may be shared: the load before the runs says whether the CPUs
# were free (a worker speed-up needs them).
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')

names=(floor w1 w2 jsonl)
declare -A cmdline # needs bash >= 4
cmdline[floor]="read --no-dissect --format json -o /dev/null --workers 1 $BENCH_FLAGS"
cmdline[w1]="read --format json -o /dev/null --workers 1 $BENCH_FLAGS"
cmdline[w2]="read --format json -o /dev/null --workers 2 $BENCH_FLAGS"
cmdline[jsonl]="read --format jsonl -o /dev/null --workers 1 $BENCH_FLAGS"

results="$BENCH_DIR/results.$$"
: > "$results"
trap 'rm -f "$results" "$results.one"' EXIT

# run NAME: one timed run, appends "NAME WALL RSS_KB" to $results.
run() {
	local name=$1
	# shellcheck disable=SC2086
	if ! bin/benchgen measure -out "$results.one" -- "$IMAPSCOPE" ${cmdline[$name]} "$capture" > /dev/null; then
		die "run $name failed: $IMAPSCOPE ${cmdline[$name]} $capture"
	fi
	local wall rss code
	read -r wall rss code < "$results.one"
	echo "bench:   $name ${wall}s ${rss}KB" >&2
	echo "$name $wall $rss" >> "$results"
}

for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	echo "bench: round $r/$BENCH_ROUNDS" >&2
	if ((r % 2)); then order=("${names[@]}"); else order=(jsonl w2 w1 floor); fi
	for n in "${order[@]}"; do run "$n"; done
done

# stat_of NAME -> "MEDIAN_WALL MAX_RSS_KB"
stat_of() {
	local med rss
	med=$(awk -v n="$1" '$1 == n { print $2 }' "$results" | sort -n |
		awk '{ w[NR] = $1 } END { printf "%.3f", (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }')
	rss=$(awk -v n="$1" '$1 == n && $3 > m { m = $3 } END { print m + 0 }' "$results")
	echo "$med $rss"
}

mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || uname -m)

echo
echo "Capture: \`bin/benchgen -o FILE -size $BENCH_SIZE -seed $BENCH_SEED\` — ${mb} MB, $packets packets, $sessions sessions, $commands commands."
echo "Host: $cpu, $(nproc 2>/dev/null || echo '?') CPUs, $("$GO" env GOVERSION), commit $commit; median of $BENCH_ROUNDS alternating rounds, page cache warm, load average $load before the runs."
echo
echo "| Run | Command | Wall (s) | MB/s | Mpackets/s | Peak RSS (MB) |"
echo "|---|---|---:|---:|---:|---:|"
declare -A wall
for n in "${names[@]}"; do
	read -r w rss < <(stat_of "$n")
	wall[$n]=$w
	awk -v n="$n" -v c="imapscope ${cmdline[$n]% } FILE" -v w="$w" -v rss="$rss" -v b="$bytes" -v p="$packets" \
		'BEGIN { printf "| %s | `%s` | %.2f | %.0f | %.2f | %.0f |\n", n, c, w, b / 1048576 / w, p / 1e6 / w, rss / 1024 }'
done
echo
awk -v f="${wall[floor]}" -v a="${wall[w1]}" -v b="${wall[w2]}" 'BEGIN {
	printf "- Full dissection with JSON (workers 1) runs at **%.0f%%** of the floor throughput (`--no-dissect`, workers 1; ratio full/floor %.2f).\n", 100 * f / a, f / a
	printf "- `--workers 2` vs `--workers 1`: **%.2fx** speedup.\n", a / b
}'
read -r _ jsonl_rss < <(stat_of jsonl)
awk -v r="$jsonl_rss" -v a="${wall[w1]}" -v l="${wall[jsonl]}" 'BEGIN {
	printf "- Peak RSS with `--format jsonl`: **%.1f MiB**.\n", r / 1024
	printf "- `--format jsonl` vs `--format json` (workers 1): jsonl takes **%.2fx** the time of json.\n", l / a
}'

# ---------------------------------------------------------------------------
# BEGIN tls block (issue 13): all-IMAPS capture decrypted with its key log
# versus the same IMAP traffic in clear text. benchgen -tls writes real TLS
# made by crypto/tls (TLS 1.3 AES-128-GCM, 25% TLS 1.2 ECDHE-ECDSA-AES128-GCM)
# on port 993 plus the key log; -tls-twin the same messages in clear text on
# 143. Runs alternate for BENCH_ROUNDS rounds; the throughput ratio is
# clear-text wall / decrypting wall (the same IMAP bytes). Target >= 0.4.
# Then allocations per packet from go test -bench (target <= 0.1).
#   BENCH_TLS=0        skip this block
#   BENCH_TLS_SIZE     size of the TLS capture (default BENCH_SIZE)
if [[ "${BENCH_TLS:-1}" != 0 ]]; then
	tls_size=${BENCH_TLS_SIZE:-$BENCH_SIZE}
	tls_cap="$BENCH_DIR/imaps-${tls_size}-seed${BENCH_SEED}-${gen_id}.pcap"
	tls_keys="${tls_cap%.pcap}.keylog"
	tls_sum="${tls_cap%.pcap}.summary"
	if [[ -s "$tls_cap" && -s "$tls_keys" && -s "$tls_sum" ]]; then
		echo "bench: reusing $tls_cap" >&2
	else
		echo "bench: generating $tls_cap and its key log" >&2
		bin/benchgen -o "$tls_cap.tmp" -size "$tls_size" -seed "$BENCH_SEED" -tls -keylog "$tls_keys.tmp" > "$tls_sum.tmp"
		mv "$tls_cap.tmp" "$tls_cap"
		mv "$tls_keys.tmp" "$tls_keys"
		mv "$tls_sum.tmp" "$tls_sum"
	fi
	tls_sessions=$(awk '$1 == "sessions:" { print $2 }' "$tls_sum")
	tls_packets=$(awk '$1 == "packets:" { print $2 }' "$tls_sum")
	twin_cap="$BENCH_DIR/imaps-twin-${tls_sessions}-seed${BENCH_SEED}-${gen_id}.pcap"
	twin_sum="${twin_cap%.pcap}.summary"
	if [[ ! -s "$twin_cap" || ! -s "$twin_sum" ]]; then
		echo "bench: generating the clear-text twin $twin_cap" >&2
		bin/benchgen -o "$twin_cap.tmp" -sessions "$tls_sessions" -seed "$BENCH_SEED" -tls-twin > "$twin_sum.tmp"
		mv "$twin_cap.tmp" "$twin_cap"
		mv "$twin_sum.tmp" "$twin_sum"
	fi
	twin_payload=$(awk '$1 == "bytes:" { print $NF }' "$twin_sum")
	cat "$tls_cap" "$twin_cap" > /dev/null
	tls_results="$BENCH_DIR/tls-results.$$"
	: > "$tls_results"
	trap 'rm -f "$results" "$results.one" "$tls_results" "$tls_results.one"' EXIT
	# tls_run NAME ARGS...: one timed run, appends "NAME WALL RSS_KB".
	tls_run() {
		local name=$1
		shift
		if ! bin/benchgen measure -out "$tls_results.one" -- "$IMAPSCOPE" "$@" > /dev/null; then
			die "run $name failed: $IMAPSCOPE $*"
		fi
		local wall rss code
		read -r wall rss code < "$tls_results.one"
		echo "bench:   $name ${wall}s ${rss}KB" >&2
		echo "$name $wall $rss" >> "$tls_results"
	}
	for ((r = 1; r <= BENCH_ROUNDS; r++)); do
		echo "bench: tls round $r/$BENCH_ROUNDS" >&2
		# shellcheck disable=SC2086
		if ((r % 2)); then
			tls_run imaps read --keylog "$tls_keys" --format json -o /dev/null --workers 1 $BENCH_FLAGS "$tls_cap"
			tls_run clear read --format json -o /dev/null --workers 1 $BENCH_FLAGS "$twin_cap"
		else
			tls_run clear read --format json -o /dev/null --workers 1 $BENCH_FLAGS "$twin_cap"
			tls_run imaps read --keylog "$tls_keys" --format json -o /dev/null --workers 1 $BENCH_FLAGS "$tls_cap"
		fi
	done
	tls_med() {
		awk -v n="$1" '$1 == n { print $2 }' "$tls_results" | sort -n |
			awk '{ w[NR] = $1 } END { printf "%.3f", (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }'
	}
	tls_rss() { awk -v n="$1" '$1 == n && $3 > m { m = $3 } END { print m + 0 }' "$tls_results"; }
	w_tls=$(tls_med imaps)
	w_clear=$(tls_med clear)
	echo
	echo "All-IMAPS: \`bin/benchgen -size $tls_size -seed $BENCH_SEED -tls -keylog K\` — $(stat -c %s "$tls_cap") bytes, $tls_packets packets, $tls_sessions sessions; clear-text twin \`-sessions $tls_sessions -tls-twin\`, IMAP payload $twin_payload bytes."
	echo
	echo "| Run | Command | Wall (s) | IMAP MB/s | Peak RSS (MB) |"
	echo "|---|---|---:|---:|---:|"
	awk -v w="$w_tls" -v p="$twin_payload" -v r="$(tls_rss imaps)" 'BEGIN { printf "| imaps | `imapscope read --keylog K --format json -o /dev/null --workers 1 FILE` | %.2f | %.0f | %.0f |\n", w, p / 1048576 / w, r / 1024 }'
	awk -v w="$w_clear" -v p="$twin_payload" -v r="$(tls_rss clear)" 'BEGIN { printf "| clear | `imapscope read --format json -o /dev/null --workers 1 TWIN` | %.2f | %.0f | %.0f |\n", w, p / 1048576 / w, r / 1024 }'
	echo
	awk -v t="$w_tls" -v c="$w_clear" 'BEGIN {
		printf "- Decrypting full dissection runs at **%.2fx** the throughput of the same traffic in clear text (target >= 0.4: %s).\n", c / t, (c / t >= 0.4) ? "met" : "NOT met"
	}'
	if [[ "${BENCH_TLS_ALLOCS:-1}" != 0 ]] && command -v "$GO" > /dev/null; then
		echo "bench: go test -bench BenchmarkFullTLS (allocations per packet)" >&2
		allocs=$("$GO" test ./pipeline -run '^$' -bench '^BenchmarkFullTLS$' -benchtime 2x 2>/dev/null |
			awk '/^BenchmarkFullTLS/ { for (i = 1; i < NF; i++) if ($(i + 1) == "allocs/packet") print $i }')
		[[ -n "$allocs" ]] && awk -v a="$allocs" 'BEGIN { printf "- Allocations per packet decrypting (BenchmarkFullTLS, pipeline/tlsbench_test.go): **%.3f** (target <= 0.1: %s).\n", a, (a <= 0.1) ? "met" : "NOT met" }'
	fi
fi
# END tls block
# ---------------------------------------------------------------------------
# ---- flow (issue 15): the 1 GB criteria, then the opt-in many/long runs ----
# Checks the figures the 1 GB benchmark must keep: full dissection (json)
# at >= 0.7 of the floor's throughput on one worker, jsonl peak RSS <= 64 MiB,
# and <= 0.05 allocations per packet (BenchmarkDissect: reassembly and
# dissection, no rendering; skipped with BENCH_ALLOCS=0). Then, with
# BENCH_MANY=1 and/or BENCH_LONG=1, scripts/bench-shapes.sh (a million short
# sessions and a tenth of it; one session of 200,000 commands; every format).
echo
echo "Criteria (issue 15):"
awk -v f="${wall[floor]}" -v a="${wall[w1]}" -v r="$jsonl_rss" 'BEGIN {
	printf "- full/floor on one worker: %.2f (%s ≥ 0.7)\n", f / a, (f / a >= 0.7) ? "met" : "NOT met:"
	printf "- jsonl peak RSS: %.1f MiB (%s ≤ 64 MiB)\n", r / 1024, (r <= 64 * 1024) ? "met" : "NOT met:"
}'
if [[ ${BENCH_ALLOCS:-1} != 0 ]]; then
	apkt=$("$GO" test ./pipeline -run '^$' -bench '^BenchmarkDissect$' -benchtime 3x 2>/dev/null |
		awk '{ for (i = 2; i <= NF; i++) if ($i == "allocs/packet") print $(i - 1) }' | tail -1)
	if [[ -n "$apkt" ]]; then
		awk -v a="$apkt" 'BEGIN { printf "- allocations per packet (BenchmarkDissect): %s (%s ≤ 0.05)\n", a, (a <= 0.05) ? "met" : "NOT met:" }'
	else
		echo "- allocations per packet: BenchmarkDissect did not run"
	fi
fi
if [[ ${BENCH_MANY:-0} == 1 || ${BENCH_LONG:-0} == 1 ]]; then
	IMAPSCOPE="$IMAPSCOPE" BENCH_DIR="$BENCH_DIR" BENCH_SEED="$BENCH_SEED" GO="$GO" ./scripts/bench-shapes.sh
fi
# ---- end flow ----
