#!/bin/sh
# fuzz.sh — run every native Go fuzz target for a bounded time.
#
#   FUZZTIME=30s ./scripts/fuzz.sh        (default 30s per target)
#
# New crashers are written by go test under the package's
# testdata/fuzz/<Target>/; turn each into a named regression test.
set -eu
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
cd "$(dirname "$0")/.."

targets="
./dissect FuzzSession
./dissect FuzzRedaction
./pipeline FuzzPcap
./reassembly FuzzReadFrom
./reassembly FuzzPacket
./reassembly FuzzDecodeTCP
./tlsdecrypt FuzzConn
./tlsdecrypt FuzzConnRecorded
./tlsdecrypt FuzzKeyLog
"

status=0
echo "$targets" | while read -r pkg target; do
	[ -n "$pkg" ] || continue
	if ! grep -q "func $target(" "$pkg"/*_test.go 2>/dev/null; then
		echo "fuzz.sh: $pkg $target not found, skipped" >&2
		continue
	fi
	echo "== $pkg $target ($FUZZTIME)"
	if ! $GO test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME"; then
		echo "fuzz.sh: $pkg $target FAILED" >&2
		exit 1
	fi
done || status=1
exit $status
