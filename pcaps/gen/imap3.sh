#!/usr/bin/env bash
# Regenerate the IMAP2/IMAP3 captures under pcaps/imap3/ with the scripted
# simulator (internal/imap3sim, cmd/imap3sim).
#
#   sudo pcaps/gen/imap3.sh            # all captures
#   sudo pcaps/gen/imap3.sh imap2-find # only the named capture(s)
#   sudo OUT=/tmp/x pcaps/gen/imap3.sh # somewhere else than pcaps/imap3
#
# Two network namespaces joined by a veth pair (10.220.0.1 server,
# 10.220.0.2 client, MTU 1500, GSO/TSO/GRO and checksum offload off, so the
# pcap shows real 1500-byte segments with valid checksums). tcpdump runs in
# the server namespace; every script is its own TCP connection. Needs root
# and Go. The recipe is sim_main in lib.sh.
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(cd "$GEN/../.." && pwd)/pcaps/imap3}
IP_S=10.220.0.1
IP_C=10.220.0.2
NS_S=imap3sim-s$$
NS_C=imap3sim-c$$
DEV_S=i3s$$
DEV_C=i3c$$

# capture NAME -> comma-separated scripts (one TCP connection each) and port.
declare -A SCRIPTS=(
	[rfc1203-sample]=rfc1203-sample
	[imap3-clean]=imap3-clean
	[imap2-find]=imap2-find
	[imap3-seteol]=imap3-seteol
	[imap3-pipelined]=imap3-pipelined
	[imap3-port143]=imap2-port143,imap3-port143
)
declare -A PORT=(
	[rfc1203-sample]=220 [imap3-clean]=220 [imap2-find]=220
	[imap3-seteol]=220 [imap3-pipelined]=220 [imap3-port143]=143
)
ORDER=(rfc1203-sample imap3-clean imap2-find imap3-seteol imap3-pipelined imap3-port143)

# shellcheck source=lib.sh
. "$GEN/lib.sh"
sim_main "$@"
