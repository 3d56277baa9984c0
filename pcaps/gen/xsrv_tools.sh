# Real-client captures shared by pcaps/gen/cyrus.sh and courier.sh (sourced, not run).
# Needs from the caller: T GEN OUT PY IP_S, cli, start_capture, stop_capture,
# SRV_DRAFTS (URL path of the Entwürfe folder), SRV_SENT (URL path of Sent).
# Each client's own debug log is the truth (logs2truth.convert via xsrv_clients.py).

mbsync_capture() { # $1 = capture name
    echo "== $1"
    L="$T/mbsync-local"; rm -rf "$L"; mkdir -p "$L/INBOX/"{cur,new,tmp}
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
    f=$(ls "$L/INBOX/cur" | sort | head -1)
    [ -n "$f" ] && mv "$L/INBOX/cur/$f" "$L/INBOX/cur/${f%:2,*}:2,FS"
    g=$(ls "$L/INBOX/cur" | sort | sed -n 2p)
    [ -n "$g" ] && mv "$L/INBOX/cur/$g" "$L/INBOX/cur/${g%:2,*}:2,ST"
    echo "@@ RUN 2 user=alice pass=Wh1sper-Secret-4417" >>"$MB_LOG"
    cli mbsync -c "$T/mbsyncrc" -D -a >>"$MB_LOG" 2>&1 || echo "mbsync run 2 rc=$?"
    cp "$MB_LOG" "$T/keep-$1.log"
    cli $PY "$GEN/xsrv_clients.py" tool-truth mbsync "$MB_LOG" "$OUT/$1.truth.json" "$(mbsync --version)"
    stop_capture "$1"
}

curl_capture() { # $1 = capture name
    echo "== $1"
    start_capture "$1"
    CURL_LOG="$T/$1.log"; : >"$CURL_LOG"
    n=0
    run_curl() {
        n=$((n+1))
        up=$1; shift
        echo "@@ RUN $n user=${up%%:*} pass=${up#*:}" >>"$CURL_LOG"
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
    run_curl $A --login-options 'AUTH=LOGIN' "imap://$IP_S/$SRV_DRAFTS;UID=1"
    run_curl $A "imap://$IP_S/$SRV_SENT;UID=1;SECTION=TEXT"
    run_curl bob:Bl0wfish-Quill-2290 --login-options 'AUTH=PLAIN' "imap://$IP_S/INBOX;UID=2;SECTION=HEADER"
    run_curl alice:Wrong-Password-0000 --login-options "AUTH=PLAIN" "imap://$IP_S/"
    run_curl $A "imap://$IP_S/INBOX" -X "FETCH 1:2 (FLAGS INTERNALDATE)"
    cp "$CURL_LOG" "$T/keep-$1.log"
    cli $PY "$GEN/xsrv_clients.py" tool-truth curl "$CURL_LOG" "$OUT/$1.truth.json" "curl $(curl --version | head -1 | cut -d' ' -f2)"
    stop_capture "$1"
}

fetchmail_capture() { # $1 = capture name
    echo "== $1"
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
    FM_LOG="$T/$1.log"; : >"$FM_LOG"
    cli fetchmail -f "$T/fetchmailrc" -i "$T/fetchids" -N -v -v >>"$FM_LOG" 2>&1 || echo "fetchmail rc=$? (1 = no mail is fine)"
    cp "$FM_LOG" "$T/keep-$1.log"
    cli $PY "$GEN/xsrv_clients.py" tool-truth fetchmail "$FM_LOG" "$OUT/$1.truth.json" \
        "$(fetchmail --version 2>/dev/null | grep -m1 release | sed 's/^This is //; s/ release / /; s/\.$//')"
    stop_capture "$1"
}
