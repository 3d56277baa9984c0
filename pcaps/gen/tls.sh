#!/bin/bash
# Regenerate the TLS test captures in pcaps/tls/ (each with its key log).
#
# Usage (as root, on Debian bookworm or similar):
#   pcaps/gen/tls.sh                          # all captures
#   pcaps/gen/tls.sh tls13-aes128gcm hrr      # only the named ones
#
# Same recipe as pcaps/gen/dovecot.sh (both from pcaps/gen/lib.sh): two network namespaces joined by a
# veth pair (client 10.143.0.1, server 10.143.0.2, MTU 1500, offloads off),
# a private Dovecot in the foreground in the server namespace (ssl = yes,
# imaps on 993, STARTTLS on 143, a throwaway RSA certificate for
# mail.example.test made per run), tcpdump on the server veth. Each capture
# NAME gets NAME.pcap, NAME.keylog (the clients' NSS key log: openssl
# s_client -keylogfile, Python ssl keylog_filename, curl SSLKEYLOGFILE) and
# NAME.truth.json (written by the clients: commands, statuses and the TLS
# version/cipher each client reported). Namespace names differ from
# dovecot.sh's so both can run at once.
set -euo pipefail

GEN="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$(cd "$GEN/../.." && pwd)/pcaps/tls}"
NS_S=imaptls-srv
NS_C=imaptls-cli
IP_S=10.143.0.2
IP_C=10.143.0.1
DEV_S=veth-tlss
DEV_C=veth-tlsc
# scenario names in tls_clients.py; "hrr" runs against a restart with ssl_curve_list = P-256.
ALL="tls13-aes128gcm tls13-aes256gcm tls13-chacha20
     tls12-aes128gcm tls12-aes256gcm tls12-chacha20
     tls12-aes128-sha tls12-aes128-sha-noetm tls12-aes128-sha256 tls12-aes128-sha256-noetm
     tls12-aes256-sha384 tls12-aes256-sha384-noetm
     tls12-noems tls12-rsa-kex
     tls12-resume-sessid tls12-resume-ticket tls13-resume tls13-keyupdate
     starttls-openssl starttls-imaplib imaps-imaplib imaps-curl compress-tls
     hrr"
WANT="$(echo ${*:-$ALL})"
# shellcheck source=lib.sh
. "$GEN/lib.sh"

gen_need_root tls.sh
INSTALL_DEBCONF="wireshark-common wireshark-common/install-setuid boolean false" \
    gen_install dovecot-core dovecot-imapd tcpdump curl python3 openssl iproute2 ethtool wireshark-common
gen_tmp imaptls
gen_netns

# ---------------------------------------------------------------- dovecot
dovecot_users
# The certificate is public (it is in every TLS 1.2 capture) and is copied
# to OUT/cert.pem; the private key stays in the temp dir.
gen_cert
DC_INSTANCE=imaptls DC_MECHS="plain login" DC_IMAPS_PORT=993 DC_ZLIB=yes
DC_LOGIN="  # One long-lived login process: its OpenSSL session cache and ticket key
  # outlive a connection, so TLS resumption works.
  service_count = 0
  process_min_avail = 1
  process_limit = 1"

start_dovecot() { # $1 = ssl_curve_list ("" = OpenSSL's default groups)
    DC_SSL="ssl = yes
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem
ssl_min_protocol = TLSv1.2
# ALL (not Dovecot's default, which drops kRSA): RSA key exchange is one of the captures.
ssl_cipher_list = ALL:!aNULL:!eNULL
ssl_curve_list = ${1:-}"
    dovecot_conf
    dovecot_start 993
}

CLIENTS=tls_clients.py
CAPTURE_EXTS=keylog
mkdir -p "$T/home" "$OUT"

reseed() {
    rm -rf "${T:?}/mail/"*
    cli $PY "$GEN/tls_clients.py" seed >/dev/null
}

capture() { # $1 = scenario name in tls_clients.py
    py_capture "$1" "$OUT/$1.keylog"
}

# ---------------------------------------------------------------- captures
start_dovecot ""
cp "$T/cert.pem" "$OUT/cert.pem"; chmod 644 "$OUT/cert.pem"
for s in $ALL; do
    [ "$s" = hrr ] || capture "$s"
done

if want hrr; then
    # The server accepts only P-256; the client's first group (X25519) gets
    # the key share, so the server answers with a HelloRetryRequest.
    dovecot_stop
    start_dovecot "P-256"
    capture hrr
fi

# The key log embedded in a pcapng Decryption Secrets Block.
if [ -f "$OUT/imaps-imaplib.pcap" ] && { want imaps-imaplib || want dsb; }; then
    echo "== dsb"
    editcap --inject-secrets "tls,$OUT/imaps-imaplib.keylog" "$OUT/imaps-imaplib.pcap" "$OUT/dsb.pcapng"
    cp "$OUT/imaps-imaplib.truth.json" "$OUT/dsb.truth.json"
    $PY - "$OUT/dsb.truth.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["capture"] = "dsb"
d["notes"] = "imaps-imaplib.pcap with imaps-imaplib.keylog embedded as a pcapng Decryption Secrets Block (editcap --inject-secrets tls,...)"
d["keylog"] = "embedded"
json.dump(d, open(p, "w"), indent=1, ensure_ascii=False)
open(p, "a").write("\n")
PYEOF
    chmod 644 "$OUT/dsb.pcapng" "$OUT/dsb.truth.json"
fi

{
    echo "dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1)"
    echo "dovecot-imapd $(dpkg-query -W -f='${Version}' dovecot-imapd)"
    echo "openssl $(openssl version | cut -d' ' -f2) (package $(dpkg-query -W -f='${Version}' openssl))"
    echo "python $($PY -c 'import sys,ssl;print(sys.version.split()[0], "ssl", ssl.OPENSSL_VERSION)')"
    echo "$(curl --version | head -1 | cut -d' ' -f1-5)"
    echo "tcpdump $(dpkg-query -W -f='${Version}' tcpdump)"
    echo "editcap/tshark $(dpkg-query -W -f='${Version}' wireshark-common)"
    echo "kernel $(uname -r)"
} >"$OUT/VERSIONS.txt"
echo "done: $OUT"
