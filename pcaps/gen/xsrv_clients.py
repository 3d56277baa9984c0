#!/usr/bin/python3
"""IMAP client scenarios for the non-Dovecot servers (pcaps/gen/cyrus.sh, courier.sh).

    XSRV=cyrus|courier IMAP_SERVER=10.144.0.2 xsrv_clients.py seed
    XSRV=...           IMAP_SERVER=...        xsrv_clients.py SCENARIO TRUTH.json

Reuses clients.py (imported, unchanged): its recording imaplib wrapper TIMAP,
its raw line client Raw, its Truth writer and its messages. What differs per
server is only where folders live: Cyrus (unixhierarchysep, altnamespace)
takes "Archive/2023" at the top level, Courier wants "INBOX.Archive.2023".
"""
import base64
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402  (reads IMAP_SERVER at import)
import logs2truth  # noqa: E402
from clients import TIMAP, TIMAP_SSL, Raw, Truth, USERS, WRONG, b64, expect_error, \
    insecure_ctx, message, mutf7, text_body, inbox_messages  # noqa: E402

XSRV = os.environ.get("XSRV", "cyrus")
SERVER = clients.SERVER


def folder(name):
    """Wire form (modified UTF-7, server's hierarchy) of one of clients.FOLDERS."""
    if XSRV == "courier":
        return "INBOX." + mutf7(name).replace("/", ".")
    return mutf7(name)


def q(name):
    return '"%s"' % folder(name)


def seed():
    for user, pw in USERS.items():
        m = clients.imaplib.IMAP4(SERVER, 143)
        m.login(user, pw)
        for f in clients.FOLDERS:
            if "/" in f and XSRV == "courier":
                m.create(q(f.split("/")[0]))
            m.create(q(f))
        m.subscribe("INBOX")
        for f in clients.FOLDERS:
            m.subscribe(q(f))
        for i, msg in enumerate(inbox_messages(), 1):
            flags = "(\\Seen)" if i in (1, 2, 9) else None
            m.append("INBOX", flags, '"01-Mar-2024 10:%02d:00 +0000"' % i, msg.encode())
        m.append(q("Entwürfe"), "(\\Draft)", None,
                 message(20, "Entwurf: Angebot", "Content-Type: text/plain; charset=utf-8\r\n\r\nNoch nicht fertig.\r\n").encode())
        m.append(q("Sent"), "(\\Seen)", None, message(21, "Sent item", "\r\nsent.\r\n").encode())
        m.logout()


# --------------------------------------------------------------- scenarios
def raw_idle(truth):
    """Raw client IDLEs; another imaplib connection APPENDs; EXISTS; DONE."""
    r = Raw(truth, client="python-raw-idle", user="alice", prefix="i")
    r.login("alice", USERS["alice"])
    r.cmd("SELECT INBOX")
    t = r.start("IDLE")
    if r.until_cont(t) is None:          # server refused IDLE
        r.cmd("LOGOUT")
        r.close()
        return
    time.sleep(0.5)
    m = TIMAP(truth, client="python-imaplib-appender")
    m.login("bob", USERS["bob"])
    m.append("INBOX", None, None, message(40, "Arrived during someone else's IDLE", "\r\nnew mail\r\n").encode())
    m.logout()
    m2 = TIMAP(truth, client="python-imaplib-appender")
    m2.login("alice", USERS["alice"])
    m2.append("INBOX", None, None, message(41, "Arrived during IDLE", "\r\nnew mail\r\n").encode())
    m2.logout()
    got, deadline = [], time.time() + 40
    r.sock.settimeout(45)
    while not any(b"EXISTS" in x for x in got) and time.time() < deadline:
        try:
            got.append(r.read())
        except socket.timeout:
            break
    time.sleep(0.3)
    r.send("DONE\r\n")
    r.wait(t)
    r.cmd("FETCH 11 (FLAGS ENVELOPE)")
    r.cmd("LOGOUT")
    r.close()


def sc_session(truth):
    u, pw = "alice", USERS["alice"]
    m = TIMAP(truth)
    m.capability()
    m.login(u, pw)
    m.capability()
    m.namespace()
    m.list()
    m.list('""', '"*"')
    m.lsub()
    m.select("INBOX", readonly=True)       # EXAMINE
    m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    m.select("INBOX")
    m.fetch("3", "(BODY.PEEK[])")          # ~180 KB literal
    m.fetch("6", "(RFC822)")                # ~240 KB literal, sets \Seen
    m.fetch("4", "(BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    m.fetch("7", "(BODY.PEEK[TEXT])")       # body with "A0005 OK fake", "{12}"
    m.uid("FETCH", "1:2", "(FLAGS BODY.PEEK[TEXT])")
    m.append("INBOX", "(\\Seen)", '"02-Mar-2024 09:00:00 +0000"',
             message(30, "Appended by imaplib", "\r\nplain append body\r\n").encode())
    m.append("INBOX", None, None, message(
        31, "Literal body that looks like protocol",
        "\r\nThe next lines are body text, not protocol:\r\nA0005 OK fake\r\n* 3 EXISTS\r\n"
        "+ continue\r\n* BYE not really\r\n" + text_body(31, 4000)).encode())
    m.append(q("Entwürfe"), "(\\Draft)", None, message(32, "Entwurf zwei", "\r\nzweiter Entwurf\r\n").encode())
    m.search(None, "ALL")
    m.search(None, "UNSEEN")
    m.search(None, "FROM", '"bob"')
    m.uid("SEARCH", "SUBJECT", '"big"')
    m.store("1:2", "+FLAGS", "(\\Flagged)")
    m.store("8", "+FLAGS.SILENT", "(\\Deleted)")
    m.copy("1:2", q("Archive/2023"))
    m.uid("COPY", "5", q("日本語"))
    m.expunge()
    m.status(q("Entwürfe"), "(MESSAGES UNSEEN)")
    expect_error(m.select, "Does/Not/Exist" if XSRV != "courier" else "INBOX.Does.Not.Exist")  # NO
    m.select("INBOX")
    expect_error(m.fetch, "1", "(FROB)")          # BAD
    expect_error(m.xatom, "FROBNICATE", "now")    # BAD (unknown command)
    m.noop()
    m.check()
    m.close()
    m.logout()

    # the password sent as a synchronizing literal
    m = TIMAP(truth)
    m._sess["user"] = u
    m._sess["passwords"].append(pw)
    m.literal = pw.encode()
    m._simple_command("LOGIN", u)
    m.state = "AUTH"
    m.select(q("Entwürfe"))
    m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER])")
    m.logout()

    # a failed login (NO), then LOGOUT
    m = TIMAP(truth)
    expect_error(m.login, u, WRONG)
    m.logout()

    raw_idle(truth)


def sc_features(truth):
    """Extensions and SASL, raw client (exact bytes on the wire)."""
    r = Raw(truth, client="python-raw-features", user="alice", prefix="f")
    r.cmd("CAPABILITY")
    r.login("alice", USERS["alice"])
    r.cmd('ID ("name" "imapcap-features" "version" "1.0")')
    r.cmd("ENABLE CONDSTORE QRESYNC")
    r.cmd("NAMESPACE")
    r.cmd('LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)')
    r.cmd('LIST (SPECIAL-USE) "" "*"')
    r.cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"')
    r.cmd('XLIST "" "*"')
    r.cmd('GETMETADATA "" /shared/comment')
    r.cmd('SETMETADATA INBOX (/private/comment "captured by imapcap")')
    r.cmd('GETMETADATA (DEPTH infinity) INBOX (/private/comment /shared/vendor/cmu)')
    r.cmd('GETANNOTATION INBOX "/comment" "value.priv"')
    r.cmd("MYRIGHTS INBOX")
    r.cmd("GETACL INBOX")
    r.cmd("LISTRIGHTS INBOX bob")
    r.cmd("SETACL %s bob lrs" % folder("Sent"))
    r.cmd("GETQUOTAROOT INBOX")
    r.cmd("SELECT INBOX (CONDSTORE)")
    r.cmd("SEARCH RETURN (MIN MAX COUNT) ALL")
    r.cmd("UID SEARCH RETURN (ALL) UNSEEN")
    r.cmd("FETCH 4 (BINARY.PEEK[2] BINARY.SIZE[2])")      # literal8 ~{n}
    r.cmd("FETCH 1:2 (FLAGS MODSEQ)")
    r.cmd("UID STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Answered)")
    r.cmd("UID COPY 1:2 %s" % folder("Archive/2023"))
    r.cmd("UID MOVE 10 %s" % folder("Trash"))
    r.cmd("MOVE 9 %s" % folder("Entwürfe"))
    r.append("INBOX", "(\\Seen)", message(50, "LITERAL+ append", "\r\nnon-synchronizing\r\n").encode(), plus=True)
    r.append('"%s"' % folder("日本語"), "()", message(51, "sync append", "\r\nsynchronizing\r\n").encode())
    r.cmd("UID EXPUNGE 1")
    r.cmd("UNSELECT")
    r.cmd('STATUS %s (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)' % q("Entwürfe"))
    r.cmd("EXAMINE %s" % folder("Trash"))
    r.cmd("UNSELECT")
    r.cmd("CREATE %s" % folder("Scratch"))
    r.cmd("RENAME %s %s" % (folder("Scratch"), folder("Scratch2")))
    r.cmd("DELETE %s" % folder("Scratch2"))
    r.cmd("DELETE %s" % folder("Scratch2"))                # NO: gone
    r.cmd("LOGOUT")
    r.close()

    # AUTHENTICATE PLAIN with SASL-IR
    r = Raw(truth, client="python-raw-auth", user="bob", prefix="s")
    r.sess["passwords"].append(USERS["bob"])
    r.cmd("AUTHENTICATE PLAIN " + b64("\0bob\0" + USERS["bob"]))
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    # AUTHENTICATE LOGIN (two challenges), aborted PLAIN, unknown mech, CRAM-MD5
    r = Raw(truth, client="python-raw-auth", user="carol", prefix="s")
    r.sess["passwords"].append(USERS["carol"])
    t = r.start("AUTHENTICATE PLAIN")
    r.until_cont(t)
    r.send("*\r\n")                                 # abort -> BAD
    r.wait(t)
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")            # NO
    t = r.start("AUTHENTICATE CRAM-MD5")
    ch = r.until_cont(t)
    if ch is not None:
        chal = base64.b64decode(ch[2:])
        dig = hmac.new(USERS["carol"].encode(), chal, hashlib.md5).hexdigest()
        r.send(b64("carol " + dig) + "\r\n")
        r.wait(t)
    r.cmd("LOGOUT")
    r.close()
    r = Raw(truth, client="python-raw-auth", user="dave", prefix="s")
    r.sess["passwords"].append(USERS["dave"])
    t = r.start("AUTHENTICATE LOGIN")
    r.until_cont(t)
    r.send(b64("dave") + "\r\n")
    r.until_cont(t)
    r.send(b64(USERS["dave"]) + "\r\n")
    r.wait(t)
    r.cmd("LOGOUT")
    r.close()

    # COMPRESS=DEFLATE
    r = Raw(truth, client="python-raw-compress", user="alice", prefix="z")
    r.login("alice", USERS["alice"])
    st, _ = r.cmd("COMPRESS DEFLATE")
    if st == "OK":
        r.co = zlib.compressobj(6, zlib.DEFLATED, -15)
        r.dc = zlib.decompressobj(-15)
    r.cmd("SELECT INBOX")
    r.cmd("FETCH 6 (BODY.PEEK[])")
    r.cmd("FROBNICATE")
    r.cmd("LOGOUT")
    r.close()


def sc_features_courier(truth):
    """Courier's own extensions (ACL, QUOTA, THREAD, SORT, keywords), and what it lacks."""
    r = Raw(truth, client="python-raw-features", user="alice", prefix="f")
    r.cmd("CAPABILITY")
    r.login("alice", USERS["alice"])
    r.cmd("CAPABILITY")
    r.cmd('ID ("name" "imapcap-features")')               # not supported: BAD
    r.cmd("ENABLE CONDSTORE")                              # not supported: BAD
    r.cmd("NAMESPACE")
    r.cmd('LIST "" "*"')
    r.cmd('LIST "" "%"')
    r.cmd('LIST "INBOX." "%"')
    r.cmd('LSUB "" "*"')
    r.cmd("MYRIGHTS INBOX")
    r.cmd("GETACL INBOX")
    r.cmd("LISTRIGHTS INBOX bob")
    r.cmd("SETACL %s bob lrs" % folder("Sent"))
    r.cmd("GETQUOTAROOT INBOX")
    r.cmd("SELECT INBOX")
    r.cmd("THREAD REFERENCES UTF-8 ALL")
    r.cmd("THREAD ORDEREDSUBJECT US-ASCII ALL")
    r.cmd("SORT (REVERSE DATE) UTF-8 ALL")
    r.cmd("UID SORT (SUBJECT) UTF-8 UNSEEN")
    r.cmd("STORE 1:3 +FLAGS ($Label1 Junk)")               # keywords
    r.cmd("SEARCH KEYWORD $Label1")
    r.cmd("FETCH 4 (BODYSTRUCTURE BODY.PEEK[2.MIME])")
    r.cmd("FETCH 6 (BODY.PEEK[TEXT]<1000.50000>)")
    r.cmd("UID COPY 1:2 %s" % folder("Archive/2023"))
    r.append("INBOX", "(\\Seen)", message(50, "sync append", "\r\nsynchronizing\r\n").encode())
    r.cmd("UID EXPUNGE 1")
    r.cmd("UNSELECT")
    r.cmd("CHECK")
    r.cmd("CREATE %s" % folder("Scratch"))
    r.cmd("RENAME %s %s" % (folder("Scratch"), folder("Scratch2")))
    r.cmd("DELETE %s" % folder("Scratch2"))
    r.cmd("DELETE %s" % folder("Scratch2"))                # NO: gone
    r.cmd("EXAMINE %s" % folder("Trash"))
    r.cmd("LOGOUT")
    r.close()

    # AUTHENTICATE PLAIN (advertised via IMAP_CAPABILITY), with and without SASL-IR
    r = Raw(truth, client="python-raw-auth", user="bob", prefix="s")
    r.sess["passwords"].append(USERS["bob"])
    t = r.start("AUTHENTICATE PLAIN")
    if r.until_cont(t) is not None:
        r.send(b64("\0bob\0" + USERS["bob"]) + "\r\n")
        r.wait(t)
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    r = Raw(truth, client="python-raw-auth", user="carol", prefix="s")
    r.sess["passwords"].append(USERS["carol"])
    t = r.start("AUTHENTICATE PLAIN")
    r.until_cont(t)
    r.send("*\r\n")                                 # abort
    r.wait(t)
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")
    r.cmd("AUTHENTICATE PLAIN " + b64("\0carol\0" + USERS["carol"]))   # SASL-IR, not advertised
    r.cmd("LOGOUT")
    r.close()


def sc_starttls(truth):
    m = TIMAP(truth, client="python-imaplib-starttls", host=clients.TLS_NAME, _tls="starttls")
    m.capability()
    m.starttls(ssl_context=insecure_ctx())
    m.login("alice", USERS["alice"])
    m.select("INBOX")
    m.fetch("1:3", "(FLAGS ENVELOPE)")
    m.logout()
    time.sleep(0.3)
    if XSRV == "courier":       # no imaps listener in courier.sh
        return
    m = TIMAP_SSL(truth, "python-imaplib-ssl", ssl_context=insecure_ctx())
    m.login("bob", USERS["bob"])
    m.list()
    m.select("INBOX")
    m.fetch("3", "(BODY.PEEK[])")
    m.logout()


SCENARIOS = {
    "session": (sc_session, "python imaplib: full session (LOGIN, NAMESPACE, LIST/LSUB, EXAMINE/SELECT, big FETCHes, "
                "APPEND, SEARCH, STORE, COPY, EXPUNGE, NO, BAD, CLOSE), LOGIN with a literal password, a failed "
                "LOGIN; raw IDLE session with two appending imaplib sessions"),
    "features": (sc_features, "raw client: ID, ENABLE, NAMESPACE, LIST-EXTENDED, XLIST, METADATA, ANNOTATION, ACL, "
                 "QUOTA, CONDSTORE, ESEARCH, BINARY, UIDPLUS, MOVE, LITERAL+, CREATE/RENAME/DELETE; AUTHENTICATE "
                 "PLAIN/LOGIN/CRAM-MD5, abort, unknown mech; COMPRESS DEFLATE"),
    "features-courier": (sc_features_courier, "raw client: Courier ACL, QUOTA, THREAD, SORT, keywords, "
                         "unsupported ID/ENABLE, CREATE/RENAME/DELETE; AUTHENTICATE PLAIN, abort, unknown mech"),
    "starttls": (sc_starttls, "python imaplib STARTTLS, then IMAP4_SSL on 993 (SNI mail.example.test)"),
}


def tool_truth(tool, log, out, version, port=143):
    """logs2truth.convert on a tool's log, with this server's address."""
    with open(log, errors="replace") as f:
        sessions = logs2truth.convert(tool, f)
    pw = []
    for s in sessions:
        s["server"] = "%s:%d" % (SERVER, port)
        if not any(c["command"] in ("LOGIN", "AUTHENTICATE") for c in s["commands"]):
            # the client gave up before authenticating (e.g. curl AUTH=LOGIN vs a
            # server without AUTH=LOGIN): no user, no password on the wire
            s["user"], s["passwords"] = None, []
            continue
        if not s["passwords"] and s["user"] in USERS:
            s["passwords"] = [USERS[s["user"]]]
        for p in s["passwords"]:
            if p not in pw:
                pw.append(p)
    cap = out.rsplit("/", 1)[-1].replace(".truth.json", "")
    doc = {"capture": cap, "generator": "pcaps/gen/logs2truth.py (via xsrv_clients.py) from the client's debug log",
           "client_version": version, "session_count": len(sessions), "passwords": pw, "sessions": sessions}
    with open(out, "w") as f:
        clients.json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    if sys.argv[1] == "seed":
        seed()
        return
    if sys.argv[1] == "tool-truth":
        tool_truth(*sys.argv[2:6])
        return
    name, path = sys.argv[1], sys.argv[2]
    fn, notes = SCENARIOS[name + "-" + XSRV] if name + "-" + XSRV in SCENARIOS else SCENARIOS[name]
    truth = Truth(name, "%s (%s)" % (notes, XSRV))
    try:
        fn(truth)
    finally:
        truth.write(path)


if __name__ == "__main__":
    main()
