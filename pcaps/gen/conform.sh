#!/usr/bin/env bash
# Regenerate the conformance captures under pcaps/conform/ with the scripted
# simulator (internal/imap3sim, cmd/imap3sim): real TCP between a scripted
# server and client, each script planting the protocol violations its
# @anomaly lines name (servers breaking RFC 3501's message-number and UID
# rules, RFC 1203's solicited-data and SELECT rules; clients using
# capabilities never announced, or logging in in clear). No real server is
# known to misbehave this way on demand, so the scripts play the broken peer.
#
#   sudo pcaps/gen/conform.sh               # all captures
#   sudo pcaps/gen/conform.sh conform-imap3 # only the named capture(s)
#   sudo OUT=/tmp/x pcaps/gen/conform.sh    # somewhere else than pcaps/conform
#
# Two network namespaces joined by a veth pair (10.221.0.1 server,
# 10.221.0.2 client, MTU 1500, GSO/TSO/GRO and checksum offload off, so the
# pcap shows real 1500-byte segments with valid checksums). tcpdump runs in
# the server namespace; every script is its own TCP connection. Needs root
# and Go. The recipe is sim_main in lib.sh, shared with imap3.sh.
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(cd "$GEN/../.." && pwd)/pcaps/conform}
IP_S=10.221.0.1
IP_C=10.221.0.2
NS_S=conform-s$$
NS_C=conform-c$$
DEV_S=cfs$$
DEV_C=cfc$$

# capture NAME -> comma-separated scripts (one TCP connection each) and port.
declare -A SCRIPTS=(
	[conform-imap4]=conform-expunge,conform-uids,conform-caps,conform-logindisabled,conform-selectorder
	[conform-imap3]=imap3-late-data
)
declare -A PORT=([conform-imap4]=143 [conform-imap3]=220)
ORDER=(conform-imap4 conform-imap3)

# shellcheck source=lib.sh
. "$GEN/lib.sh"
sim_main "$@"
