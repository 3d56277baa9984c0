#!/bin/sh
# secrets.sh — regenerate the crafted captures of pcaps/secrets/.
#
#   pcaps/gen/secrets.sh                  # into pcaps/secrets
#   OUT=/tmp/x pcaps/gen/secrets.sh       # somewhere else (an absolute path)
#
# malformed-login.pcap: one TCP connection per LOGIN/AUTHENTICATE shape
# (well-formed ones, then malformed ones: separator bytes, first arguments
# with no certain end, misplaced command words, commands broken across
# lines, AUTHENTICATE variants, and capture damage — a lost packet, a snap
# length cut, a capture ending mid-line), each carrying a marker password
# "Zx7Q....pw", with the replies a Dovecot 2.3 server gives.
# starttls-injection.pcap: the CVE-2011-0411 pattern (a LOGIN appended to
# the client's STARTTLS segment, pipelining after STARTTLS, server plain
# text after its OK) and a clean STARTTLS.
#
# Crafted, not captured: these are client bugs and attacks that no client
# at hand produces. The shapes, and the real condition each reproduces,
# are in internal/secretshapes/capture.go and NAME.shapes.json.
# Byte-for-byte reproducible; needs Go, not root.
set -eu
cd "$(dirname "$0")/../.."
OUT=${OUT:-pcaps/secrets}
mkdir -p "$OUT"
${GO:-go} run ./internal/secretshapes/cmd/gensecrets -dir "$OUT"
ls -l "$OUT"
