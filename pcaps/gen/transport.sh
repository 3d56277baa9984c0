#!/bin/sh
# transport.sh — regenerate the crafted transport captures of pcaps/transport/
# and their MANIFEST.md (internal/transportgen: port reuse, retransmissions,
# fragments, checksums, tunnels, capture damage; what each reproduces is in
# the manifest).
#
#   pcaps/gen/transport.sh                # into pcaps/transport
#   OUT=/tmp/x pcaps/gen/transport.sh     # somewhere else (an absolute path)
#
# Byte-for-byte reproducible (internal/transportgen/gen_test.go checks the
# committed files against the generator); needs Go, not root.
set -eu
cd "$(dirname "$0")/../.."
OUT=${OUT:-pcaps/transport}
${GO:-go} run ./internal/transportgen/cmd/transportgen -dir "$OUT"
