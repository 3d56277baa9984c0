#!/usr/bin/env bash
# scripts/bench-shapes.sh — memory and time per output format on many short
# sessions and on one long session (issue 15). Run by `make bench` when
# BENCH_MANY=1 or BENCH_LONG=1 (see scripts/bench.sh), or directly.
#
#   BENCH_MANY=1  short sessions (benchgen -shape short: greeting, LOGIN,
#                 SELECT, LOGOUT, about 2.5 KB each), BENCH_MANY_SESSIONS of
#                 them and a tenth as many, for the 10x linearity check
#   BENCH_LONG=1  one session of BENCH_LONG_COMMANDS commands (benchgen
#                 -shape long: UID FETCH (FLAGS), STORE, small body fetches)
#
# Every capture is read once per format (jsonl, json, table, html, stats) on
# one worker, output to /dev/null; the table gives wall time and peak RSS,
# then the targets of issue 15: every format <= 256 MiB and within 2.5x
# jsonl's wall time at the large count, 10x sessions -> 10x time (+-20 %),
# the long session <= 128 MiB in every format.
#
# Environment:
#   BENCH_DIR             capture cache directory (default /tmp/imapscope-bench)
#   BENCH_SEED            generator seed (default 1)
#   BENCH_MANY_SESSIONS   short sessions of the large run (default 1000000)
#   BENCH_LONG_COMMANDS   commands of the long session (default 200000)
#   BENCH_FORMATS         formats to run (default "jsonl json table html stats")
#   BENCH_SHAPE_ROUNDS    rounds, alternating format order (default 1)
#   BENCH_SHAPE_TIMEOUT   seconds before one run is killed and reported as
#                         such (default 0: no limit)
#   IMAPSCOPE             binary (default: bin/imapscope, built unless set)
#   GO                    go command (default go)
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
BENCH_DIR=${BENCH_DIR:-/tmp/imapscope-bench}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_MANY=${BENCH_MANY:-0}
BENCH_LONG=${BENCH_LONG:-0}
BENCH_MANY_SESSIONS=${BENCH_MANY_SESSIONS:-1000000}
BENCH_LONG_COMMANDS=${BENCH_LONG_COMMANDS:-200000}
BENCH_FORMATS=${BENCH_FORMATS:-jsonl json table html stats}
BENCH_SHAPE_ROUNDS=${BENCH_SHAPE_ROUNDS:-1}
BENCH_SHAPE_TIMEOUT=${BENCH_SHAPE_TIMEOUT:-0}

die() { echo "bench-shapes: $*" >&2; exit 1; }
[[ $BENCH_MANY == 1 || $BENCH_LONG == 1 ]] || die "set BENCH_MANY=1 and/or BENCH_LONG=1"

mkdir -p bin "$BENCH_DIR"
CGO_ENABLED=0 "$GO" build -o bin/benchgen ./cmd/benchgen
if [[ -z "${IMAPSCOPE:-}" ]]; then
	CGO_ENABLED=0 "$GO" build -o bin/imapscope ./cmd/imapscope
	IMAPSCOPE=bin/imapscope
fi
[[ -x "$IMAPSCOPE" ]] || die "$IMAPSCOPE is not executable"
gen_id=$(cat $(ls internal/benchgen/*.go | grep -v '_test\.go$') | sha256sum | cut -c1-10)

# capture NAME BENCHGEN_ARGS...: generates (or reuses) a capture, prints its path.
capture() {
	local name=$1
	shift
	local f="$BENCH_DIR/imap-$name-seed${BENCH_SEED}-${gen_id}.pcap"
	if [[ ! -s "$f" || ! -s "${f%.pcap}.summary" ]]; then
		echo "bench-shapes: generating $f" >&2
		bin/benchgen -o "$f.tmp" -seed "$BENCH_SEED" "$@" > "${f%.pcap}.summary.tmp"
		mv "$f.tmp" "$f"
		mv "${f%.pcap}.summary.tmp" "${f%.pcap}.summary"
	fi
	echo "$f"
}

# argv FORMAT: the imapscope arguments of one format.
argv() {
	case $1 in
	stats) echo "stats --format json -o /dev/null --quiet --workers 1" ;;
	*) echo "read --format $1 -o /dev/null --quiet --workers 1" ;;
	esac
}

results="$BENCH_DIR/shapes.$$"
: > "$results"
trap 'rm -f "$results" "$results.one"' EXIT

# run LABEL FILE FORMAT: one measured run, appends "LABEL FORMAT WALL RSS_KB CODE".
run() {
	local label=$1 file=$2 format=$3 pre=()
	((BENCH_SHAPE_TIMEOUT > 0)) && pre=(timeout "$BENCH_SHAPE_TIMEOUT")
	# shellcheck disable=SC2046
	bin/benchgen measure -out "$results.one" -- "${pre[@]}" "$IMAPSCOPE" $(argv "$format") "$file" > /dev/null || true
	local wall rss code
	read -r wall rss code < "$results.one"
	echo "bench-shapes:   $label $format ${wall}s ${rss}KB exit $code" >&2
	echo "$label $format $wall $rss $code" >> "$results"
}

labels=()
declare -A files
if [[ $BENCH_MANY == 1 ]]; then
	small=$((BENCH_MANY_SESSIONS / 10))
	files[short-$small]=$(capture "short-$small" -shape short -sessions "$small")
	files[short-$BENCH_MANY_SESSIONS]=$(capture "short-$BENCH_MANY_SESSIONS" -shape short -sessions "$BENCH_MANY_SESSIONS")
	labels+=("short-$small" "short-$BENCH_MANY_SESSIONS")
fi
if [[ $BENCH_LONG == 1 ]]; then
	files[long-$BENCH_LONG_COMMANDS]=$(capture "long-$BENCH_LONG_COMMANDS" -shape long -commands "$BENCH_LONG_COMMANDS")
	labels+=("long-$BENCH_LONG_COMMANDS")
fi

read -r -a formats <<< "$BENCH_FORMATS"
for ((r = 1; r <= BENCH_SHAPE_ROUNDS; r++)); do
	order=("${formats[@]}")
	if ((r % 2 == 0)); then
		order=()
		for ((i = ${#formats[@]} - 1; i >= 0; i--)); do order+=("${formats[i]}"); done
	fi
	for l in "${labels[@]}"; do
		cat "${files[$l]}" > /dev/null # warm the page cache
		for f in "${order[@]}"; do run "$l" "${files[$l]}" "$f"; done
	done
done

# stat_of LABEL FORMAT -> "MEDIAN_WALL MAX_RSS_KB WORST_CODE"
stat_of() {
	local med rest
	med=$(awk -v l="$1" -v f="$2" '$1 == l && $2 == f { print $3 }' "$results" | sort -n |
		awk '{ w[NR] = $1 } END { printf "%.3f", !NR ? 0 : (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }')
	rest=$(awk -v l="$1" -v f="$2" '$1 == l && $2 == f { n++; if ($4 > m) m = $4; if ($5 > c) c = $5 }
		END { print m + 0, n ? c + 0 : 1 }' "$results")
	echo "$med $rest"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
echo
echo "Many/long sessions: commit $commit, $(nproc 2>/dev/null || echo '?') CPUs, load average $load after the runs; median of $BENCH_SHAPE_ROUNDS round(s), --workers 1, output to /dev/null."
echo
echo "| Capture | Size | Sessions | Commands | Format | Wall (s) | Peak RSS (MiB) | Wall / jsonl |"
echo "|---|---:|---:|---:|---|---:|---:|---:|"
for l in "${labels[@]}"; do
	sum="${files[$l]%.pcap}.summary"
	size=$(awk '$1 == "bytes:" { print $3 }' "$sum" | tr -d '(),')
	sessions=$(awk '$1 == "sessions:" { print $2 }' "$sum")
	commands=$(awk '$1 == "commands:" { print $2 }' "$sum")
	read -r jw _ _ < <(stat_of "$l" jsonl)
	for f in "${formats[@]}"; do
		read -r w rss code < <(stat_of "$l" "$f")
		awk -v l="$l" -v s="$size" -v n="$sessions" -v c="$commands" -v f="$f" -v w="$w" -v r="$rss" -v j="$jw" -v code="$code" 'BEGIN {
			note = (code != 0) ? sprintf(" (exit %d)", code) : ""
			printf "| %s | %s | %d | %d | %s | %.2f%s | %.0f | %s |\n", l, s, n, c, f, w, note, r / 1024, (j > 0) ? sprintf("%.2f", w / j) : "–" }'
	done
done
echo
if [[ $BENCH_MANY == 1 ]]; then
	big="short-$BENCH_MANY_SESSIONS"
	read -r jw _ _ < <(stat_of "$big" jsonl)
	for f in "${formats[@]}"; do
		read -r w1 _ _ < <(stat_of "short-$small" "$f")
		read -r w rss code < <(stat_of "$big" "$f")
		awk -v f="$f" -v a="$w1" -v b="$w" -v r="$rss" -v j="$jw" -v code="$code" -v n="$BENCH_MANY_SESSIONS" 'BEGIN {
			lin = (a > 0) ? b / a : 0
			printf "- %s at %d sessions: peak RSS %.0f MiB (%s ≤ 256 MiB), %.2f× jsonl wall (%s ≤ 2.5×), 10× sessions → %.1f× time (%s 8–12×)%s\n",
				f, n, r / 1024, (r <= 256 * 1024 && code == 0) ? "met" : "NOT met:", (j > 0) ? b / j : 0, (j > 0 && b / j <= 2.5 && code == 0) ? "met" : "NOT met:",
				lin, (lin >= 8 && lin <= 12 && code == 0) ? "met" : "NOT met:", (code != 0) ? sprintf(" — run failed (exit %d)", code) : "" }'
	done
fi
if [[ $BENCH_LONG == 1 ]]; then
	for f in "${formats[@]}"; do
		read -r w rss code < <(stat_of "long-$BENCH_LONG_COMMANDS" "$f")
		awk -v f="$f" -v r="$rss" -v n="$BENCH_LONG_COMMANDS" -v code="$code" 'BEGIN {
			printf "- %s, one session of %d commands: peak RSS %.0f MiB (%s ≤ 128 MiB)\n", f, n, r / 1024, (r <= 128 * 1024 && code == 0) ? "met" : "NOT met:" }'
	done
fi
