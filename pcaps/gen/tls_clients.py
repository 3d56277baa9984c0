#!/usr/bin/python3
"""IMAP-over-TLS client scenarios for pcaps/gen/tls.sh.

    tls_clients.py seed                          # (re)fill the small mailboxes
    tls_clients.py SCENARIO TRUTH.json KEYLOG    # run SCENARIO, write its truth

Every client writes the NSS key log KEYLOG: openssl s_client -keylogfile,
Python's SSLContext.keylog_filename, curl's SSLKEYLOGFILE. Ground truth is the
clients' own record (imapcap.Truth, as in clients.py): per session in connection order its
local port, the tagged commands it sent and the completion it received, plus
the TLS version, cipher and features as the client reported or configured
them. openssl s_client is driven through its stdin/stdout: this script
writes each command line, reads s_client's stdout until the tagged
completion, and parses s_client's session summary for protocol and cipher.
Only the standard library (and the openssl and curl binaries).
"""
import base64
import imaplib
import os
import queue
import re
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imapcap as C  # noqa: E402  (users, message builders, Truth, TIMAP, Raw)
import logs2truth  # noqa: E402

SERVER, TLS_NAME, USERS = C.SERVER, C.TLS_NAME, C.USERS
GENERATOR = "pcaps/gen/tls_clients.py"
WAIT = 20  # seconds to wait for any one server answer before giving up

# OpenSSL cipher names -> IANA names (RFC 5246/5288/5289/7905/8446 registries).
IANA = {
    "TLS_AES_128_GCM_SHA256": "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384": "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256": "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-RSA-AES256-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "AES128-GCM-SHA256": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES256-SHA256": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "AES128-SHA": "TLS_RSA_WITH_AES_128_CBC_SHA",
}

# SSL_OP_NO_EXTENDED_MASTER_SECRET (OpenSSL 3.0 include/openssl/ssl.h: SSL_OP_BIT(0));
# Python 3.11 has no name for it but passes any option bit to SSL_CTX_set_options.
OP_NO_EXTENDED_MASTER_SECRET = 1 << 0


# --------------------------------------------------------------- mailboxes
def seed():
    """Small mailboxes (the TLS captures stay small): alice and bob get
    INBOX with 5 short messages (1 \\Seen) and one of 40 KB, Sent and Entwürfe."""
    plain = "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    utf8 = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    msgs = [
        C.message(1, "Welcome to the lab", plain + "Hello,\r\n\r\nthis is message one.\r\n"),
        C.message(2, "Lunch on Friday?", plain + "Pizza or sushi?\r\n", frm="Bob <bob@example.test>"),
        C.message(3, "Short report", plain + C.text_body(3, 3000)),
        C.message(4, "Tricky body", plain + "A line that looks like protocol:\r\nA0005 OK fake\r\n* 3 EXISTS\r\n) OK\r\n{12}\r\nend\r\n"),
        C.message(5, "=?utf-8?q?Gr=C3=BC=C3=9Fe?=", utf8 + "Grüße aus Köln – schön!\r\n"),
        # larger than one TLS record (16 KiB of plaintext): its FETCH spans three records
        C.message(6, "Forty kilobytes", plain + C.text_body(6, 40_000)),
    ]
    for user in ("alice", "bob"):
        m = imaplib.IMAP4(SERVER, 143)
        m.login(user, USERS[user])
        for f in ("Sent", "Entwürfe"):
            m.create('"%s"' % C.mutf7(f))
            m.subscribe('"%s"' % C.mutf7(f))
        for i, msg in enumerate(msgs, 1):
            m.append("INBOX", "(\\Seen)" if i == 1 else None, '"01-Mar-2024 10:%02d:00 +0000"' % i, msg.encode())
        m.append("Sent", "(\\Seen)", None, C.message(21, "Sent item", "\r\nsent.\r\n").encode())
        m.logout()


# --------------------------------------------------------------- truth
class Truth(C.Truth):
    """imapcap.Truth with the TLS fields and the key log's name."""

    generator = GENERATOR

    def session(self, client, user=None, port=993, tls="implicit"):
        s = super().session(client, user, port, tls)
        s.update({"tls_version": None, "tls_cipher": None, "tls_cipher_iana": None})
        return s

    def extra(self):
        return {"keylog": self.capture + ".keylog"}


def set_cipher(sess, version, cipher):
    sess["tls_version"] = version
    sess["tls_cipher"] = cipher
    sess["tls_cipher_iana"] = IANA.get(cipher)


def local_port(pid):
    """The local TCP port of the one socket process pid has open (s_client)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    with open("/proc/%d/net/tcp" % pid) as f:
        for line in f.readlines()[1:]:
            w = line.split()
            if w[9] in inodes:
                return int(w[1].split(":")[1], 16)
    return None


# --------------------------------------------------------------- openssl s_client
class SClient:
    """openssl s_client driven line by line; records the session it makes.

    Tags are "c01", "c02", … (never a line starting with Q, R, k or K:
    s_client takes those as its connected commands)."""

    def __init__(self, truth, args, keylog, port=993, starttls=False, client="openssl s_client",
                 features=None, prefix="c"):
        cmd = ["openssl", "s_client", "-connect", "%s:%d" % (TLS_NAME, port),
               "-servername", TLS_NAME, "-keylogfile", keylog] + args
        if starttls:
            cmd += ["-starttls", "imap"]
        self.sess = truth.session(client, port=port, tls="starttls" if starttls else "implicit")
        self.sess["client_args"] = " ".join(["openssl", "s_client"] + args + (["-starttls", "imap"] if starttls else []))
        self.sess["tls_features"] = list(features or [])
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.out, self.err = [], []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.out, self.lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.p.stderr, self.err, None), daemon=True).start()
        self.n = 0
        self.prefix = prefix
        self.bytag = {}
        self.sess["_t"] = time.time()
        if starttls:
            # s_client's own IMAP exchange before the handshake (apps/s_client.c,
            # PROTO_IMAP): ". CAPABILITY", then ". STARTTLS". It prints neither;
            # it only goes on to the handshake after reading both completions.
            for c in ("CAPABILITY", "STARTTLS"):
                self.sess["commands"].append({"tag": ".", "command": c, "status": None})
            # Nothing to wait for on stdout: s_client's session summary stays
            # in its stdout buffer until the server sends data inside TLS.
            # The first tagged answer inside TLS (c01) confirms both.
            self._pre = list(self.sess["commands"])
            time.sleep(1.0)
            self.sess["notes"] = ("the two '.' commands are sent by s_client -starttls imap itself; "
                                  "their OK is inferred from the TLS session that followed")
        else:
            self._until(lambda l: l.startswith("* OK"))
        self.sess["client_port"] = local_port(self.p.pid)
        self._summary()

    @staticmethod
    def _pump(stream, keep, q):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            keep.append(line)
            if q is not None:
                q.put(line)
        if q is not None:
            q.put(None)

    def _until(self, pred):
        deadline = time.time() + WAIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                raise SystemExit("s_client: timeout; stderr: %s" % "\n".join(self.err))
            if line is None:
                raise SystemExit("s_client exited; stderr: %s" % "\n".join(self.err))
            if pred(line):
                return line

    def _summary(self):
        for line in self.out:
            # "New, TLSv1.0, Cipher is X" names the cipher's first version, not
            # the protocol: the protocol is the SSL-Session block's "Protocol".
            m = re.match(r"^(New|Reused), \S+, Cipher is (\S+)", line)
            if m:
                self.sess["tls_resumed"] = m.group(1) == "Reused"
            m = re.match(r"^\s*Protocol\s*: (\S+)", line)
            if m:
                self.sess["tls_version"] = m.group(1)
            m = re.match(r"^\s*Cipher\s*: (\S+)", line)
            if m:
                set_cipher(self.sess, self.sess["tls_version"], m.group(1))
            m = re.match(r"^\s*Extended master secret: (yes|no)", line)
            if m and self.sess["tls_version"] == "TLSv1.2":
                self.sess["tls_ems"] = m.group(1) == "yes"
            m = re.match(r"^Server Temp Key: (.*)", line)
            if m:
                self.sess["tls_server_temp_key"] = m.group(1)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def cmd(self, text, secret=None):
        self.n += 1
        tag = "%s%02d" % (self.prefix, self.n)
        e = {"tag": tag, "command": C.cmd_name(text.split()), "status": None}
        self.sess["commands"].append(e)
        self.send(("%s %s\r\n" % (tag, text)).encode())
        line = self._until(lambda l: re.match(r"^%s (OK|NO|BAD)\b" % tag, l, re.I) is not None)
        e["status"] = line.split()[1].upper()
        for c in getattr(self, "_pre", []):
            c["status"] = "OK"
        self._pre = []
        return e["status"]

    def login(self, user):
        self.sess["user"] = user
        self.sess["passwords"].append(USERS[user])
        return self.cmd('LOGIN %s "%s"' % (user, USERS[user]))

    def key_update(self, request_peer):
        """s_client's connected command: 'k' (update own keys) or 'K' (and
        request the server's), alone on a line, in its own write."""
        time.sleep(0.3)
        letter = "K" if request_peer else "k"
        self.send(letter.encode() + b"\n")
        time.sleep(0.5)
        self.sess.setdefault("key_updates", []).append(
            {"after_tag": "%s%02d" % (self.prefix, self.n), "update_requested": request_peer})

    def auth_plain(self, user):
        """AUTHENTICATE PLAIN with an initial response (SASL-IR, RFC 4959)."""
        self.sess["user"] = user
        self.sess["passwords"].append(USERS[user])
        ir = base64.b64encode(("\0%s\0%s" % (user, USERS[user])).encode()).decode()
        return self.cmd("AUTHENTICATE PLAIN " + ir)

    def session_commands(self, user="alice", big=False, sasl=False):
        """The standard session body: CAPABILITY, LOGIN (or AUTHENTICATE
        PLAIN), LIST, SELECT, FETCH×2 (the second of the 40 KB message if big)."""
        self.cmd("CAPABILITY")
        if sasl:
            self.auth_plain(user)
        else:
            self.login(user)
        self.cmd('LIST "" "*"')
        self.cmd("SELECT INBOX")
        self.cmd("FETCH 1:6 (FLAGS ENVELOPE)")
        self.cmd("FETCH %d (BODY.PEEK[])" % (6 if big else 4))

    def logout(self):
        self.cmd("LOGOUT")
        self.p.stdin.close()
        try:
            self.p.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        time.sleep(0.2)
        self._summary()
        if any("KEYUPDATE" in l for l in self.err):
            self.sess["key_update_stderr"] = sum("KEYUPDATE" in l for l in self.err)


def sclient_session(truth, keylog, args, features, user="alice", big=False, sasl=False, **kw):
    s = SClient(truth, args, keylog, features=features, **kw)
    s.session_commands(user, big=big, sasl=sasl)
    s.logout()
    return s


# --------------------------------------------------------------- python ssl
def py_ctx(keylog, tls12_cipher=None, no_ems=False):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    if tls12_cipher:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(tls12_cipher)
    if no_ems:
        ctx.options |= OP_NO_EXTENDED_MASTER_SECRET
    return ctx


def note_sock(sess, sock, features):
    v = sock.version()
    c = sock.cipher()
    set_cipher(sess, v, c[0] if c else None)
    sess["tls_features"] = list(features)
    sess["tls_resumed"] = sock.session_reused


def imaplib_ssl_session(truth, keylog, features, user="bob", ctx=None, client="python-imaplib-ssl", big=False):
    ctx = ctx or py_ctx(keylog)
    m = C.TIMAP_SSL(truth, client, ssl_context=ctx)
    note_sock(m._sess, m.sock, features)
    m.capability()
    m.login(user, USERS[user])
    m.list()
    m.select("INBOX")
    m.fetch("1:6", "(FLAGS ENVELOPE)")
    m.fetch("6" if big else "3", "(BODY.PEEK[])")
    if big:
        # a 40 KB literal in one sendall: Python's SSL_write makes full 16 KiB records
        m.append("Sent", "(\\Seen)", None, C.message(42, "Big append over TLS", "\r\n" + C.text_body(42, 40_000)).encode())
    m.logout()
    return m


class RawTLS(C.Raw):
    """clients.Raw over an SSL socket on 993 (COMPRESS wraps that socket)."""

    def __init__(self, truth, ctx, client, user=None, prefix="z"):
        self.sess = truth.session(client, user, 993, tls="implicit")
        plain = socket.create_connection((SERVER, 993))
        self.attach(ctx.wrap_socket(plain, server_hostname=TLS_NAME), prefix)


# --------------------------------------------------------------- scenarios
def tls13(suite, sasl=False):
    def run(truth, keylog):
        sclient_session(truth, keylog, ["-tls1_3", "-ciphersuites", suite], ["tls1.3"], sasl=sasl)
    return run


def tls12(cipher, etm=True, big=False):
    def run(truth, keylog):
        args = ["-tls1_2", "-cipher", cipher]
        feats = ["tls1.2"]
        if "-SHA" in cipher and "GCM" not in cipher and "CHACHA" not in cipher:
            feats.append("encrypt_then_mac" if etm else "mac_then_encrypt")
        if not etm:
            args.append("-no_etm")
        sclient_session(truth, keylog, args, feats, big=big)
    return run


def sc_noems(truth, keylog):
    # Python, TLS 1.2, extended master secret switched off in the client:
    # the classic PRF(pre_master, "master secret", randoms) path.
    for cipher, feats in (("ECDHE-RSA-AES128-GCM-SHA256", []),
                          ("ECDHE-RSA-AES128-SHA256", ["encrypt_then_mac"])):
        ctx = py_ctx(keylog, cipher, no_ems=True)
        m = imaplib_ssl_session(truth, keylog, ["tls1.2", "no_extended_master_secret"] + feats,
                                ctx=ctx, client="python-imaplib-ssl no-EMS")
        m._sess["tls_ems"] = False
        time.sleep(0.3)


def sc_rsa_kex(truth, keylog):
    sclient_session(truth, keylog, ["-tls1_2", "-cipher", "AES128-GCM-SHA256"], ["tls1.2", "rsa_key_exchange"])
    time.sleep(0.3)
    sclient_session(truth, keylog, ["-tls1_2", "-cipher", "AES256-SHA256"],
                    ["tls1.2", "rsa_key_exchange", "encrypt_then_mac"], user="bob")


def resume(version_args, ticket, feats):
    def run(truth, keylog):
        sess_file = keylog + ".session"
        args = list(version_args) + ([] if ticket else ["-no_ticket"])
        s1 = sclient_session(truth, keylog, args + ["-sess_out", sess_file], feats + ["full_handshake"])
        time.sleep(0.5)
        s2 = sclient_session(truth, keylog, args + ["-sess_in", sess_file], feats + ["resumption"], user="bob")
        os.unlink(sess_file)
        if not s2.sess.get("tls_resumed"):
            raise SystemExit("second connection was not resumed")
        s1.sess["client_args"] = s1.sess["client_args"].replace(sess_file, "SESSION")
        s2.sess["client_args"] = s2.sess["client_args"].replace(sess_file, "SESSION")
    return run


def sc_keyupdate(truth, keylog):
    s = SClient(truth, ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], keylog,
                features=["tls1.3", "key_update"])
    s.cmd("CAPABILITY")
    s.login("alice")
    s.key_update(False)            # client's keys only
    s.cmd('LIST "" "*"')
    s.cmd("SELECT INBOX")
    s.key_update(True)             # client's, and the server's in answer
    s.cmd("FETCH 1:5 (FLAGS ENVELOPE)")
    s.key_update(True)
    s.cmd("FETCH 4 (BODY.PEEK[])")
    s.logout()
    if s.sess.get("key_update_stderr", 0) != 3:
        raise SystemExit("s_client reported %s key updates, want 3" % s.sess.get("key_update_stderr"))


def sc_hrr(truth, keylog):
    # The server (ssl_curve_list = P-256) cannot use the X25519 key share
    # s_client sends for its first group: HelloRetryRequest, then P-256.
    sclient_session(truth, keylog, ["-tls1_3", "-groups", "X25519:P-256"], ["tls1.3", "hello_retry_request"])


def sc_starttls_openssl(truth, keylog):
    s = SClient(truth, ["-tls1_3"], keylog, port=143, starttls=True, features=["tls1.3", "starttls"])
    s.session_commands("alice")
    s.logout()
    time.sleep(0.3)
    s = SClient(truth, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"], keylog, port=143,
                starttls=True, features=["tls1.2", "starttls"])
    s.session_commands("bob", big=True)
    s.logout()


def sc_starttls_imaplib(truth, keylog):
    m = C.TIMAP(truth, client="python-imaplib-starttls", host=TLS_NAME, _tls="starttls")
    m._sess.update({"tls_version": None, "tls_cipher": None, "tls_cipher_iana": None})
    m.capability()
    m.starttls(ssl_context=py_ctx(keylog))
    note_sock(m._sess, m.sock, ["starttls"])
    m.capability()
    m.login("alice", USERS["alice"])
    m.list()
    m.select("INBOX")
    m.fetch("1:5", "(FLAGS ENVELOPE)")
    m.fetch("4", "(BODY.PEEK[])")
    m.logout()


def sc_imaps_imaplib(truth, keylog):
    imaplib_ssl_session(truth, keylog, ["implicit"], big=True)


def sc_imaps_curl(truth, keylog):
    log = []
    runs = [("alice", "imaps://%s/INBOX;UID=1" % TLS_NAME, []),
            ("bob", "imaps://%s/" % TLS_NAME, ["-X", "EXAMINE INBOX"]),
            ("alice", "imaps://%s/INBOX;UID=4" % TLS_NAME, ["--tlsv1.2", "--tls-max", "1.2"])]
    ciphers = []
    t0 = time.time()
    for n, (user, url, extra) in enumerate(runs, 1):
        lines, tl = C.curl_traced(n, user, extra + [url], env=dict(os.environ, SSLKEYLOGFILE=keylog))
        log += lines
        c = None
        for line in tl:
            m = re.search(r"SSL connection using (TLSv[0-9.]+) / (\S+)", line)
            if m:
                c = (m.group(1), m.group(2))
        ciphers.append((c, extra))
        time.sleep(0.3)
    sessions = logs2truth.convert("curl", log)
    if len(sessions) != len(runs):
        raise SystemExit("curl: %d sessions from %d runs" % (len(sessions), len(runs)))
    for i, s in enumerate(sessions):
        s["client"] = "curl"
        s["server"] = "%s:993" % SERVER
        s["tls"] = "implicit"
        s["_t"] = t0 + i
        c, extra = ciphers[i]
        s.update({"tls_version": None, "tls_cipher": None, "tls_cipher_iana": None})
        if c:
            set_cipher(s, c[0], c[1])
        s["tls_features"] = ["implicit"]
        s["client_args"] = " ".join(["curl"] + extra)
        truth.sessions.append(s)


def sc_compress_tls(truth, keylog):
    ctx = py_ctx(keylog)
    r = RawTLS(truth, ctx, "python-raw-compress-tls", user="alice")
    note_sock(r.sess, r.sock, ["implicit", "compress_deflate"])
    r.cmd("CAPABILITY")
    r.login("alice", USERS["alice"])
    if r.compress() != "OK":
        raise SystemExit("COMPRESS refused")
    r.sess["compressed_after_tag"] = "z003"
    r.cmd('LIST "" "*"')
    r.cmd("SELECT INBOX")
    r.cmd("FETCH 1:5 (FLAGS ENVELOPE)")
    r.cmd("FETCH 6 (BODY.PEEK[])")
    r.append("Sent", "(\\Seen)", C.message(41, "Sent through deflate in TLS", "\r\ncompressed append\r\n").encode())
    r.cmd("LOGOUT")
    r.close()


SCENARIOS = {
    "tls13-aes128gcm": (tls13("TLS_AES_128_GCM_SHA256"), "openssl s_client -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256, port 993"),
    "tls13-aes256gcm": (tls13("TLS_AES_256_GCM_SHA384"), "openssl s_client -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384, port 993"),
    "tls13-chacha20": (tls13("TLS_CHACHA20_POLY1305_SHA256", sasl=True), "openssl s_client -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256, port 993, AUTHENTICATE PLAIN (SASL-IR)"),
    "tls12-aes128gcm": (tls12("ECDHE-RSA-AES128-GCM-SHA256"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256, port 993"),
    "tls12-aes256gcm": (tls12("ECDHE-RSA-AES256-GCM-SHA384"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384, port 993"),
    "tls12-chacha20": (tls12("ECDHE-RSA-CHACHA20-POLY1305"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305, port 993"),
    "tls12-aes128-sha": (tls12("ECDHE-RSA-AES128-SHA"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-SHA (CBC, HMAC-SHA1, encrypt_then_mac)"),
    "tls12-aes128-sha-noetm": (tls12("ECDHE-RSA-AES128-SHA", etm=False, big=True), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-SHA -no_etm (CBC, HMAC-SHA1, MAC-then-encrypt); FETCH of a 40 KB body (several full records)"),
    "tls12-aes128-sha256": (tls12("ECDHE-RSA-AES128-SHA256"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-SHA256 (CBC, HMAC-SHA256, encrypt_then_mac)"),
    "tls12-aes128-sha256-noetm": (tls12("ECDHE-RSA-AES128-SHA256", etm=False), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-SHA256 -no_etm (CBC, HMAC-SHA256, MAC-then-encrypt)"),
    "tls12-aes256-sha384": (tls12("ECDHE-RSA-AES256-SHA384"), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 (CBC, HMAC-SHA384, encrypt_then_mac)"),
    "tls12-aes256-sha384-noetm": (tls12("ECDHE-RSA-AES256-SHA384", etm=False), "openssl s_client -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm (CBC, HMAC-SHA384, MAC-then-encrypt)"),
    "tls12-noems": (sc_noems, "python imaplib IMAP4_SSL, TLS 1.2 without extended master secret: ECDHE-RSA-AES128-GCM-SHA256, then ECDHE-RSA-AES128-SHA256"),
    "tls12-rsa-kex": (sc_rsa_kex, "openssl s_client -tls1_2, RSA key exchange: AES128-GCM-SHA256, then AES256-SHA256 (CBC)"),
    "tls12-resume-sessid": (resume(["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], False, ["tls1.2", "session_id"]),
                            "openssl s_client -tls1_2 -no_ticket: full handshake (-sess_out), then resumption by session ID (-sess_in)"),
    "tls12-resume-ticket": (resume(["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"], True, ["tls1.2", "session_ticket"]),
                            "openssl s_client -tls1_2: full handshake with a session ticket (-sess_out), then resumption by ticket (-sess_in)"),
    "tls13-resume": (resume(["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], True, ["tls1.3", "psk_resumption"]),
                     "openssl s_client -tls1_3: full handshake (-sess_out keeps the NewSessionTicket), then PSK resumption (-sess_in)"),
    "tls13-keyupdate": (sc_keyupdate, "openssl s_client -tls1_3: KeyUpdate after LOGIN (k: update_not_requested), after SELECT and after FETCH (K: update_requested, the server updates too)"),
    "hrr": (sc_hrr, "openssl s_client -tls1_3 -groups X25519:P-256 against ssl_curve_list = P-256: HelloRetryRequest"),
    "starttls-openssl": (sc_starttls_openssl, "openssl s_client -starttls imap on 143: TLS 1.3, then TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384"),
    "starttls-imaplib": (sc_starttls_imaplib, "python imaplib STARTTLS on 143 with keylog_filename"),
    "imaps-imaplib": (sc_imaps_imaplib, "python imaplib IMAP4_SSL on 993 with keylog_filename"),
    "imaps-curl": (sc_imaps_curl, "curl imaps:// with SSLKEYLOGFILE: three connections (UID FETCH; -X EXAMINE; TLS 1.2 UID FETCH)"),
    "compress-tls": (sc_compress_tls, "python raw client on 993: LOGIN, COMPRESS DEFLATE inside TLS, then deflated commands inside TLS records"),
}


def main():
    if sys.argv[1] == "seed":
        seed()
        return
    name, path, keylog = sys.argv[1], sys.argv[2], sys.argv[3]
    fn, notes = SCENARIOS[name]
    C.run(Truth(name, notes), path, fn, keylog)


if __name__ == "__main__":
    main()
