#!/bin/bash
# Regenerate the TLS test captures in pcaps/tls/ (each with its key log).
#
# Usage (as root, on Debian bookworm or similar):
#   pcaps/gen/tls.sh                          # all captures
#   pcaps/gen/tls.sh tls13-aes128gcm hrr      # only the named ones
#
# Same recipe as pcaps/gen/dovecot.sh: two network namespaces joined by a
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
PY=/usr/bin/python3
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

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

need=()
for p in dovecot-core dovecot-imapd tcpdump curl python3 openssl iproute2 ethtool wireshark-common; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    rc_d=/usr/sbin/policy-rc.d
    made_rc=0
    if [ ! -e $rc_d ]; then printf '#!/bin/sh\nexit 101\n' >$rc_d; chmod +x $rc_d; made_rc=1; fi
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
    [ $made_rc = 1 ] && rm -f $rc_d
fi

T="$(mktemp -d /tmp/imaptls.XXXXXX)"
chmod 755 "$T"
DOVE_PID=""
TCPD_PID=""

cleanup() {
    set +e
    [ -n "$TCPD_PID" ] && kill -INT "$TCPD_PID" 2>/dev/null && wait "$TCPD_PID" 2>/dev/null
    if [ -n "$DOVE_PID" ]; then
        kill -TERM "$DOVE_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$DOVE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DOVE_PID" 2>/dev/null
        wait "$DOVE_PID" 2>/dev/null
    fi
    for p in $(ip netns pids $NS_S 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for p in $(ip netns pids $NS_C 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del $NS_S 2>/dev/null
    ip netns del $NS_C 2>/dev/null
    rm -rf /etc/netns/$NS_C
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- network
ip netns del $NS_S 2>/dev/null || true
ip netns del $NS_C 2>/dev/null || true
ip netns add $NS_S
ip netns add $NS_C
ip link add veth-tlss type veth peer name veth-tlsc
ip link set veth-tlss netns $NS_S
ip link set veth-tlsc netns $NS_C
for spec in "$NS_S veth-tlss $IP_S" "$NS_C veth-tlsc $IP_C"; do
    set -- $spec
    ns=$1 dev=$2 addr=$3
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo mtu 1500 up
    ip netns exec "$ns" ethtool -K lo gso off tso off gro off 2>/dev/null \
        || echo "note: ethtool -K lo refused some offloads in $ns" >&2
    ip -n "$ns" link set "$dev" mtu 1500
    ip netns exec "$ns" ethtool -K "$dev" gso off tso off gro off tx off rx off >/dev/null \
        || echo "note: ethtool -K $dev refused some offloads" >&2
    ip -n "$ns" addr add "$addr/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
done
mkdir -p /etc/netns/$NS_C
printf '127.0.0.1 localhost\n%s mail.example.test\n' $IP_S >/etc/netns/$NS_C/hosts
ip netns exec $NS_C ping -c1 -W2 $IP_S >/dev/null 2>&1 || true

# ---------------------------------------------------------------- dovecot
id imapcap >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin imapcap
MUID=$(id -u imapcap); MGID=$(id -g imapcap)
mkdir -p "$T/run" "$T/state" "$T/mail"
chown imapcap:imapcap "$T/mail"

# Fixed users and passwords (also in clients.py, tls_clients.py and MANIFEST.md).
cat >"$T/passwd" <<PW
alice:{PLAIN}Wh1sper-Secret-4417:$MUID:$MGID::$T/mail/alice::
bob:{PLAIN}Bl0wfish-Quill-2290:$MUID:$MGID::$T/mail/bob::
carol:{PLAIN}C4rol-Lantern-8812:$MUID:$MGID::$T/mail/carol::
dave:{PLAIN}D4ve-Marmot-5521:$MUID:$MGID::$T/mail/dave::
PW
chmod 640 "$T/passwd"; chown root:dovecot "$T/passwd"

# Throwaway self-signed RSA certificate, made per run. The certificate is
# public (it is in every TLS 1.2 capture) and is copied to OUT/cert.pem; the
# private key stays in the temp dir.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.test \
    -addext subjectAltName=DNS:mail.example.test \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1

write_conf() { # $1 = ssl_curve_list ("" = OpenSSL's default groups)
    cat >"$T/dovecot.conf" <<CONF
# generated by pcaps/gen/tls.sh
base_dir = $T/run
state_dir = $T/state
instance_name = imaptls
protocols = imap
listen = $IP_S
hostname = mail.example.test
log_path = $T/dovecot.log
info_log_path = $T/dovecot.log
ssl = yes
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem
ssl_min_protocol = TLSv1.2
# ALL (not Dovecot's default, which drops kRSA): RSA key exchange is one of the captures.
ssl_cipher_list = ALL:!aNULL:!eNULL
ssl_curve_list = $1
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $T/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $T/passwd
}
mail_location = maildir:$T/mail/%u
mail_uid = imapcap
mail_gid = imapcap
first_valid_uid = 1
mail_plugins = \$mail_plugins zlib
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = $IP_S
    port = 143
  }
  inet_listener imaps {
    address = $IP_S
    port = 993
  }
  # One long-lived login process: its OpenSSL session cache and ticket key
  # outlive a connection, so TLS resumption works.
  service_count = 0
  process_min_avail = 1
  process_limit = 1
}
service anvil {
  chroot =
}
CONF
}

start_dovecot() { # $1 = ssl_curve_list
    write_conf "${1:-}"
    ip netns exec $NS_S dovecot -F -c "$T/dovecot.conf" &
    DOVE_PID=$!
    for _ in $(seq 100); do
        ip netns exec $NS_C $PY -c "import socket;socket.create_connection(('$IP_S',993),1).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "dovecot did not start" >&2; cat "$T/dovecot.log" >&2; exit 1
}

stop_dovecot() {
    [ -n "$DOVE_PID" ] || return 0
    kill -TERM "$DOVE_PID"; wait "$DOVE_PID" || true; DOVE_PID=""
}

cli() { ip netns exec $NS_C env HOME="$T/home" "$@"; }
mkdir -p "$T/home" "$OUT"

reseed() {
    rm -rf "${T:?}/mail/"*
    cli $PY "$GEN/tls_clients.py" seed >/dev/null
}

start_capture() { # $1 = name
    rm -f "$OUT/$1.pcap" "$OUT/$1.keylog"
    ip netns exec $NS_S tcpdump -i veth-tlss -s 0 -Z root -U --immediate-mode -w "$T/$1.pcap" 'tcp' 2>"$T/$1.tcpdump.log" &
    TCPD_PID=$!
    for _ in $(seq 50); do grep -q listening "$T/$1.tcpdump.log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.3
}

stop_capture() { # $1 = name
    sleep 0.5
    kill -INT "$TCPD_PID"; wait "$TCPD_PID" || true; TCPD_PID=""
    cp "$T/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap" "$OUT/$1.keylog"
    $PY "$GEN/check_pcap.py" "$OUT/$1.pcap" "$OUT/$1.truth.json"
}

want() { case " $WANT " in *" $1 "*) return 0;; esac; return 1; }

capture() { # $1 = scenario name in tls_clients.py
    want "$1" || return 0
    echo "== $1"
    reseed
    start_capture "$1"
    cli $PY "$GEN/tls_clients.py" "$1" "$OUT/$1.truth.json" "$OUT/$1.keylog" >"$T/$1.client.log" 2>&1 \
        || { cat "$T/$1.client.log"; exit 1; }
    stop_capture "$1"
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
    stop_dovecot
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
