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
PY=/usr/bin/python3
ALL="demo imaplib curl mbsync mbsync-compress fetchmail concurrent auth idle compress starttls imaps features"
WANT="${*:-$ALL}"

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

# ---------------------------------------------------------------- packages
need=()
for p in dovecot-core dovecot-imapd tcpdump curl python3 isync fetchmail openssl iproute2 ethtool; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    # Debian's postinst would start the system Dovecot; we only want our own.
    rc_d=/usr/sbin/policy-rc.d
    made_rc=0
    if [ ! -e $rc_d ]; then printf '#!/bin/sh\nexit 101\n' >$rc_d; chmod +x $rc_d; made_rc=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
    [ $made_rc = 1 ] && rm -f $rc_d
fi

T="$(mktemp -d /tmp/imapcap.XXXXXX)"
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
    # any child of our Dovecot still alive in the namespace (pids only from our ns)
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
ip link add veth-imaps type veth peer name veth-imapc
ip link set veth-imaps netns $NS_S
ip link set veth-imapc netns $NS_C
for spec in "$NS_S veth-imaps $IP_S" "$NS_C veth-imapc $IP_C"; do
    set -- $spec
    ns=$1 dev=$2 addr=$3
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo mtu 1500 up
    ip netns exec "$ns" ethtool -K lo gso off tso off gro off 2>/dev/null \
        || echo "note: ethtool -K lo refused some offloads in $ns" >&2
    ip -n "$ns" link set "$dev" mtu 1500
    # tx/rx off too: checksums are then computed in software and correct in the capture.
    ip netns exec "$ns" ethtool -K "$dev" gso off tso off gro off tx off rx off >/dev/null \
        || echo "note: ethtool -K $dev refused some offloads" >&2
    ip -n "$ns" addr add "$addr/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
done
mkdir -p /etc/netns/$NS_C
printf '127.0.0.1 localhost\n%s mail.example.test\n' $IP_S >/etc/netns/$NS_C/hosts
ip netns exec $NS_C ping -c1 -W2 $IP_S >/dev/null 2>&1 || ip netns exec $NS_C $PY -c 'pass'

# ---------------------------------------------------------------- dovecot
id imapcap >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin imapcap
MUID=$(id -u imapcap); MGID=$(id -g imapcap)
mkdir -p "$T/run" "$T/state" "$T/mail"
chown imapcap:imapcap "$T/mail"

# Fixed users and passwords (also in clients.py and MANIFEST.md).
cat >"$T/passwd" <<EOF
alice:{PLAIN}Wh1sper-Secret-4417:$MUID:$MGID::$T/mail/alice::
bob:{PLAIN}Bl0wfish-Quill-2290:$MUID:$MGID::$T/mail/bob::
carol:{PLAIN}C4rol-Lantern-8812:$MUID:$MGID::$T/mail/carol::
dave:{PLAIN}D4ve-Marmot-5521:$MUID:$MGID::$T/mail/dave::
EOF
chmod 640 "$T/passwd"; chown root:dovecot "$T/passwd"

# Throwaway self-signed certificate, generated per run, never committed.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.test \
    -addext subjectAltName=DNS:mail.example.test \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1

write_conf() { # $1 = no|yes (ssl), $2 = yes|no (imap_zlib: COMPRESS=DEFLATE)
    local ssl=$1 zlib=${2:-yes} imaps_port=0 zplug=""
    [ "$zlib" = yes ] && zplug=imap_zlib
    [ "$ssl" = yes ] && imaps_port=993
    cat >"$T/dovecot.conf" <<EOF
# generated by pcaps/gen/dovecot.sh
base_dir = $T/run
state_dir = $T/state
instance_name = imapcap
protocols = imap
listen = $IP_S
hostname = mail.example.test
log_path = $T/dovecot.log
info_log_path = $T/dovecot.log
ssl = $ssl
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
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
  mail_plugins = \$mail_plugins $zplug
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
    port = $imaps_port
  }
}
service anvil {
  chroot =
}
EOF
}

start_dovecot() { # $1 = ssl no|yes, $2 = imap_zlib yes|no
    write_conf "$1" "${2:-yes}"
    ip netns exec $NS_S dovecot -F -c "$T/dovecot.conf" &
    DOVE_PID=$!
    for _ in $(seq 100); do
        ip netns exec $NS_C $PY -c "import socket;socket.create_connection(('$IP_S',143),1).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "dovecot did not start" >&2; cat "$T/dovecot.log" >&2; exit 1
}

stop_dovecot() {
    [ -n "$DOVE_PID" ] || return 0
    kill -TERM "$DOVE_PID"; wait "$DOVE_PID" || true; DOVE_PID=""
}

DOVECOT_VERSION=$(dovecot --version)

# ---------------------------------------------------------------- helpers
cli() { ip netns exec $NS_C env HOME="$T/home" "$@"; }
mkdir -p "$T/home" "$OUT"

reseed() {
    rm -rf "${T:?}/mail/"*
    cli $PY "$GEN/clients.py" seed >/dev/null
}

start_capture() { # $1 = name
    rm -f "$OUT/$1.pcap"
    ip netns exec $NS_S tcpdump -i veth-imaps -s 0 -Z root -U --immediate-mode -w "$T/$1.pcap" 'tcp' 2>"$T/$1.tcpdump.log" &
    TCPD_PID=$!
    for _ in $(seq 50); do grep -q listening "$T/$1.tcpdump.log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.3
}

stop_capture() { # $1 = name
    sleep 0.5   # let the last FIN/ACKs pass
    kill -INT "$TCPD_PID"; wait "$TCPD_PID" || true; TCPD_PID=""
    cp "$T/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap"
    $PY "$GEN/check_pcap.py" "$OUT/$1.pcap" "$OUT/$1.truth.json"
}

want() { case " $WANT " in *" $1 "*) return 0;; esac; return 1; }

py_capture() { # $1 = name  (scenario of the same name in clients.py)
    want "$1" || return 0
    echo "== $1"
    reseed
    start_capture "$1"
    cli $PY "$GEN/clients.py" "$1" "$OUT/$1.truth.json" >"$T/$1.client.log" 2>&1 \
        || { cat "$T/$1.client.log"; exit 1; }
    stop_capture "$1"
}

# ---------------------------------------------------------------- captures
start_dovecot no

py_capture demo
py_capture imaplib

if want curl; then
    echo "== curl"
    reseed
    start_capture curl
    CURL_LOG="$T/curl.log"; : >"$CURL_LOG"
    n=0
    run_curl() { # user:password, then curl args; each run is one connection
        n=$((n+1))
        up=$1; shift
        echo "@@ RUN $n user=${up%%:*} pass=${up#*:}" >>"$CURL_LOG"
        # --trace-ascii records every byte curl sends and receives; -v alone
        # leaves out the LOGOUT curl sends as it disconnects.
        port=$(cli curl -s --trace-ascii "$T/curl.trace.$n" -u "$up" -o "$T/curl.out.$n" -w '%{local_port}' "$@") \
            || echo "@@ RC $?" >>"$CURL_LOG"
        cat "$T/curl.trace.$n" >>"$CURL_LOG"
        echo "@@ PORT $port" >>"$CURL_LOG"
        sleep 0.3
    }
    A=alice:Wh1sper-Secret-4417
    run_curl $A "imap://$IP_S/"                                       # LIST
    run_curl $A "imap://$IP_S/INBOX;UID=1"                            # SELECT + UID FETCH BODY[]
    run_curl $A "imap://$IP_S/INBOX;UID=3"                            # a big body
    run_curl $A "imap://$IP_S/INBOX?SUBJECT%20report"                 # SEARCH
    run_curl $A "imap://$IP_S/" -X 'EXAMINE INBOX'
    run_curl $A "imap://$IP_S/INBOX" -X 'SEARCH UNSEEN'
    run_curl $A "imap://$IP_S/" -X 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'
    run_curl $A --login-options 'AUTH=LOGIN' "imap://$IP_S/Entw%26APw-rfe;UID=1"
    run_curl $A "imap://$IP_S/Sent;UID=1;SECTION=TEXT"
    run_curl bob:Bl0wfish-Quill-2290 --login-options 'AUTH=PLAIN' "imap://$IP_S/INBOX;UID=2;SECTION=HEADER"
    run_curl alice:Wrong-Password-0000 --login-options "AUTH=PLAIN" "imap://$IP_S/"   # AUTHENTICATE -> NO
    run_curl $A "imap://$IP_S/INBOX" -X "FETCH 1:2 (FLAGS INTERNALDATE)"
    $PY "$GEN/logs2truth.py" curl "$CURL_LOG" "$OUT/curl.truth.json" "curl $(curl --version | head -1 | cut -d' ' -f2)"
    stop_capture curl
fi

mbsync_capture() { # $1 = capture name
    echo "== $1"
    reseed
    L="$T/mbsync-local"; rm -rf "$L"; mkdir -p "$L/INBOX/"{cur,new,tmp}
    # two local-only messages, so mbsync has something to APPEND upstream
    for i in 1 2; do
        printf 'From: Local Writer <local@example.test>\r\nTo: alice@example.test\r\nSubject: drafted offline %s\r\nDate: Fri, 01 Mar 2024 12:0%s:00 +0000\r\nMessage-ID: <offline-%s@example.test>\r\n\r\nWritten while offline, number %s.\r\nA0005 OK this line is body text\r\n' $i $i $i $i \
            >"$L/INBOX/new/170000000$i.local$i.imapcap"
    done
    cat >"$T/mbsyncrc" <<EOF
IMAPAccount remote
Host $IP_S
Port 143
User alice
Pass Wh1sper-Secret-4417
SSLType None
AuthMechs LOGIN
PipelineDepth 8

IMAPStore remote
Account remote

MaildirStore local
Path $L/
Inbox $L/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
Sync All
SyncState *
EOF
    start_capture "$1"
    MB_LOG="$T/$1.log"; : >"$MB_LOG"
    echo "@@ RUN 1 user=alice pass=Wh1sper-Secret-4417" >>"$MB_LOG"
    cli mbsync -c "$T/mbsyncrc" -D -a >>"$MB_LOG" 2>&1 || echo "mbsync run 1 rc=$?"
    sleep 0.5
    # second run: flag one local message and trash another -> APPEND/STORE/EXPUNGE upstream
    f=$(ls "$L/INBOX/cur" | sort | head -1)
    [ -n "$f" ] && mv "$L/INBOX/cur/$f" "$L/INBOX/cur/${f%:2,*}:2,FS"
    g=$(ls "$L/INBOX/cur" | sort | sed -n 2p)
    [ -n "$g" ] && mv "$L/INBOX/cur/$g" "$L/INBOX/cur/${g%:2,*}:2,ST"
    echo "@@ RUN 2 user=alice pass=Wh1sper-Secret-4417" >>"$MB_LOG"
    cli mbsync -c "$T/mbsyncrc" -D -a >>"$MB_LOG" 2>&1 || echo "mbsync run 2 rc=$?"
    $PY "$GEN/logs2truth.py" mbsync "$MB_LOG" "$OUT/$1.truth.json" "$(mbsync --version)"
    stop_capture "$1"
}

if want mbsync; then
    # mbsync 1.4 always negotiates COMPRESS=DEFLATE when offered: for the
    # plain-text capture, restart Dovecot without imap_zlib.
    stop_dovecot; start_dovecot no no
    mbsync_capture mbsync
    stop_dovecot; start_dovecot no yes
fi
if want mbsync-compress; then
    mbsync_capture mbsync-compress
fi

if want fetchmail; then
    echo "== fetchmail"
    reseed
    cat >"$T/fetchmailrc" <<EOF
set no syslog
poll $IP_S with protocol IMAP port 143 auth password
  user "bob" there with password "Bl0wfish-Quill-2290" is root here
  keep fetchall
  sslproto ''
  mda "cat >/dev/null"
EOF
    chmod 600 "$T/fetchmailrc"
    start_capture fetchmail
    FM_LOG="$T/fetchmail.log"; : >"$FM_LOG"
    cli fetchmail -f "$T/fetchmailrc" -i "$T/fetchids" -N -v -v >>"$FM_LOG" 2>&1 || echo "fetchmail rc=$? (1 = no mail is fine)"
    $PY "$GEN/logs2truth.py" fetchmail "$FM_LOG" "$OUT/fetchmail.truth.json" "$(fetchmail --version 2>/dev/null | grep -m1 release | sed 's/^This is //; s/ release / /; s/\.$//')"
    stop_capture fetchmail
fi

py_capture concurrent
py_capture auth
py_capture idle
py_capture compress
py_capture features

if want starttls || want imaps; then
    stop_dovecot
    start_dovecot yes
    py_capture starttls
    py_capture imaps
fi

# Versions for the manifest.
{
    echo "dovecot $DOVECOT_VERSION"
    echo "dovecot-imapd $(dpkg-query -W -f='${Version}' dovecot-imapd)"
    echo "python $($PY -c 'import sys;print(sys.version.split()[0])')"
    echo "$(curl --version | head -1 | cut -d' ' -f1-3)"
    echo "$(mbsync --version)"
    echo "fetchmail $(dpkg-query -W -f='${Version}' fetchmail)"
    echo "openssl $(openssl version | cut -d' ' -f2)"
    echo "tcpdump $(dpkg-query -W -f='${Version}' tcpdump)"
    echo "kernel $(uname -r)"
} >"$OUT/VERSIONS.txt"
echo "done: $OUT"
