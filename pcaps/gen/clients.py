#!/usr/bin/python3
"""IMAP client scenarios for pcaps/gen/dovecot.sh.

    clients.py seed                 # (re)fill every user's mailboxes
    clients.py SCENARIO TRUTH.json  # run SCENARIO, write its ground truth

Ground truth is the client's own record (imapcap.Truth): each session in
connection order, its local port, and each tagged command it sent with the
completion status it received. Users, mail, TIMAP and Raw are in imapcap.py.
Only the standard library.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imapcap  # noqa: E402
import logs2truth  # noqa: E402
from imapcap import (TIMAP, Raw, Truth, raw_auth, USERS, SERVER, TLS_NAME, expect_error,  # noqa: E402,F401
                     message, mutf7, text_body)

# --------------------------------------------------------------- scenarios
def sc_demo(truth):
    m = TIMAP(truth)
    m.login("alice", USERS["alice"])
    m.capability()
    m.list()
    m.select("INBOX")
    m.fetch("1:3", "(FLAGS ENVELOPE)")
    m.fetch("3", "(BODY.PEEK[])")
    m.search(None, "SUBJECT", '"report"')
    m.store("2", "+FLAGS", "(\\Flagged)")
    expect_error(m.select, "NoSuchFolder")
    expect_error(m.xatom, "FROBNICATE", "now")
    m.logout()


def sc_imaplib(truth):
    u, pw = "alice", USERS["alice"]
    m = TIMAP(truth)
    m.capability()
    m.login(u, pw)
    m.list()
    m.list('""', '"*"')
    m.lsub()
    m.select("INBOX", readonly=True)       # EXAMINE
    m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    m.select("INBOX")
    m.fetch("3", "(BODY.PEEK[])")          # ~180 KB literal
    m.fetch("6", "(RFC822)")                # ~240 KB literal, sets \Seen
    m.fetch("4", "(BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    m.uid("FETCH", "1:2", "(FLAGS BODY.PEEK[TEXT])")
    m.append("INBOX", "(\\Seen)", '"02-Mar-2024 09:00:00 +0000"',
             message(30, "Appended by imaplib", "\r\nplain append body\r\n").encode())
    m.append("INBOX", None, None, message(
        31, "Literal body that looks like protocol",
        "\r\nThe next lines are body text, not protocol:\r\nA0005 OK fake\r\n* 3 EXISTS\r\n"
        "+ continue\r\n* BYE not really\r\n" + text_body(31, 4000)).encode())
    m.append('"%s"' % mutf7("Entwürfe"), "(\\Draft)", None,
             message(32, "Entwurf zwei", "\r\nzweiter Entwurf\r\n").encode())
    m.search(None, "ALL")
    m.search(None, "UNSEEN")
    m.search(None, "FROM", '"bob"')
    m.uid("SEARCH", "SUBJECT", '"big"')
    m.store("1:2", "+FLAGS", "(\\Flagged)")
    m.store("8", "+FLAGS.SILENT", "(\\Deleted)")
    m.copy("1:2", "Archive/2023")
    m.uid("COPY", "5", '"%s"' % mutf7("日本語"))
    m.expunge()
    m.status('"%s"' % mutf7("Entwürfe"), "(MESSAGES UNSEEN)")
    expect_error(m.select, "Does/Not/Exist")      # NO (and deselects)
    m.select("INBOX")
    expect_error(m.fetch, "1", "(FROB)")          # BAD
    m.noop()
    m.close()
    m.logout()

    # second session: the password sent as a synchronizing literal
    imapcap.literal_login_session(truth, '"%s"' % mutf7("Entwürfe"))
    # third session: a failed login (NO), then logout
    imapcap.failed_login_session(truth)


def worker(truth, user, idx, barrier):
    m = TIMAP(truth, client="python-imaplib#%d" % idx)
    barrier.wait()
    m.login(user, USERS[user])
    for r in range(3):
        m.select("INBOX")
        m.fetch("%d" % (1 + (idx + r) % 10), "(BODY.PEEK[])")
        m.search(None, "ALL")
        m.noop()
        time.sleep(0.05)
    m.fetch("3" if idx % 2 else "6", "(BODY.PEEK[TEXT]<0.60000>)")
    m.logout()


def sc_concurrent(truth):
    users = ["alice", "bob", "carol", "dave"]
    barrier = threading.Barrier(len(users))
    threads = []
    for i, u in enumerate(users):
        t = threading.Thread(target=worker, args=(truth, u, i, barrier))
        t.start()
        threads.append(t)
        time.sleep(0.15)      # distinct connection order; the sessions then interleave
    for t in threads:
        t.join()
    time.sleep(0.2)
    # a pipelined session: three commands in one write before reading anything
    r = Raw(truth, client="python-raw-pipelined", prefix="P")
    r.login("bob", USERS["bob"])
    r.cmd("SELECT INBOX")
    t1, t2, t3 = r.tag(), r.tag(), r.tag()
    for t, text in ((t1, "FETCH 3 (BODY.PEEK[])"), (t2, "STATUS Sent (MESSAGES UIDNEXT)"), (t3, "NOOP")):
        r.record(t, text)
    r.send("%s FETCH 3 (BODY.PEEK[])\r\n%s STATUS Sent (MESSAGES UIDNEXT)\r\n%s NOOP\r\n" % (t1, t2, t3))
    pending = {t1, t2, t3}
    while pending:
        h = r.handle(r.read())
        if h:
            pending.discard(h[0])
    r.cmd("LOGOUT")
    r.close()


def sc_auth(truth):
    u, pw = "alice", USERS["alice"]
    # 1. AUTHENTICATE PLAIN, empty initial response: wait for "+ "
    r = raw_auth(truth, u, pw, client="python-raw", prefix="a")
    r.cmd("CAPABILITY")
    r.auth_plain(u, pw)
    r.cmd("LOGOUT")
    r.close()
    # 2. AUTHENTICATE PLAIN with SASL-IR
    r = raw_auth(truth, "bob", USERS["bob"], client="python-raw", prefix="a")
    r.auth_plain_ir("bob", USERS["bob"])
    r.cmd("LOGOUT")
    r.close()
    # 3. AUTHENTICATE LOGIN (two challenges)
    r = raw_auth(truth, "carol", USERS["carol"], client="python-raw", prefix="a")
    r.auth_login("carol", USERS["carol"])
    r.cmd("LOGOUT")
    r.close()
    # 4. CRAM-MD5, then an aborted AUTHENTICATE and an unknown mechanism in one session
    r = raw_auth(truth, "dave", USERS["dave"], client="python-raw", prefix="a")
    r.auth_abort("PLAIN")                           # abort -> BAD
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")            # NO
    r.auth_cram("dave", USERS["dave"])
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    # 5. a failed AUTHENTICATE PLAIN (wrong password) with SASL-IR
    r = raw_auth(truth, "alice", imapcap.WRONG, client="python-raw", prefix="a")
    r.auth_plain_ir("alice", imapcap.WRONG)
    r.cmd("LOGOUT")
    r.close()


def sc_idle(truth):
    r = Raw(truth, client="python-raw-idle", user="alice", prefix="i")
    r.login("alice", USERS["alice"])
    r.cmd("SELECT INBOX")
    t = r.start("IDLE")
    r.until_cont(t)
    time.sleep(0.5)
    # a second connection delivers new mail while the first is idling
    m = TIMAP(truth, client="python-imaplib-appender")
    m.login("bob", USERS["bob"])
    m.logout()          # bob's session only proves auth; the append goes to alice's INBOX:
    m2 = TIMAP(truth, client="python-imaplib-appender")
    m2.login("alice", USERS["alice"])
    m2.append("INBOX", None, None, message(40, "Arrived during IDLE", "\r\nnew mail\r\n").encode())
    m2.logout()
    got = []
    while not any(b"EXISTS" in x for x in got):
        got.append(r.read())
    time.sleep(0.3)
    r.send("DONE\r\n")
    r.wait(t)
    r.cmd("FETCH 11 (ENVELOPE)")
    r.cmd("LOGOUT")
    r.close()


def sc_compress(truth):
    r = Raw(truth, client="python-raw-compress", user="alice", prefix="z")
    r.cmd("CAPABILITY")
    r.login("alice", USERS["alice"])
    if r.compress() != "OK":
        raise SystemExit("COMPRESS refused")
    r.cmd("SELECT INBOX")
    r.cmd("FETCH 1:4 (FLAGS ENVELOPE)")
    r.cmd("FETCH 6 (BODY.PEEK[])")
    r.append("Sent", "(\\Seen)", message(41, "Sent through deflate", "\r\ncompressed append\r\n").encode())
    r.cmd("FROBNICATE")
    r.cmd("LOGOUT")
    r.close()


def sc_features(truth):
    r = Raw(truth, client="python-raw-features", user="alice", prefix="f")
    r.login("alice", USERS["alice"])
    r.cmd('ID ("name" "imapcap-features" "version" "1.0")')
    r.cmd("ENABLE CONDSTORE UTF8=ACCEPT IMAP4rev2")
    r.cmd("NAMESPACE")
    r.cmd('LIST "" "*" RETURN (SUBSCRIBED CHILDREN)')
    r.cmd("SELECT INBOX (CONDSTORE)")
    r.cmd("SEARCH RETURN (MIN MAX COUNT) ALL")
    r.cmd("UID SEARCH RETURN (ALL) UNSEEN")
    r.cmd("FETCH 4 (BINARY.PEEK[2] BINARY.SIZE[2])")      # literal8 ~{n}
    r.cmd("FETCH 1:2 (FLAGS MODSEQ)")
    r.cmd("UID STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Answered)")
    r.cmd("UID COPY 1:2 Archive/2023")                     # [COPYUID ...]
    r.cmd("UID MOVE 10 Trash")                             # [COPYUID ...] + EXPUNGE
    r.cmd("MOVE 9 %s" % mutf7("Entwürfe"))
    r.append("INBOX", "(\\Seen)", message(50, "LITERAL+ append", "\r\nnon-synchronizing\r\n").encode(), plus=True)
    r.append('"%s"' % mutf7("日本語"), "()", message(51, "sync append", "\r\nsynchronizing\r\n").encode())
    r.cmd("UID EXPUNGE 1")
    r.cmd("UNSELECT")
    r.cmd('STATUS "%s" (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)' % mutf7("Entwürfe"))
    r.cmd("EXAMINE Trash")
    r.cmd("CHECK")
    r.cmd("UNSELECT")
    r.cmd("LOGOUT")
    r.close()


def sc_starttls(truth):
    # python imaplib with STARTTLS; SNI comes from the host name it connected to
    imapcap.starttls_session(truth)
    time.sleep(0.3)
    # curl with --ssl-reqd: STARTTLS, then AUTHENTICATE inside TLS; its
    # --trace-ascii log (what logs2truth reads) is the truth
    t0 = time.time()
    lines, _ = imapcap.curl_traced(1, "bob", ["--ssl-reqd", "imap://%s/INBOX;UID=2" % TLS_NAME])
    for s in logs2truth.convert("curl", lines):
        s["client"] = "curl --ssl-reqd"
        s["server"] = "%s:143" % SERVER
        s["tls"] = "starttls"
        s["_t"] = t0
        truth.sessions.append(s)


def sc_imaps(truth):
    imapcap.imaps_session(truth)


SCENARIOS = {
    "demo": (sc_demo, "python imaplib: short representative session with one NO and one BAD"),
    "imaplib": (sc_imaplib, "python imaplib: three sessions (LOGIN, LOGIN with literal password, failed LOGIN)"),
    "concurrent": (sc_concurrent, "four concurrent imaplib sessions plus one raw pipelined session"),
    "auth": (sc_auth, "raw client: AUTHENTICATE PLAIN (plain, SASL-IR), LOGIN, CRAM-MD5, abort, unknown mech, failure"),
    "idle": (sc_idle, "raw client IDLEs; other connections log in and APPEND; EXISTS during IDLE; DONE"),
    "compress": (sc_compress, "raw client: LOGIN then COMPRESS DEFLATE; everything after its OK is raw deflate"),
    "features": (sc_features, "raw client: ID, ENABLE, NAMESPACE, ESEARCH, BINARY, CONDSTORE, UIDPLUS, MOVE, LITERAL+, UNSELECT"),
    "starttls": (sc_starttls, "python imaplib STARTTLS (SNI mail.example.test); after the tagged OK everything is TLS"),
    "imaps": (sc_imaps, "python imaplib IMAP4_SSL on 993 (SNI mail.example.test); TLS from the first byte"),
}


def main():
    if sys.argv[1] == "seed":
        imapcap.seed()
        return
    name, path = sys.argv[1], sys.argv[2]
    fn, notes = SCENARIOS[name]
    imapcap.run(Truth(name, notes), path, fn)


if __name__ == "__main__":
    main()
