#!/usr/bin/python3
"""IMAP client scenarios for the non-Dovecot servers (pcaps/gen/cyrus.sh, courier.sh).

    XSRV=cyrus|courier IMAP_SERVER=10.144.0.2 xsrv_clients.py seed
    XSRV=...           IMAP_SERVER=...        xsrv_clients.py SCENARIO TRUTH.json

Reuses imapcap.py: its recording imaplib wrapper TIMAP, its raw line client
Raw, its Truth writer, its messages and shared sessions. What differs per
server is only where folders live: Cyrus (unixhierarchysep, altnamespace)
takes "Archive/2023" at the top level, Courier wants "INBOX.Archive.2023".
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imapcap  # noqa: E402  (reads IMAP_SERVER at import)
import logs2truth  # noqa: E402
from imapcap import TIMAP, Raw, Truth, USERS, raw_auth, expect_error, message, mutf7, text_body  # noqa: E402

XSRV = os.environ.get("XSRV", "cyrus")
SERVER = imapcap.SERVER


def folder(name):
    """Wire form (modified UTF-7, server's hierarchy) of one of imapcap.FOLDERS."""
    if XSRV == "courier":
        return "INBOX." + mutf7(name).replace("/", ".")
    return mutf7(name)


def q(name):
    return '"%s"' % folder(name)


def seed():
    imapcap.seed(q, parents=XSRV == "courier")


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

    imapcap.literal_login_session(truth, q("Entwürfe"))   # the password as a synchronizing literal
    imapcap.failed_login_session(truth)                    # a failed login (NO), then LOGOUT

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
    r = raw_auth(truth, "bob")
    r.auth_plain_ir("bob", USERS["bob"])
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    # aborted PLAIN, unknown mech, CRAM-MD5
    r = raw_auth(truth, "carol")
    r.auth_abort("PLAIN")                           # abort -> BAD
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")            # NO
    r.auth_cram("carol", USERS["carol"])
    r.cmd("LOGOUT")
    r.close()
    # AUTHENTICATE LOGIN (two challenges)
    r = raw_auth(truth, "dave")
    r.auth_login("dave", USERS["dave"])
    r.cmd("LOGOUT")
    r.close()

    # COMPRESS=DEFLATE
    r = Raw(truth, client="python-raw-compress", user="alice", prefix="z")
    r.login("alice", USERS["alice"])
    r.compress()
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
    r = raw_auth(truth, "bob")
    r.auth_plain("bob", USERS["bob"])
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    r = raw_auth(truth, "carol")
    r.auth_abort("PLAIN")                           # abort
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")
    r.auth_plain_ir("carol", USERS["carol"])        # SASL-IR, not advertised
    r.cmd("LOGOUT")
    r.close()


def sc_starttls(truth):
    imapcap.starttls_session(truth)
    time.sleep(0.3)
    if XSRV == "courier":       # no imaps listener in courier.sh
        return
    imapcap.imaps_session(truth)


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
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    if sys.argv[1] == "seed":
        seed()
        return
    if sys.argv[1] == "tool-truth":
        tool_truth(*sys.argv[2:6])
        return
    name, path = sys.argv[1], sys.argv[2]
    fn, notes = SCENARIOS.get(name + "-" + XSRV) or SCENARIOS[name]
    imapcap.run(Truth(name, "%s (%s)" % (notes, XSRV)), path, fn)


if __name__ == "__main__":
    main()
