# pcaps/gen/lib.sh: what the capture generators share (sourced, not run).
#
#   GEN=...; OUT=...; . "$GEN/lib.sh"
#
# Network: two namespaces NS_S (server, DEV_S, IP_S) and NS_C (client, DEV_C,
# IP_C) joined by a veth pair, MTU 1500, IPv6 off, GSO/TSO/GRO and checksum
# offload off on both ends, so every captured segment is a real <=1448-byte
# TCP payload with a correct checksum. tcpdump runs on DEV_S in NS_S.
# Process bookkeeping: SRV_PID (the server) and TCPD_PID (tcpdump); gen_cleanup,
# set as the EXIT trap by gen_tmp, ends them and whatever else runs inside our
# two namespaces, deletes the namespaces and /etc/netns/$NS_C, and removes
# the temp dir T (kept when KEEP_TMP is set).
#
# Fixed test users and passwords: also in imapcap.py and the MANIFEST.md files.

PY=${PY:-/usr/bin/python3}
SRV_PID=""
TCPD_PID=""
T=""
NETNS_SYSCTLS=${NETNS_SYSCTLS:-}   # extra "key=value" sysctls set in both namespaces
GEN_USERS="alice:Wh1sper-Secret-4417 bob:Bl0wfish-Quill-2290 carol:C4rol-Lantern-8812 dave:D4ve-Marmot-5521"

# ---------------------------------------------------------------- setup
gen_need_root() { # $1 = script name
    [ "$(id -u)" = 0 ] || { echo "${1:-$0}: needs root (network namespaces, tcpdump)" >&2; exit 1; }
}

# gen_install PKG...: apt-get install the packages dpkg does not list as
# installed. A policy-rc.d answering 101 keeps Debian's postinst from starting
# the system's own servers (we run private ones). INSTALL_DEBCONF, if set, is
# fed to debconf-set-selections first.
gen_install() {
    local need=() p rc_d=/usr/sbin/policy-rc.d made_rc=0
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
    done
    [ ${#need[@]} -gt 0 ] || return 0
    echo "installing: ${need[*]}"
    if [ ! -e $rc_d ]; then printf '#!/bin/sh\nexit 101\n' >$rc_d; chmod +x $rc_d; made_rc=1; fi
    [ -z "${INSTALL_DEBCONF:-}" ] || echo "$INSTALL_DEBCONF" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
    [ $made_rc = 1 ] && rm -f $rc_d
    return 0
}

# gen_tmp PREFIX: make the temp dir T (mode 755: the servers' users read it)
# and set the traps.
gen_tmp() {
    T="$(mktemp -d "/tmp/$1.XXXXXX")"
    chmod 755 "$T"
    trap gen_cleanup EXIT
    trap 'exit 130' INT TERM
}

gen_cleanup() {
    set +e
    [ -n "$TCPD_PID" ] && kill -INT "$TCPD_PID" 2>/dev/null && wait "$TCPD_PID" 2>/dev/null
    if [ -n "$SRV_PID" ]; then
        kill -TERM "$SRV_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
    fi
    # whatever else still runs in our namespaces (pids only from our namespaces)
    gen_kill_ns "$NS_S" KILL
    gen_kill_ns "$NS_C" KILL
    ip netns del "$NS_S" 2>/dev/null
    ip netns del "$NS_C" 2>/dev/null
    rm -rf "/etc/netns/$NS_C"
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; elif [ -n "$T" ]; then rm -rf "$T"; fi
}

gen_kill_ns() { # $1 = namespace, $2 = signal
    local p
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -"$2" "$p" 2>/dev/null || true; done
}

# gen_netns: NS_S/DEV_S/IP_S and NS_C/DEV_C/IP_C, joined by a veth pair;
# mail.example.test resolves to IP_S in the client namespace.
gen_netns() {
    local spec ns dev addr s
    ip netns del "$NS_S" 2>/dev/null || true
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns add "$NS_S"
    ip netns add "$NS_C"
    ip link add "$DEV_S" type veth peer name "$DEV_C"
    ip link set "$DEV_S" netns "$NS_S"
    ip link set "$DEV_C" netns "$NS_C"
    for spec in "$NS_S $DEV_S $IP_S" "$NS_C $DEV_C $IP_C"; do
        read -r ns dev addr <<<"$spec"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        for s in $NETNS_SYSCTLS; do ip netns exec "$ns" sysctl -qw "$s"; done
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
    mkdir -p "/etc/netns/$NS_C"
    printf '127.0.0.1 localhost\n%s mail.example.test\n' "$IP_S" >"/etc/netns/$NS_C/hosts"
    ip netns exec "$NS_C" ping -c1 -W2 "$IP_S" >/dev/null 2>&1 || true
}

# gen_cert: a throwaway self-signed RSA certificate for mail.example.test,
# made per run ($T/key.pem, $T/cert.pem); the key is never committed.
gen_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.test \
        -addext subjectAltName=DNS:mail.example.test \
        -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
}

# gen_wait_port PORT NAME LOG: wait (10 s at most) until IP_S:PORT accepts
# a connection from the client namespace; else show LOG and exit.
gen_wait_port() {
    for _ in $(seq 100); do
        ip netns exec "$NS_C" $PY -c "import socket;socket.create_connection(('$IP_S',$1),1).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$2 did not start" >&2; cat "$3" >&2; exit 1
}

# ---------------------------------------------------------------- tcpdump
# gen_tcpdump_start FILE LOG FILTER: capture FILTER on DEV_S until
# gen_tcpdump_stop; returns once tcpdump says it is listening.
gen_tcpdump_start() {
    ip netns exec "$NS_S" tcpdump -i "$DEV_S" -s 0 -n -Z root -U --immediate-mode -w "$1" "$3" 2>"$2" &
    TCPD_PID=$!
    for _ in $(seq 100); do grep -q "listening on" "$2" 2>/dev/null && break; sleep 0.05; done
}

gen_tcpdump_stop() {
    kill -INT "$TCPD_PID"; wait "$TCPD_PID" || true; TCPD_PID=""
}

# start_capture NAME / stop_capture NAME: one capture of every TCP packet,
# copied to OUT/NAME.pcap and checked against OUT/NAME.truth.json
# (check_pcap.py: nothing truncated, no payload > 1448, one SYN per session).
# CAPTURE_EXTS: more files the clients write per capture (OUT/NAME.EXT), removed
# before it and made world-readable after it (tls.sh: keylog).
start_capture() {
    local e
    rm -f "$OUT/$1.pcap"
    for e in ${CAPTURE_EXTS:-}; do rm -f "$OUT/$1.$e"; done
    gen_tcpdump_start "$T/$1.pcap" "$T/$1.tcpdump.log" tcp
    sleep 0.3
}

stop_capture() {
    sleep 0.5   # let the last FIN/ACKs pass
    gen_tcpdump_stop
    cp "$T/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap"
    local e
    for e in ${CAPTURE_EXTS:-}; do chmod 644 "$OUT/$1.$e"; done
    $PY "$GEN/check_pcap.py" "$OUT/$1.pcap" "$OUT/$1.truth.json"
}

# ---------------------------------------------------------------- clients
# WANT: the capture names asked for (default: every one).
want() { case " $WANT " in *" $1 "*) return 0;; esac; return 1; }

# cli CMD...: run CMD in the client namespace (HOME=$T/home, plus CLI_ENV).
cli() { ip netns exec "$NS_C" env HOME="$T/home" ${CLI_ENV:-} "$@"; }

# py_capture NAME [ARGS]: reseed, then capture scenario NAME of the Python
# client script CLIENTS, which writes OUT/NAME.truth.json (ARGS follow it).
py_capture() {
    local name=$1; shift
    want "$name" || return 0
    echo "== $name"
    reseed
    start_capture "$name"
    cli $PY "$GEN/$CLIENTS" "$name" "$OUT/$name.truth.json" "$@" >"$T/$name.client.log" 2>&1 \
        || { cat "$T/$name.client.log"; exit 1; }
    stop_capture "$name"
}

# The real clients below write a debug log; the caller's tool_truth TOOL
# LOG OUT VERSION turns it into OUT (logs2truth.py). They also need
# SRV_DRAFTS and SRV_SENT: the URL paths of the Entwürfe and Sent folders.

mbsync_capture() { # $1 = capture name (mailboxes already seeded)
    echo "== $1"
    local L="$T/mbsync-local" i f g log="$T/$1.log"
    rm -rf "$L"; mkdir -p "$L/INBOX/"{cur,new,tmp}
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
    : >"$log"
    echo "@@ RUN 1 user=alice pass=Wh1sper-Secret-4417" >>"$log"
    cli mbsync -c "$T/mbsyncrc" -D -a >>"$log" 2>&1 || echo "mbsync run 1 rc=$?"
    sleep 0.5
    # second run: flag one local message and trash another -> APPEND/STORE/EXPUNGE upstream
    f=$(ls "$L/INBOX/cur" | sort | head -1)
    [ -n "$f" ] && mv "$L/INBOX/cur/$f" "$L/INBOX/cur/${f%:2,*}:2,FS"
    g=$(ls "$L/INBOX/cur" | sort | sed -n 2p)
    [ -n "$g" ] && mv "$L/INBOX/cur/$g" "$L/INBOX/cur/${g%:2,*}:2,ST"
    echo "@@ RUN 2 user=alice pass=Wh1sper-Secret-4417" >>"$log"
    cli mbsync -c "$T/mbsyncrc" -D -a >>"$log" 2>&1 || echo "mbsync run 2 rc=$?"
    tool_truth mbsync "$log" "$OUT/$1.truth.json" "$(mbsync --version)"
    stop_capture "$1"
}

curl_capture() { # $1 = capture name (mailboxes already seeded)
    echo "== $1"
    local log="$T/$1.log" n=0 A=alice:Wh1sper-Secret-4417
    start_capture "$1"
    : >"$log"
    run_curl() { # user:password, then curl args; each run is one connection
        n=$((n+1))
        local up=$1 port; shift
        echo "@@ RUN $n user=${up%%:*} pass=${up#*:}" >>"$log"
        # --trace-ascii records every byte curl sends and receives; -v alone
        # leaves out the LOGOUT curl sends as it disconnects.
        port=$(cli curl -s --trace-ascii "$T/curl.trace.$n" -u "$up" -o "$T/curl.out.$n" -w '%{local_port}' "$@") \
            || echo "@@ RC $?" >>"$log"
        cat "$T/curl.trace.$n" >>"$log"
        echo "@@ PORT $port" >>"$log"
        sleep 0.3
    }
    run_curl $A "imap://$IP_S/"                                       # LIST
    run_curl $A "imap://$IP_S/INBOX;UID=1"                            # SELECT + UID FETCH BODY[]
    run_curl $A "imap://$IP_S/INBOX;UID=3"                            # a big body
    run_curl $A "imap://$IP_S/INBOX?SUBJECT%20report"                 # SEARCH
    run_curl $A "imap://$IP_S/" -X 'EXAMINE INBOX'
    run_curl $A "imap://$IP_S/INBOX" -X 'SEARCH UNSEEN'
    run_curl $A "imap://$IP_S/" -X 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'
    run_curl $A --login-options 'AUTH=LOGIN' "imap://$IP_S/$SRV_DRAFTS;UID=1"
    run_curl $A "imap://$IP_S/$SRV_SENT;UID=1;SECTION=TEXT"
    run_curl bob:Bl0wfish-Quill-2290 --login-options 'AUTH=PLAIN' "imap://$IP_S/INBOX;UID=2;SECTION=HEADER"
    run_curl alice:Wrong-Password-0000 --login-options "AUTH=PLAIN" "imap://$IP_S/"   # AUTHENTICATE -> NO
    run_curl $A "imap://$IP_S/INBOX" -X "FETCH 1:2 (FLAGS INTERNALDATE)"
    tool_truth curl "$log" "$OUT/$1.truth.json" "curl $(curl --version | head -1 | cut -d' ' -f2)"
    stop_capture "$1"
}

fetchmail_capture() { # $1 = capture name (mailboxes already seeded)
    echo "== $1"
    local log="$T/$1.log"
    cat >"$T/fetchmailrc" <<EOF
set no syslog
poll $IP_S with protocol IMAP port 143 auth password
  user "bob" there with password "Bl0wfish-Quill-2290" is root here
  keep fetchall
  sslproto ''
  mda "cat >/dev/null"
EOF
    chmod 600 "$T/fetchmailrc"
    rm -f "$T/fetchids"
    start_capture "$1"
    : >"$log"
    cli fetchmail -f "$T/fetchmailrc" -i "$T/fetchids" -N -v -v >>"$log" 2>&1 || echo "fetchmail rc=$? (1 = no mail is fine)"
    tool_truth fetchmail "$log" "$OUT/$1.truth.json" \
        "$(fetchmail --version 2>/dev/null | grep -m1 release | sed 's/^This is //; s/ release / /; s/\.$//')"
    stop_capture "$1"
}

# gen_versions_clients: the VERSIONS.txt lines every real-client generator writes.
gen_versions_clients() {
    echo "python $($PY -c 'import sys;print(sys.version.split()[0])')"
    echo "$(curl --version | head -1 | cut -d' ' -f1-3)"
    echo "$(mbsync --version)"
    echo "fetchmail $(dpkg-query -W -f='${Version}' fetchmail)"
    echo "openssl $(openssl version | cut -d' ' -f2)"
    echo "tcpdump $(dpkg-query -W -f='${Version}' tcpdump)"
    echo "kernel $(uname -r)"
}

# ---------------------------------------------------------------- dovecot
# dovecot_users: the system user "imapcap" owning the mail, $T/{run,state,mail},
# and the passwd-file $T/passwd ({PLAIN}, so CRAM-MD5 works).
dovecot_users() {
    local up
    id imapcap >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin imapcap
    local muid mgid
    muid=$(id -u imapcap); mgid=$(id -g imapcap)
    mkdir -p "$T/run" "$T/state" "$T/mail"
    chown imapcap:imapcap "$T/mail"
    : >"$T/passwd"
    for up in $GEN_USERS; do
        printf '%s:{PLAIN}%s:%s:%s::%s::\n' "${up%%:*}" "${up#*:}" "$muid" "$mgid" "$T/mail/${up%%:*}" >>"$T/passwd"
    done
    chmod 640 "$T/passwd"; chown root:dovecot "$T/passwd"
}

# dovecot_conf: $T/dovecot.conf listening on IP_S:143 and, unless
# DC_IMAPS_PORT is 0, on DC_IMAPS_PORT with implicit TLS. DC_INSTANCE,
# DC_SSL (the ssl lines), DC_MECHS (auth_mechanisms), DC_ZLIB (yes: imap_zlib,
# COMPRESS=DEFLATE), DC_LOGIN (more imap-login service lines).
dovecot_conf() {
    local zplug=""
    [ "${DC_ZLIB:-yes}" = yes ] && zplug=imap_zlib
    cat >"$T/dovecot.conf" <<EOF
# generated by pcaps/gen/$(basename "$0")
base_dir = $T/run
state_dir = $T/state
instance_name = $DC_INSTANCE
protocols = imap
listen = $IP_S
hostname = mail.example.test
log_path = $T/dovecot.log
info_log_path = $T/dovecot.log
$DC_SSL
disable_plaintext_auth = no
auth_mechanisms = $DC_MECHS
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
    port = ${DC_IMAPS_PORT:-0}
  }
${DC_LOGIN:-}
}
service anvil {
  chroot =
}
EOF
}

# dovecot_start PORT: Dovecot in the foreground in NS_S with $T/dovecot.conf;
# returns once PORT accepts connections.
dovecot_start() {
    ip netns exec "$NS_S" dovecot -F -c "$T/dovecot.conf" &
    SRV_PID=$!
    gen_wait_port "$1" dovecot "$T/dovecot.log"
}

dovecot_stop() {
    [ -n "$SRV_PID" ] || return 0
    kill -TERM "$SRV_PID"; wait "$SRV_PID" || true; SRV_PID=""
}

# ---------------------------------------------------------------- .deb servers
# gen_unpack_deb PKG: apt-get download PKG's .deb into $T and unpack it with
# dpkg -x into $T/pkg (for servers that conflict with dovecot-imapd, which
# stays installed); sets DEB_VERSION.
gen_unpack_deb() {
    ( cd "$T" && apt-get download "$1" >/dev/null 2>&1 ) || { echo "apt-get download $1 failed" >&2; exit 1; }
    dpkg -x "$T/$1"_*.deb "$T/pkg"
    DEB_VERSION=$(dpkg-deb -f "$T/$1"_*.deb Version)
}

# ---------------------------------------------------------------- imap3sim
# sim_main [NAME...]: imap3.sh and conform.sh. The scripted simulator
# (internal/imap3sim, cmd/imap3sim) plays server and client over real TCP;
# each capture NAME is SCRIPTS[NAME] (comma-separated scripts, one TCP
# connection each) on port PORT[NAME], in ORDER unless names are given.
# OUT/NAME.truth.json is what the scripts say they send (imap3sim -truth).
sim_main() {
    gen_need_root "$(basename "$0")"
    command -v go >/dev/null || { echo "$(basename "$0"): needs go (builds cmd/imap3sim)" >&2; exit 1; }
    gen_install iproute2 ethtool tcpdump
    [ $# -eq 0 ] || ORDER=("$@")
    local name
    for name in "${ORDER[@]}"; do
        [ -n "${SCRIPTS[$name]:-}" ] || { echo "unknown capture $name" >&2; exit 2; }
    done
    gen_tmp imap3sim
    echo "building imap3sim"
    (cd "$GEN/../.." && CGO_ENABLED=0 go build -o "$T/imap3sim" ./cmd/imap3sim)
    gen_netns
    mkdir -p "$OUT"
    for name in "${ORDER[@]}"; do
        sim_capture "$name"
    done
    echo "done: $OUT"
}

sim_capture() { # $1 = capture name
    local name=$1 scripts=${SCRIPTS[$1]} port=${PORT[$1]} bin=$T/imap3sim
    local log=$T/$1.tcpdump.log
    echo "capturing $name ($scripts) on port $port"
    gen_tcpdump_start "$T/$name.pcap" "$log" "tcp port $port"
    ip netns exec "$NS_S" "$bin" -listen "$IP_S:$port" -script "$scripts" &
    SRV_PID=$!
    # Start the client only once the server listens, so no SYN is refused.
    for _ in $(seq 200); do
        ip netns exec "$NS_S" ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.02
    done
    ip netns exec "$NS_C" "$bin" -connect "$IP_S:$port" -script "$scripts"
    wait "$SRV_PID"
    SRV_PID=""
    sleep 0.3
    gen_tcpdump_stop
    cp "$T/$name.pcap" "$OUT/$name.pcap"
    "$bin" -truth "$scripts" >"$OUT/$name.truth.json"
    tail -n 3 "$log" | sed "s/^/  /"
}

# ---------------------------------------------------------------- cyrus, courier
# xsrv_captures: cyrus.sh's and courier.sh's captures, in order (XSRV = cyrus
# or courier; they define start_$XSRV and stop_$XSRV). Before each capture
# the server restarts empty and xsrv_clients.py seeds it (not captured).
xsrv_captures() {
    export IMAP_SERVER=$IP_S XSRV
    CLI_ENV="IMAP_SERVER=$IP_S XSRV=$XSRV"
    CLIENTS=xsrv_clients.py
    mkdir -p "$T/home" "$OUT"
    py_capture session
    py_capture features
    want mbsync && { reseed; mbsync_capture mbsync; }
    want curl && { reseed; curl_capture curl; }
    want fetchmail && { reseed; fetchmail_capture fetchmail; }
    py_capture starttls
}

reseed() { # xsrv_captures' (dovecot.sh and tls.sh define their own)
    "stop_$XSRV"
    "start_$XSRV"
    cli $PY "$GEN/xsrv_clients.py" seed >/dev/null
}

tool_truth() { # TOOL LOG OUT VERSION (xsrv_captures'; dovecot.sh defines its own)
    cli $PY "$GEN/xsrv_clients.py" tool-truth "$@"
}
