#!/usr/bin/python3
"""What the capture clients share (imported by clients.py, tls_clients.py and
xsrv_clients.py; not run).

The fixed users and passwords, the seeded mail (deterministic bodies), the
ground-truth writer Truth, imaplib with a record of every tagged command
(TIMAP, TIMAP_SSL), the line-level client Raw (exact bytes on the wire, SASL
exchanges, COMPRESS) and the sessions more than one generator runs.

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
import subprocess
import tempfile
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


def quote_folder(name):
    """Dovecot's wire form of one of FOLDERS: modified UTF-7, quoted."""
    return '"%s"' % mutf7(name)


def seed(quote=quote_folder, parents=False):
    """(Re)fill every user's mailboxes over IMAP (not captured): FOLDERS,
    all subscribed, INBOX with inbox_messages() (1, 2 and 9 \\Seen), one
    draft in Entwürfe and one message in Sent. quote gives a folder's wire
    form; parents: create "Archive" before "Archive/2023" (Courier)."""
    for user, pw in USERS.items():
        m = imaplib.IMAP4(SERVER, 143)
        m.login(user, pw)
        for f in FOLDERS:
            if parents and "/" in f:
                m.create(quote(f.split("/")[0]))
            m.create(quote(f))
        m.subscribe("INBOX")
        for f in FOLDERS:
            m.subscribe(quote(f))
        for i, msg in enumerate(inbox_messages(), 1):
            flags = "(\\Seen)" if i in (1, 2, 9) else None
            m.append("INBOX", flags, '"01-Mar-2024 10:%02d:00 +0000"' % i, msg.encode())
        m.append(quote("Entwürfe"), "(\\Draft)", None,
                 message(20, "Entwurf: Angebot", "Content-Type: text/plain; charset=utf-8\r\n\r\nNoch nicht fertig.\r\n").encode())
        m.append(quote("Sent"), "(\\Seen)", None, message(21, "Sent item", "\r\nsent.\r\n").encode())
        m.logout()


# --------------------------------------------------------------- truth
class Truth:
    """The sessions of one capture as the clients saw them (NAME.truth.json)."""

    generator = "pcaps/gen/clients.py"

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
        doc = {"capture": self.capture, "generator": self.generator, "notes": self.notes}
        doc.update(self.extra())
        doc.update({"session_count": len(sess), "passwords": pw, "sessions": sess})
        with open(path, "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")

    def extra(self):
        """More top-level keys, after "notes" (a subclass's)."""
        return {}


def run(truth, path, fn, *args):
    """Run scenario fn(truth, *args); write the truth to path even if it fails."""
    try:
        fn(truth, *args)
    finally:
        truth.write(path)


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
        self.attach(socket.create_connection((SERVER, port)), prefix)

    def attach(self, sock, prefix):
        """Start on a connected socket: record its port, read the greeting."""
        self.sock = sock
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

    def compress(self):
        """COMPRESS DEFLATE (RFC 4978); after its OK both directions are raw
        deflate (wbits -15), each write flushed with Z_SYNC_FLUSH. Returns
        the status."""
        st, _ = self.cmd("COMPRESS DEFLATE")
        if st == "OK":
            self.co = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.dc = zlib.decompressobj(-15)
        return st

    # SASL (RFC 4959 SASL-IR, draft-murchison-sasl-login, RFC 2195 CRAM-MD5)
    def auth_plain_ir(self, user, pw):
        """AUTHENTICATE PLAIN with the initial response on the command line."""
        return self.cmd("AUTHENTICATE PLAIN " + b64("\0%s\0%s" % (user, pw)))

    def auth_plain(self, user, pw):
        """AUTHENTICATE PLAIN, the response after an empty "+ " challenge."""
        t = self.start("AUTHENTICATE PLAIN")
        if self.until_cont(t) is None:
            return self.bytag[t]["status"]
        self.send(b64("\0%s\0%s" % (user, pw)) + "\r\n")
        return self.wait(t)[0]

    def auth_login(self, user, pw):
        """AUTHENTICATE LOGIN: user name and password, one challenge each."""
        t = self.start("AUTHENTICATE LOGIN")
        self.until_cont(t)
        self.send(b64(user) + "\r\n")
        self.until_cont(t)
        self.send(b64(pw) + "\r\n")
        return self.wait(t)[0]

    def auth_cram(self, user, pw):
        """AUTHENTICATE CRAM-MD5 (nothing more if the server refuses it)."""
        t = self.start("AUTHENTICATE CRAM-MD5")
        ch = self.until_cont(t)
        if ch is None:
            return self.bytag[t]["status"]
        chal = base64.b64decode(ch[2:])
        dig = hmac.new(pw.encode(), chal, hashlib.md5).hexdigest()
        self.send(b64(user + " " + dig) + "\r\n")
        return self.wait(t)[0]

    def auth_abort(self, mech="PLAIN"):
        """AUTHENTICATE MECH answered with "*" (RFC 3501 6.2.2: BAD)."""
        t = self.start("AUTHENTICATE " + mech)
        self.until_cont(t)
        self.send("*\r\n")
        return self.wait(t)[0]


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


# --------------------------------------------------------------- shared sessions
def raw_auth(truth, user, pw=None, client="python-raw-auth", prefix="s"):
    """A raw session that is to authenticate as user with pw (default: the
    user's own password), recorded in its truth before anything is sent."""
    r = Raw(truth, client=client, user=user, prefix=prefix)
    r.sess["passwords"].append(pw or USERS[user])
    return r


def literal_login_session(truth, mbox):
    """imaplib: the password sent as a synchronizing literal, then SELECT
    mbox (wire form) and FETCH its headers."""
    u, pw = "alice", USERS["alice"]
    m = TIMAP(truth)
    m._sess["user"] = u
    m._sess["passwords"].append(pw)
    m.literal = pw.encode()
    m._simple_command("LOGIN", u)
    m.state = "AUTH"
    m.select(mbox)
    m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER])")
    m.logout()


def failed_login_session(truth):
    """imaplib: a failed LOGIN (NO), then LOGOUT."""
    m = TIMAP(truth)
    expect_error(m.login, "alice", WRONG)
    m.logout()


def starttls_session(truth):
    """imaplib STARTTLS to mail.example.test (its SNI), LOGIN, SELECT, FETCH."""
    m = TIMAP(truth, client="python-imaplib-starttls", host=TLS_NAME, _tls="starttls")
    m.capability()
    m.starttls(ssl_context=insecure_ctx())
    m.login("alice", USERS["alice"])
    m.select("INBOX")
    m.fetch("1:3", "(FLAGS ENVELOPE)")
    m.logout()


def curl_traced(n, user, args, env=None):
    """Run curl once (one connection) as user with --trace-ascii; return the
    lines logs2truth.convert("curl", ...) reads for it ("@@ RUN n", the trace,
    "@@ PORT p") and the trace itself. args: curl's options and URL."""
    fd, trace = tempfile.mkstemp(prefix="curl-trace.")
    os.close(fd)
    try:
        p = subprocess.run(["curl", "-s", "-k", "--trace-ascii", trace, "-u", "%s:%s" % (user, USERS[user]),
                            "-o", "/dev/null", "-w", "%{local_port}"] + args,
                           capture_output=True, text=True, env=env)
        with open(trace) as f:
            tl = f.read().splitlines()
    finally:
        os.unlink(trace)
    return ["@@ RUN %d user=%s pass=%s" % (n, user, USERS[user])] + tl + ["@@ PORT " + p.stdout.strip()], tl


def imaps_session(truth):
    """imaplib IMAP4_SSL on 993 (SNI mail.example.test): bob's INBOX, one big FETCH."""
    m = TIMAP_SSL(truth, "python-imaplib-ssl", ssl_context=insecure_ctx())
    m.login("bob", USERS["bob"])
    m.list()
    m.select("INBOX")
    m.fetch("3", "(BODY.PEEK[])")
    m.logout()


