#!/bin/bash
# Regenerate the Courier IMAP test captures in pcaps/courier/.
#
# Usage (as root, on Debian bookworm):
#   pcaps/gen/courier.sh              # all captures
#   pcaps/gen/courier.sh session      # only the named ones
#
# courier-imap conflicts with dovecot-imapd (both "Provide: imap-server"), so
# this script installs only the non-conflicting courier-base, courier-authdaemon
# and courier-authlib-userdb with apt-get, fetches courier-imap's .deb with
# `apt-get download` and unpacks it with `dpkg -x` into the temp dir.
#
# The server runs in its own network namespace (10.145.0.2; client 10.145.0.1)
# AND its own mount namespace, where a private copy of /etc/courier (userdb with
# our four users, authdaemonrc with authmodulelist="authuserdb") and a private
# /run/courier are bind-mounted: authdaemond and couriertcpd -> imaplogin ->
# imapd see only those; the host's files are untouched. No system users.
set -euo pipefail

GEN="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$(cd "$GEN/../.." && pwd)/pcaps/courier}"
NS_S=coucap-srv
NS_C=coucap-cli
IP_S=10.145.0.2
IP_C=10.145.0.1
PY=/usr/bin/python3
ALL="session features mbsync curl fetchmail"   # starttls: couriertls closed the handshake here (not debugged)
WANT="${*:-$ALL}"

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

# ---------------------------------------------------------------- packages
need=()
for p in courier-base courier-authdaemon courier-authlib-userdb gamin tcpdump curl python3 isync fetchmail openssl iproute2 ethtool util-linux; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    rc_d=/usr/sbin/policy-rc.d
    made_rc=0
    if [ ! -e $rc_d ]; then printf '#!/bin/sh\nexit 101\n' >$rc_d; chmod +x $rc_d; made_rc=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
    [ $made_rc = 1 ] && rm -f $rc_d
fi

T="$(mktemp -d /tmp/coucap.XXXXXX)"
chmod 755 "$T"
SRV_PID=""
TCPD_PID=""

cleanup() {
    set +e
    [ -n "$TCPD_PID" ] && kill -INT "$TCPD_PID" 2>/dev/null && wait "$TCPD_PID" 2>/dev/null
    for p in $(ip netns pids $NS_S 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for p in $(ip netns pids $NS_C 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    [ -n "$SRV_PID" ] && wait "$SRV_PID" 2>/dev/null
    ip netns del $NS_S 2>/dev/null
    ip netns del $NS_C 2>/dev/null
    rm -rf /etc/netns/$NS_C
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- courier-imap binaries
( cd "$T" && apt-get download courier-imap >/dev/null 2>&1 ) || { echo "apt-get download courier-imap failed" >&2; exit 1; }
dpkg -x "$T"/courier-imap_*.deb "$T/pkg"
COURIER_VERSION=$(dpkg-deb -f "$T"/courier-imap_*.deb Version)

# ---------------------------------------------------------------- network
ip netns del $NS_S 2>/dev/null || true
ip netns del $NS_C 2>/dev/null || true
ip netns add $NS_S
ip netns add $NS_C
ip link add veth-cous type veth peer name veth-couc
ip link set veth-cous netns $NS_S
ip link set veth-couc netns $NS_C
for spec in "$NS_S veth-cous $IP_S" "$NS_C veth-couc $IP_C"; do
    set -- $spec
    ns=$1 dev=$2 addr=$3
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo mtu 1500 up
    ip netns exec "$ns" ethtool -K lo gso off tso off gro off 2>/dev/null || true
    ip -n "$ns" link set "$dev" mtu 1500
    ip netns exec "$ns" ethtool -K "$dev" gso off tso off gro off tx off rx off >/dev/null \
        || echo "note: ethtool -K $dev refused some offloads" >&2
    ip -n "$ns" addr add "$addr/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
done
mkdir -p /etc/netns/$NS_C
printf '127.0.0.1 localhost\n%s mail.example.test\n' $IP_S >/etc/netns/$NS_C/hosts

# ---------------------------------------------------------------- courier
E="$T/etc-courier"; R="$T/run-courier"
cp -a /etc/courier "$E"
cp "$T/pkg/etc/courier/imapd" "$T/pkg/etc/courier/imapd-ssl" "$E/"
mkdir -p "$R/authdaemon"; chown courier:courier "$R/authdaemon"; chmod 750 "$R/authdaemon"
sed -i 's/^authmodulelist=.*/authmodulelist="authuserdb"/; s/^DEBUG_LOGIN=.*/DEBUG_LOGIN=0/' "$E/authdaemonrc"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.test \
    -addext subjectAltName=DNS:mail.example.test -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
cat "$T/key.pem" "$T/cert.pem" >"$E/imapd.pem"; chmod 600 "$E/imapd.pem"
cat >>"$E/imapd" <<EOF
# --- pcaps/gen/courier.sh overrides
ADDRESS=$IP_S
IMAP_CAPABILITY="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE AUTH=PLAIN"
IMAP_IDLE_TIMEOUT=2
IMAP_ULIMITD=
EOF
cat >>"$E/imapd-ssl" <<EOF
# --- pcaps/gen/courier.sh overrides
TLS_CERTFILE=/etc/courier/imapd.pem
TLS_CACHEFILE=
EOF

# Fixed users and passwords (also in clients.py and MANIFEST.md); mail owned by the
# Debian "courier" user. userdb holds SHA-512 crypt hashes.
MUID=$(id -u courier); MGID=$(id -g courier)
: >"$E/userdb"
for up in alice:Wh1sper-Secret-4417 bob:Bl0wfish-Quill-2290 carol:C4rol-Lantern-8812 dave:D4ve-Marmot-5521; do
    u=${up%%:*}; h=$(openssl passwd -6 "${up#*:}")
    printf '%s\tuid=%s|gid=%s|home=%s|mail=%s|systempw=%s\n' "$u" "$MUID" "$MGID" "$T/mail/$u" "$T/mail/$u/Maildir" "$h" >>"$E/userdb"
done
chmod 600 "$E/userdb"

# The server: its own mount namespace inside the server netns.
cat >"$T/server.sh" <<EOF
#!/bin/bash
set -e
mount --bind "$E" /etc/courier
mount --bind "$R" /run/courier
makeuserdb
set -a
. /etc/courier/authdaemonrc
/usr/lib/courier/courier-authlib/authdaemond >>"$T/authdaemond.log" 2>&1 &
for _ in \$(seq 50); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.1; done
prefix=/usr; exec_prefix=/usr; sbindir=/usr/sbin; bindir=/usr/bin
. /etc/courier/imapd
. /etc/courier/imapd-ssl
IMAP_STARTTLS=\$IMAPDSTARTTLS
IMAP_TLS_REQUIRED=0
set +a
exec /usr/sbin/couriertcpd -address=\$ADDRESS -maxprocs=40 -maxperip=20 -nodnslookup -noidentlookup \\
    143 "$T/pkg/usr/lib/courier/courier/imaplogin" "$T/pkg/usr/bin/imapd" Maildir
EOF
chmod +x "$T/server.sh"

start_courier() {
    rm -rf "$T/mail"; mkdir -p "$T/mail"
    for u in alice bob carol dave; do mkdir -p "$T/mail/$u"; maildirmake "$T/mail/$u/Maildir"; done
    chown -R courier:courier "$T/mail"
    # setsid: on SIGTERM couriertcpd signals its whole process group, which must not be ours
    setsid ip netns exec $NS_S unshare -m --propagation private "$T/server.sh" >>"$T/server.log" 2>&1 &
    SRV_PID=$!
    for _ in $(seq 100); do
        ip netns exec $NS_C $PY -c "import socket;socket.create_connection(('$IP_S',143),1).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "courier did not start" >&2; cat "$T/server.log" >&2; exit 1
}

stop_courier() {
    [ -n "$SRV_PID" ] || return 0
    for p in $(ip netns pids $NS_S 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $(ip netns pids $NS_S 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    wait "$SRV_PID" 2>/dev/null || true; SRV_PID=""
}

# ---------------------------------------------------------------- helpers
export IMAP_SERVER=$IP_S XSRV=courier
SRV_DRAFTS='INBOX.Entw%26APw-rfe'   # Entwürfe (modified UTF-7) under Courier's INBOX. namespace
SRV_SENT=INBOX.Sent
cli() { ip netns exec $NS_C env HOME="$T/home" IMAP_SERVER=$IP_S XSRV=courier "$@"; }
mkdir -p "$T/home" "$OUT"

reseed() { # fresh Courier (empty maildirs), then seed over IMAP (not captured)
    stop_courier
    start_courier
    cli $PY "$GEN/xsrv_clients.py" seed >/dev/null
}

start_capture() { # $1 = name
    rm -f "$OUT/$1.pcap"
    ip netns exec $NS_S tcpdump -i veth-cous -s 0 -Z root -U --immediate-mode -w "$T/$1.pcap" 'tcp' 2>"$T/$1.tcpdump.log" &
    TCPD_PID=$!
    for _ in $(seq 50); do grep -q listening "$T/$1.tcpdump.log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.3
}

stop_capture() { # $1 = name
    sleep 0.5
    kill -INT "$TCPD_PID"; wait "$TCPD_PID" || true; TCPD_PID=""
    cp "$T/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap"
    $PY "$GEN/check_pcap.py" "$OUT/$1.pcap" "$OUT/$1.truth.json"
}

want() { case " $WANT " in *" $1 "*) return 0;; esac; return 1; }

py_capture() { # $1 = name  (scenario of the same name in xsrv_clients.py)
    want "$1" || return 0
    echo "== $1"
    reseed
    start_capture "$1"
    cli $PY "$GEN/xsrv_clients.py" "$1" "$OUT/$1.truth.json" >"$T/$1.client.log" 2>&1 \
        || { cat "$T/$1.client.log"; exit 1; }
    stop_capture "$1"
}

# shellcheck source=xsrv_tools.sh
. "$GEN/xsrv_tools.sh"

# ---------------------------------------------------------------- captures
py_capture session
py_capture features
want mbsync && { reseed; mbsync_capture mbsync "/" ; }
want curl && { reseed; curl_capture curl ; }
want fetchmail && { reseed; fetchmail_capture fetchmail ; }
py_capture starttls

{
    echo "courier-imap $COURIER_VERSION (imapd/imaplogin from the .deb via dpkg -x; couriertcpd from courier-base $(dpkg-query -W -f='${Version}' courier-base))"
    echo "courier-authlib $(dpkg-query -W -f='${Version}' courier-authdaemon) (authuserdb)"
    echo "python $($PY -c 'import sys;print(sys.version.split()[0])')"
    echo "$(curl --version | head -1 | cut -d' ' -f1-3)"
    echo "$(mbsync --version)"
    echo "fetchmail $(dpkg-query -W -f='${Version}' fetchmail)"
    echo "openssl $(openssl version | cut -d' ' -f2)"
    echo "tcpdump $(dpkg-query -W -f='${Version}' tcpdump)"
    echo "kernel $(uname -r)"
} >"$OUT/VERSIONS.txt"
echo "done: $OUT"
