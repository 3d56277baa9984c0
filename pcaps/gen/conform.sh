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
#
# Two network namespaces joined by a veth pair (10.221.0.1 server,
# 10.221.0.2 client, MTU 1500, GSO/TSO/GRO and checksum offload off, so the
# pcap shows real 1500-byte segments with valid checksums). tcpdump runs in
# the server namespace; every script is its own TCP connection. Needs root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/pcaps/conform
SRV_IP=10.221.0.1
CLI_IP=10.221.0.2
NS_S=conform-s$$
NS_C=conform-c$$
IF_S=cfs$$
IF_C=cfc$$

# capture NAME -> comma-separated scripts (one TCP connection each) and port.
declare -A SCRIPTS=(
	[conform-imap4]=conform-expunge,conform-uids,conform-caps,conform-logindisabled,conform-selectorder
	[conform-imap3]=imap3-late-data
)
declare -A PORT=([conform-imap4]=143 [conform-imap3]=220)
ORDER=(conform-imap4 conform-imap3)

if [ "$(id -u)" != 0 ]; then
	echo "conform.sh: needs root (network namespaces, tcpdump)" >&2
	exit 1
fi
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v ethtool >/dev/null || missing+=(ethtool)
command -v tcpdump >/dev/null || missing+=(tcpdump)
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y "${missing[@]}"
fi

TMP=$(mktemp -d)
TCPDUMP_PID=
SERVER_PID=
cleanup() {
	set +e
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	if [ -n "$TCPDUMP_PID" ]; then
		kill -INT "$TCPDUMP_PID" 2>/dev/null
		wait "$TCPDUMP_PID" 2>/dev/null
	fi
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building imap3sim"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$TMP/imap3sim" ./cmd/imap3sim)
BIN=$TMP/imap3sim
chmod 755 "$TMP" "$BIN"

ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" type veth peer name "$IF_C"
ip link set "$IF_S" netns "$NS_S"
ip link set "$IF_C" netns "$NS_C"
for pair in "$NS_S:$IF_S:$SRV_IP" "$NS_C:$IF_C:$CLI_IP"; do
	IFS=: read -r ns dev addr <<<"$pair"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev "$dev"
	ip -n "$ns" link set "$dev" mtu 1500 up
	ip netns exec "$ns" ethtool -K "$dev" gso off tso off gro off tx off rx off >/dev/null
done

capture() {
	local name=$1 scripts=${SCRIPTS[$1]} port=${PORT[$1]}
	local pcap=$TMP/$name.pcap log=$TMP/$name.tcpdump.log
	echo "capturing $name ($scripts) on port $port"
	ip netns exec "$NS_S" tcpdump -i "$IF_S" -s 0 -U --immediate-mode -n -Z root -w "$pcap" "tcp port $port" 2>"$log" &
	TCPDUMP_PID=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$log" && break
		sleep 0.05
	done
	ip netns exec "$NS_S" "$BIN" -listen "$SRV_IP:$port" -script "$scripts" &
	SERVER_PID=$!
	# Start the client only once the server listens, so no SYN is refused.
	for _ in $(seq 200); do
		ip netns exec "$NS_S" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.02
	done
	ip netns exec "$NS_C" "$BIN" -connect "$SRV_IP:$port" -script "$scripts"
	wait "$SERVER_PID"
	SERVER_PID=
	sleep 0.3
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" || true
	TCPDUMP_PID=
	mkdir -p "$OUT"
	cp "$pcap" "$OUT/$name.pcap"
	"$BIN" -truth "$scripts" >"$OUT/$name.truth.json"
	tail -n 3 "$log" | sed "s/^/  /"
}

if [ $# -gt 0 ]; then ORDER=("$@"); fi
for name in "${ORDER[@]}"; do
	[ -n "${SCRIPTS[$name]:-}" ] || { echo "unknown capture $name" >&2; exit 2; }
	capture "$name"
done
echo "done: $OUT"
