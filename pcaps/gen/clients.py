#!/usr/bin/python3
"""IMAP client scenarios for pcaps/gen/dovecot.sh.

    clients.py seed                 # (re)fill every user's mailboxes
    clients.py SCENARIO TRUTH.json  # run SCENARIO, write its ground truth

Ground truth is the client's own record: each session in connection order,
its local port, and each tagged command it sent with the completion status it
received (OK/NO/BAD, or null if none arrived). Only the standard library.
"""
import base64
import hashlib
import hmac
import imaplib
import json
import os
import socket
import ssl
import sys
import threading
import time
import zlib

SERVER = os.environ.get("IMAP_SERVER", "10.143.0.2")
TLS_NAME = "mail.example.test"
USERS = {
    "alice": "Wh1sper-Secret-4417",
    "bob": "Bl0wfish-Quill-2290",
    "carol": "C4rol-Lantern-8812",
    "dave": "D4ve-Marmot-5521",
}
WRONG = "Wrong-Password-0000"


# --------------------------------------------------------------- mailboxes
def mutf7(name):
    """Encode a mailbox name in IMAP modified UTF-7 (RFC 3501 5.1.3)."""
    out, run = [], []

    def flush():
        if run:
            b = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


FOLDERS = ["Sent", "Trash", "Entwürfe", "Archive/2023", "日本語", "Gesendete Objekte"]
DATE = "Fri, 01 Mar 2024 10:%02d:00 +0000"


def text_body(seed, size):
    """Deterministic readable text of about size bytes (CRLF lines)."""
    words = ("imap literal segment capture dovecot mailbox fetch envelope "
             "report quarterly network packet window octet stream").split()
    lines, n, x = [], 0, seed
    while n < size:
        ws = []
        for _ in range(11):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            ws.append(words[x % len(words)])
        line = "%06d %s" % (len(lines) + 1, " ".join(ws))
        lines.append(line)
        n += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def binary_blob(seed, size):
    x, out = seed, bytearray()
    while len(out) < size:
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out += x.to_bytes(8, "little")
    return bytes(out[:size])


def message(i, subject, body, frm="Carol Sender <carol@example.test>", to="alice@example.test",
            extra=""):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <seed-%d@example.test>\r\n"
            "MIME-Version: 1.0\r\n%s" % (frm, to, subject, DATE % i, i, extra)) + body


def multipart(i, subject, blob):
    b64 = base64.encodebytes(blob).decode().replace("\n", "\r\n")
    body = ("Content-Type: multipart/mixed; boundary=\"=_b0und4ry\"\r\n\r\n"
            "--=_b0und4ry\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "The attachment is %d bytes of binary data.\r\n\r\n"
            "--=_b0und4ry\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n%s\r\n"
            "--=_b0und4ry--\r\n" % (len(blob), b64))
    return ("From: Dave Data <dave@example.test>\r\nTo: alice@example.test\r\nSubject: %s\r\n"
            "Date: %s\r\nMessage-ID: <seed-%d@example.test>\r\nMIME-Version: 1.0\r\n"
            % (subject, DATE % i, i)) + body


def inbox_messages():
    plain = "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    utf8 = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    return [
        message(1, "Welcome to the lab", plain + "Hello Alice,\r\n\r\nthis is message one.\r\n"),
        message(2, "Lunch on Friday?", plain + "Pizza or sushi?\r\n", frm="Bob <bob@example.test>"),
        message(3, "Quarterly report (big)", plain + text_body(3, 180_000)),
        multipart(4, "Binary attachment", binary_blob(4, 60_000)),
        message(5, "=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", utf8 + "Grüße aus Köln – schön!\r\n"),
        message(6, "Packet dump notes (big)", plain + text_body(6, 240_000)),
        message(7, "Tricky body", plain + "A line that looks like protocol:\r\nA0005 OK fake\r\n* 3 EXISTS\r\n) OK\r\n{12}\r\nend\r\n"),
        message(8, "report draft", plain + "Short report draft.\r\n"),
        message(9, "Re: Lunch on Friday?", plain + "> Pizza or sushi?\r\nSushi.\r\n", frm="Alice <alice@example.test>"),
        message(10, "Last one", plain + "Bye.\r\n"),
    ]


def seed():
    for user, pw in USERS.items():
        m = imaplib.IMAP4(SERVER, 143)
        m.login(user, pw)
        for f in FOLDERS:
            m.create('"%s"' % mutf7(f))
        m.subscribe("INBOX")
        for f in FOLDERS:
            m.subscribe('"%s"' % mutf7(f))
        for i, msg in enumerate(inbox_messages(), 1):
            flags = "(\\Seen)" if i in (1, 2, 9) else None
            m.append("INBOX", flags, '"01-Mar-2024 10:%02d:00 +0000"' % i, msg.encode())
        m.append('"%s"' % mutf7("Entwürfe"), "(\\Draft)", None,
                 message(20, "Entwurf: Angebot", "Content-Type: text/plain; charset=utf-8\r\n\r\nNoch nicht fertig.\r\n").encode())
        m.append("Sent", "(\\Seen)", None, message(21, "Sent item", "\r\nsent.\r\n").encode())
        m.logout()


# --------------------------------------------------------------- truth
class Truth:
    def __init__(self, capture, notes=""):
        self.capture, self.notes = capture, notes
        self.sessions = []
        self.lock = threading.Lock()

    def session(self, client, user=None, port=143, tls=None):
        s = {"client": client, "server": "%s:%d" % (SERVER, port), "client_port": None,
             "tls": tls, "user": user, "passwords": [], "commands": [], "_t": time.time()}
        with self.lock:
            self.sessions.append(s)
        return s

    def write(self, path):
        sess = sorted(self.sessions, key=lambda s: s["_t"])
        pw = []
        for s in sess:
            del s["_t"]
            for p in s["passwords"]:
                if p not in pw:
                    pw.append(p)
        doc = {"capture": self.capture, "generator": "pcaps/gen/clients.py", "notes": self.notes,
               "session_count": len(sess), "passwords": pw, "sessions": sess}
        with open(path, "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")


def cmd_name(words):
    w = [x.upper() for x in words[:2]]
    if w and w[0] == "UID" and len(w) > 1:
        return "UID " + w[1]
    return w[0] if w else ""


class TIMAP(imaplib.IMAP4):
    """imaplib with a record of every tagged command and its completion."""

    def __init__(self, truth, client="python-imaplib", user=None, port=143, **kw):
        self._sess = truth.session(client, user, port, tls=kw.pop("_tls", None))
        self._bytag = {}
        super().__init__(SERVER if "host" not in kw else kw.pop("host"), port, **kw)

    def _create_socket(self, timeout):
        s = super()._create_socket(timeout)
        self._sess["client_port"] = s.getsockname()[1]
        self._sess["_t"] = time.time()
        return s

    def _command(self, name, *args):
        tag = super()._command(name, *args)
        words = [name] + [a if isinstance(a, str) else "" for a in args]
        e = {"tag": tag.decode(), "command": cmd_name(words), "status": None}
        self._bytag[tag] = e
        self._sess["commands"].append(e)
        if tag in self.tagged_commands and self.tagged_commands[tag]:
            e["status"] = self.tagged_commands[tag][0]
        return tag

    def _get_tagged_response(self, tag, expect_bye=False):
        # imaplib returns from LOGOUT as soon as it sees "* BYE"; read on to
        # the tagged completion so the truth records what the server sent.
        if not expect_bye:
            typ, data = super()._get_tagged_response(tag)
        else:
            typ, data = "BYE", [None]
            try:
                while self.tagged_commands.get(tag) is None:
                    self._get_response()
                typ, data = self.tagged_commands.pop(tag)
            except self.abort:
                pass
        if tag in self._bytag and typ in ("OK", "NO", "BAD"):
            self._bytag[tag]["status"] = typ
        return typ, data

    def login(self, user, password):
        self._sess["user"] = user
        if password not in self._sess["passwords"]:
            self._sess["passwords"].append(password)
        return super().login(user, password)


class TIMAP_SSL(imaplib.IMAP4_SSL, TIMAP):
    def __init__(self, truth, client, user=None, port=993, ssl_context=None):
        self._sess = truth.session(client, user, port, tls="implicit")
        self._bytag = {}
        imaplib.IMAP4_SSL.__init__(self, TLS_NAME, port, ssl_context=ssl_context)

    def _create_socket(self, timeout):
        s = imaplib.IMAP4_SSL._create_socket(self, timeout)
        self._sess["client_port"] = s.getsockname()[1]
        self._sess["_t"] = time.time()
        return s


def expect_error(fn, *a):
    try:
        return fn(*a)
    except imaplib.IMAP4.error as e:
        return ("ERR", str(e))


def insecure_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --------------------------------------------------------------- raw client
class Raw:
    """A line-level IMAP client: exact control of what goes on the wire."""

    def __init__(self, truth, client="python-raw", user=None, port=143, prefix="a"):
        self.sess = truth.session(client, user, port)
        self.sock = socket.create_connection((SERVER, port))
        self.sess["client_port"] = self.sock.getsockname()[1]
        self.sess["_t"] = time.time()
        self.buf = b""
        self.n = 0
        self.prefix = prefix
        self.bytag = {}
        self.co = self.dc = None
        self.greeting = self.read()

    # wire
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.co:
            data = self.co.compress(data) + self.co.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("server closed")
        if self.dc:
            d = self.dc.decompress(d)
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i], self.buf[i + 2:]
        return line

    def read(self):
        """One whole response (line plus any literals), as bytes."""
        resp = b""
        while True:
            line = self._line()
            resp += line
            if line.endswith(b"}") and b"{" in line:
                n = int(line[line.rindex(b"{") + 1:-1].rstrip(b"+"))
                while len(self.buf) < n:
                    self._fill()
                resp += b"\r\n" + self.buf[:n]
                self.buf = self.buf[n:]
                continue
            return resp

    # commands
    def tag(self):
        self.n += 1
        return "%s%03d" % (self.prefix, self.n)

    def start(self, text, tag=None):
        """Record and send one command line (no literal). Returns its tag."""
        tag = tag or self.tag()
        e = {"tag": tag, "command": cmd_name(text.split()), "status": None}
        self.bytag[tag] = e
        self.sess["commands"].append(e)
        self.send("%s %s\r\n" % (tag, text))
        return tag

    def record(self, tag, text):
        e = {"tag": tag, "command": cmd_name(text.split()), "status": None}
        self.bytag[tag] = e
        self.sess["commands"].append(e)
        return e

    def handle(self, resp):
        """Note a completion; return (tag, status) or None for other responses."""
        parts = resp.split(b" ", 2)
        if len(parts) >= 2 and parts[0] not in (b"*", b"+"):
            t = parts[0].decode()
            st = parts[1].decode().upper()
            if t in self.bytag and st in ("OK", "NO", "BAD"):
                self.bytag[t]["status"] = st
                return t, st
        return None

    def wait(self, tag):
        untagged = []
        while True:
            r = self.read()
            h = self.handle(r)
            if h and h[0] == tag:
                return h[1], untagged
            untagged.append(r)

    def cmd(self, text):
        return self.wait(self.start(text))

    def until_cont(self, tag):
        """Read until a '+' continuation (returned) or the tag completes (None)."""
        while True:
            r = self.read()
            if r.startswith(b"+"):
                return r
            h = self.handle(r)
            if h and h[0] == tag:
                return None

    def append(self, mbox, flags, msg, plus=False):
        tag = self.tag()
        self.record(tag, "APPEND")
        head = "%s APPEND %s %s {%d%s}\r\n" % (tag, mbox, flags, len(msg), "+" if plus else "")
        if plus:
            self.send(head.encode() + msg + b"\r\n")
        else:
            self.send(head)
            if self.until_cont(tag) is None:
                return self.bytag[tag]["status"], []
            self.send(msg + b"\r\n")
        return self.wait(tag)

    def login(self, user, pw):
        self.sess["user"] = user
        self.sess["passwords"].append(pw)
        return self.cmd('LOGIN %s "%s"' % (user, pw))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


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
    m = TIMAP(truth)
    m._sess["user"] = u
    m._sess["passwords"].append(pw)
    m.literal = pw.encode()
    m._simple_command("LOGIN", u)
    m.state = "AUTH"
    m.select('"%s"' % mutf7("Entwürfe"))
    m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER])")
    m.logout()

    # third session: a failed login (NO), then BAD syntax, then logout
    m = TIMAP(truth)
    expect_error(m.login, u, WRONG)
    m.logout()


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


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def sc_auth(truth):
    u, pw = "alice", USERS["alice"]
    # 1. AUTHENTICATE PLAIN, empty initial response: wait for "+ "
    r = Raw(truth, client="python-raw", user=u)
    r.sess["passwords"].append(pw)
    r.cmd("CAPABILITY")
    t = r.start("AUTHENTICATE PLAIN")
    r.until_cont(t)
    r.send(b64("\0%s\0%s" % (u, pw)) + "\r\n")
    r.wait(t)
    r.cmd("LOGOUT")
    r.close()
    # 2. AUTHENTICATE PLAIN with SASL-IR
    r = Raw(truth, client="python-raw", user="bob")
    r.sess["passwords"].append(USERS["bob"])
    r.cmd("AUTHENTICATE PLAIN " + b64("\0bob\0" + USERS["bob"]))
    r.cmd("LOGOUT")
    r.close()
    # 3. AUTHENTICATE LOGIN (two challenges)
    r = Raw(truth, client="python-raw", user="carol")
    r.sess["passwords"].append(USERS["carol"])
    t = r.start("AUTHENTICATE LOGIN")
    r.until_cont(t)
    r.send(b64("carol") + "\r\n")
    r.until_cont(t)
    r.send(b64(USERS["carol"]) + "\r\n")
    r.wait(t)
    r.cmd("LOGOUT")
    r.close()
    # 4. CRAM-MD5, then an aborted AUTHENTICATE and an unknown mechanism in one session
    r = Raw(truth, client="python-raw", user="dave")
    r.sess["passwords"].append(USERS["dave"])
    t = r.start("AUTHENTICATE PLAIN")
    r.until_cont(t)
    r.send("*\r\n")                                 # abort -> BAD
    r.wait(t)
    r.cmd("AUTHENTICATE X-UNKNOWN-MECH")            # NO
    t = r.start("AUTHENTICATE CRAM-MD5")
    ch = r.until_cont(t)
    chal = base64.b64decode(ch[2:])
    dig = hmac.new(USERS["dave"].encode(), chal, hashlib.md5).hexdigest()
    r.send(b64("dave " + dig) + "\r\n")
    r.wait(t)
    r.cmd("SELECT INBOX")
    r.cmd("LOGOUT")
    r.close()
    # 5. a failed AUTHENTICATE PLAIN (wrong password) with SASL-IR
    r = Raw(truth, client="python-raw", user="alice")
    r.sess["passwords"].append(WRONG)
    r.cmd("AUTHENTICATE PLAIN " + b64("\0alice\0" + WRONG))
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
    st, _ = r.cmd("COMPRESS DEFLATE")
    if st != "OK":
        raise SystemExit("COMPRESS refused")
    r.co = zlib.compressobj(6, zlib.DEFLATED, -15)
    r.dc = zlib.decompressobj(-15)
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
    m = TIMAP(truth, client="python-imaplib-starttls", host=TLS_NAME, _tls="starttls")
    m.capability()
    m.starttls(ssl_context=insecure_ctx())
    m.login("alice", USERS["alice"])
    m.select("INBOX")
    m.fetch("1:3", "(FLAGS ENVELOPE)")
    m.logout()
    time.sleep(0.3)
    # curl with --ssl-reqd: STARTTLS, then AUTHENTICATE inside TLS; its -v log is the truth
    import subprocess
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import logs2truth
    t0 = time.time()
    p = subprocess.run(["curl", "-v", "-s", "--ssl-reqd", "-k", "-u", "bob:" + USERS["bob"],
                        "-o", "/dev/null", "-w", "%{local_port}",
                        "imap://%s/INBOX;UID=2" % TLS_NAME], capture_output=True, text=True)
    lines = ["@@ RUN 1 user=bob pass=%s" % USERS["bob"]] + p.stderr.splitlines() + ["@@ PORT " + p.stdout.strip()]
    for s in logs2truth.convert("curl", lines):
        s["client"] = "curl --ssl-reqd"
        s["server"] = "%s:143" % SERVER
        s["tls"] = "starttls"
        s["_t"] = t0
        truth.sessions.append(s)


def sc_imaps(truth):
    m = TIMAP_SSL(truth, "python-imaplib-ssl", ssl_context=insecure_ctx())
    m.login("bob", USERS["bob"])
    m.list()
    m.select("INBOX")
    m.fetch("3", "(BODY.PEEK[])")
    m.logout()


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
        seed()
        return
    name, path = sys.argv[1], sys.argv[2]
    fn, notes = SCENARIOS[name]
    truth = Truth(name, notes)
    try:
        fn(truth)
    finally:
        truth.write(path)


if __name__ == "__main__":
    main()
