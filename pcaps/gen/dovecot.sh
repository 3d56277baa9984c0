#!/bin/bash
# Regenerate the Dovecot test captures in pcaps/dovecot/.
#
# Usage (as root, on Debian bookworm or similar):
#   pcaps/gen/dovecot.sh            # all captures
#   pcaps/gen/dovecot.sh demo curl  # only the named ones
#
# It builds two network namespaces joined by a veth pair (client 10.143.0.1,
# server 10.143.0.2, MTU 1500, offloads off so every captured segment is a
# real <=1448-byte TCP payload), runs a private Dovecot in the server
# namespace, reseeds the mailboxes before each capture, captures on the server
# veth with tcpdump and writes NAME.pcap plus NAME.truth.json (the clients'
# own record of what they sent and what completion they received).
# Nothing outside the namespaces and a temp dir is touched, except
# /etc/netns/imapcap-cli/hosts (removed on exit) and a system user "imapcap".
set -euo pipefail

GEN="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$(cd "$GEN/../.." && pwd)/pcaps/dovecot}"
NS_S=imapcap-srv
NS_C=imapcap-cli
IP_S=10.143.0.2
IP_C=10.143.0.1
DEV_S=veth-imaps
DEV_C=veth-imapc
ALL="demo imaplib curl mbsync mbsync-compress fetchmail concurrent auth idle compress starttls imaps features"
WANT="${*:-$ALL}"
# shellcheck source=lib.sh
. "$GEN/lib.sh"

gen_need_root dovecot.sh
gen_install dovecot-core dovecot-imapd tcpdump curl python3 isync fetchmail openssl iproute2 ethtool
gen_tmp imapcap
gen_netns

# ---------------------------------------------------------------- dovecot
dovecot_users
gen_cert
DC_INSTANCE=imapcap DC_MECHS="plain login cram-md5"

start_dovecot() { # $1 = ssl no|yes (yes: imaps on 993), $2 = imap_zlib yes|no
    DC_SSL="ssl = $1
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem"
    DC_ZLIB=${2:-yes} DC_IMAPS_PORT=0
    [ "$1" = yes ] && DC_IMAPS_PORT=993
    dovecot_conf
    dovecot_start 143
}

DOVECOT_VERSION=$(dovecot --version)

# ---------------------------------------------------------------- helpers
CLIENTS=clients.py
SRV_DRAFTS='Entw%26APw-rfe'   # Entwürfe (modified UTF-7)
SRV_SENT=Sent
mkdir -p "$T/home" "$OUT"

reseed() {
    rm -rf "${T:?}/mail/"*
    cli $PY "$GEN/clients.py" seed >/dev/null
}

tool_truth() { $PY "$GEN/logs2truth.py" "$@"; }

# ---------------------------------------------------------------- captures
start_dovecot no

py_capture demo
py_capture imaplib

want curl && { reseed; curl_capture curl; }

if want mbsync; then
    # mbsync 1.4 always negotiates COMPRESS=DEFLATE when offered: for the
    # plain-text capture, restart Dovecot without imap_zlib.
    dovecot_stop; start_dovecot no no
    reseed; mbsync_capture mbsync
    dovecot_stop; start_dovecot no yes
fi
want mbsync-compress && { reseed; mbsync_capture mbsync-compress; }
want fetchmail && { reseed; fetchmail_capture fetchmail; }

py_capture concurrent
py_capture auth
py_capture idle
py_capture compress
py_capture features

if want starttls || want imaps; then
    dovecot_stop
    start_dovecot yes
    py_capture starttls
    py_capture imaps
fi

# Versions for the manifest.
{
    echo "dovecot $DOVECOT_VERSION"
    echo "dovecot-imapd $(dpkg-query -W -f='${Version}' dovecot-imapd)"
    gen_versions_clients
} >"$OUT/VERSIONS.txt"
echo "done: $OUT"
