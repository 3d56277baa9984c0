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
DEV_S=veth-cous
DEV_C=veth-couc
ALL="session features mbsync curl fetchmail"   # starttls: couriertls closed the handshake here (not debugged)
WANT="${*:-$ALL}"
# shellcheck source=lib.sh
. "$GEN/lib.sh"

gen_need_root courier.sh
gen_install courier-base courier-authdaemon courier-authlib-userdb gamin tcpdump curl python3 isync fetchmail openssl iproute2 ethtool util-linux
gen_tmp coucap

# ---------------------------------------------------------------- courier-imap binaries
gen_unpack_deb courier-imap
COURIER_VERSION=$DEB_VERSION

# ---------------------------------------------------------------- network
gen_netns

# ---------------------------------------------------------------- courier
E="$T/etc-courier"; R="$T/run-courier"
cp -a /etc/courier "$E"
cp "$T/pkg/etc/courier/imapd" "$T/pkg/etc/courier/imapd-ssl" "$E/"
mkdir -p "$R/authdaemon"; chown courier:courier "$R/authdaemon"; chmod 750 "$R/authdaemon"
sed -i 's/^authmodulelist=.*/authmodulelist="authuserdb"/; s/^DEBUG_LOGIN=.*/DEBUG_LOGIN=0/' "$E/authdaemonrc"
gen_cert
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
for up in $GEN_USERS; do
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
    gen_wait_port 143 courier "$T/server.log"
}

stop_courier() {
    [ -n "$SRV_PID" ] || return 0
    gen_kill_ns "$NS_S" TERM
    sleep 0.5
    gen_kill_ns "$NS_S" KILL
    wait "$SRV_PID" 2>/dev/null || true; SRV_PID=""
}

# ---------------------------------------------------------------- captures
XSRV=courier
SRV_DRAFTS='INBOX.Entw%26APw-rfe'   # Entwürfe (modified UTF-7) under Courier's INBOX. namespace
SRV_SENT=INBOX.Sent
xsrv_captures

{
    echo "courier-imap $COURIER_VERSION (imapd/imaplogin from the .deb via dpkg -x; couriertcpd from courier-base $(dpkg-query -W -f='${Version}' courier-base))"
    echo "courier-authlib $(dpkg-query -W -f='${Version}' courier-authdaemon) (authuserdb)"
    gen_versions_clients
} >"$OUT/VERSIONS.txt"
echo "done: $OUT"
