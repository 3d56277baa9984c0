package dissect

import (
	"bytes"
	"compress/flate"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func anomalyKinds(t *testing.T, steps []Segment) []string {
	rs := run(t, steps, 0, Options{})
	var out []string
	for _, a := range rs.Anomalies {
		out = append(out, string(a.Kind))
	}
	return out
}

// RFC 4959 SASL-IR and RFC 4616 PLAIN: the identity is learnt, the password
// never shown unless asked.
func TestAuthenticatePlainSASLIR(t *testing.T) {
	ir := base64.StdEncoding.EncodeToString([]byte("\x00bob\x00Hunter2-Secret"))
	steps := []Segment{
		S("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"),
		C("x1 AUTHENTICATE PLAIN " + ir + "\n"),
		S("x1 OK Logged in\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "x1 AUTHENTICATE OK")
	if rs.User != "bob" || rs.AuthMechanism != "PLAIN" {
		t.Errorf("user %q mech %q", rs.User, rs.AuthMechanism)
	}
	if rs.Transactions[0].Args != "PLAIN <redacted>" {
		t.Errorf("args %q", rs.Transactions[0].Args)
	}
	if d := digest(t, rs); strings.Contains(d, ir) || strings.Contains(d, "Hunter2") {
		t.Error("secret leaked")
	}
	rs = run(t, steps, 0, Options{ShowSecrets: true})
	if len(rs.Transactions[0].SASL) != 1 || !strings.Contains(rs.Transactions[0].SASL[0], "Hunter2-Secret") {
		t.Errorf("SASL with secrets = %q", rs.Transactions[0].SASL)
	}
}

// AUTHENTICATE exchanges: continuation lines belong to the command, a "*"
// aborts it, and no client line of the exchange becomes a command.
func TestAuthenticateExchanges(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	steps := []Segment{
		S("* OK ready\n"),
		C("a1 AUTHENTICATE LOGIN\n"), S("+ " + b64("Username:") + "\n"),
		C(b64("carol") + "\n"), S("+ " + b64("Password:") + "\n"),
		C(b64("pw-LOGIN-1") + "\n"), S("a1 NO [AUTHENTICATIONFAILED] bad\n"),
		C("a2 AUTHENTICATE CRAM-MD5\n"), S("+ " + b64("<1.2@host>") + "\n"),
		C(b64("dave 0123456789abcdef0123456789abcdef") + "\n"), S("a2 OK done\n"),
		C("a3 AUTHENTICATE PLAIN\n"), S("+ \n"), C("*\n"), S("a3 BAD aborted\n"),
		C("a4 AUTHENTICATE X-UNKNOWN\n"), S("a4 NO unsupported mechanism\n"),
		C("a5 LOGOUT\n"), S("* BYE bye\na5 OK done\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "a1 AUTHENTICATE NO", "a2 AUTHENTICATE OK", "a3 AUTHENTICATE BAD", "a4 AUTHENTICATE NO", "a5 LOGOUT OK")
	if rs.User != "dave" || rs.AuthMechanism != "CRAM-MD5" {
		t.Errorf("user %q mechanism %q (want the one that worked)", rs.User, rs.AuthMechanism)
	}
	if rs.Transactions[0].Continuations != 2 || rs.Transactions[2].Note != "aborted by the client" {
		t.Errorf("continuations %d note %q", rs.Transactions[0].Continuations, rs.Transactions[2].Note)
	}
	if strings.Contains(digest(t, rs), b64("pw-LOGIN-1")) {
		t.Error("secret leaked")
	}
	if len(rs.Anomalies) != 0 {
		t.Errorf("anomalies %+v", rs.Anomalies)
	}
}

// RFC 2177 IDLE: DONE is not a command; pushes are counted as unsolicited.
func TestIdle(t *testing.T) {
	steps := []Segment{
		S("* OK ready\n"),
		C("i1 IDLE\n"), S("+ idling\n"), S("* 4 EXISTS\n"), S("* 1 EXPUNGE\n"), C("DONE\n"), S("i1 OK IDLE terminated\n"),
		S("* 5 EXISTS\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "i1 IDLE OK")
	if rs.Transactions[0].Responses != 2 || rs.Unsolicited["EXISTS"] != 2 || rs.Unsolicited["EXPUNGE"] != 1 {
		t.Errorf("responses %d unsolicited %v", rs.Transactions[0].Responses, rs.Unsolicited)
	}
}

// Pipelined commands complete out of order and are matched by tag.
func TestPipelinedOutOfOrder(t *testing.T) {
	steps := []Segment{
		S("* OK ready\n"),
		C("p1 FETCH 1 FLAGS\np2 STATUS INBOX (MESSAGES)\np3 NOOP\n"),
		S("* STATUS INBOX (MESSAGES 3)\np2 OK status\np3 OK noop\n* 1 FETCH (FLAGS (\\Seen))\np1 OK fetch\n"),
	}
	rs := run(t, steps, 1, Options{})
	wantBrief(t, rs, "p1 FETCH OK", "p2 STATUS OK", "p3 NOOP OK")
	if rs.Transactions[0].Responses != 1 || rs.Transactions[1].Responses != 1 {
		t.Errorf("responses %d %d", rs.Transactions[0].Responses, rs.Transactions[1].Responses)
	}
}

// A synchronizing literal the server refuses is never sent: the client's
// next line is a command, not literal data.
func TestRefusedSyncLiteral(t *testing.T) {
	steps := []Segment{
		S("* OK ready\n"),
		C("r1 APPEND INBOX {999999}\n"),
		S("r1 NO [TOOBIG] too big\n"),
		C("r2 NOOP\n"), S("r2 OK noop\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "r1 APPEND NO", "r2 NOOP OK")
}

// Literal8 (RFC 3516) may carry NUL and bare CR/LF.
func TestBinaryLiteral(t *testing.T) {
	body := "\x00\r\nr9 OK fake\n\x00"
	steps := []Segment{
		S("* OK ready\n"),
		C("b1 FETCH 1 BINARY[1]\n"),
		S("* 1 FETCH (BINARY[1] ~{" + itoa(len(body)) + "}\n"), {FromServer, []byte(body)}, S(")\nb1 OK done\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "b1 FETCH OK")
	if rs.Transactions[0].ServerLiteralBytes != int64(len(body)) {
		t.Errorf("literal bytes %d", rs.Transactions[0].ServerLiteralBytes)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// RFC 4978 COMPRESS=DEFLATE: transactions inside the compressed stream are
// recovered exactly as if uncompressed.
func TestCompressDeflate(t *testing.T) {
	plainC := "c3 SELECT INBOX\nc4 FETCH 1 BODY[]\nc5 LOGOUT\n"
	plainS := "* 2 EXISTS\nc3 OK [READ-WRITE] done\n* 1 FETCH (BODY[] {11}\nhello\nworld)\nc4 OK done\n* BYE bye\nc5 OK bye\n"
	deflate := func(s string) []byte {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		for _, line := range strings.SplitAfter(crlf(s), "\n") {
			w.Write([]byte(line))
			w.Flush()
		}
		return b.Bytes()
	}
	head := []Segment{
		S("* OK ready\n"), C("c1 LOGIN u p\n"), S("c1 OK in\n"),
		C("c2 COMPRESS DEFLATE\n"), S("c2 OK DEFLATE active\n"),
	}
	steps := append(head, Segment{FromClient, deflate(plainC)}, Segment{FromServer, deflate(plainS)})
	rs := CheckSplitInvariance(t, steps, Options{})
	wantBrief(t, rs, "c1 LOGIN OK", "c2 COMPRESS OK", "c3 SELECT OK", "c4 FETCH OK", "c5 LOGOUT OK")
	plain := int64(len(crlf("* OK ready\nc1 OK in\nc2 OK DEFLATE active\n")) + len(crlf(plainS)))
	if !rs.Compressed || rs.InflatedServerBytes != plain || len(rs.Anomalies) != 0 {
		t.Errorf("compressed %v inflated %d (want %d) anomalies %+v", rs.Compressed, rs.InflatedServerBytes, plain, rs.Anomalies)
	}
	if rs.Transactions[3].ServerLiteralBytes != 11 {
		t.Errorf("literal bytes %d", rs.Transactions[3].ServerLiteralBytes)
	}
	// A corrupt stream is an anomaly, not a crash.
	bad := append(head, Segment{FromServer, []byte("\xff\xff\xff\xff garbage")})
	if k := anomalyKinds(t, bad); len(k) != 1 || k[0] != "deflate_corrupt" {
		t.Errorf("corrupt stream anomalies %q", k)
	}
}

// clientHello returns the first flight of a real TLS client for sni.
func clientHello(t *testing.T, sni string) []byte {
	a, b := net.Pipe()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Handshake()
		a.Close()
	}()
	buf := make([]byte, 4096)
	b.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	return buf[:n]
}

// STARTTLS: after the OK nothing is tokenised; the SNI comes from the hello.
func TestStartTLS(t *testing.T) {
	steps := []Segment{
		S("* OK ready\n"), C("s1 STARTTLS\n"), S("s1 OK Begin TLS\n"),
		{FromClient, clientHello(t, "mail.example.test")},
		{FromServer, []byte("\x16\x03\x03\x00\x04junk")},
		C("s2 LOGIN looks like a command\n"),
	}
	rs := CheckSplitInvariance(t, steps, Options{})
	wantBrief(t, rs, "s1 STARTTLS OK")
	if !rs.TLS || !rs.StartTLS || rs.TLSSNI != "mail.example.test" {
		t.Errorf("tls %v starttls %v sni %q", rs.TLS, rs.StartTLS, rs.TLSSNI)
	}
	// Implicit TLS (port 993): a session, TLS, SNI, no transactions, no anomalies.
	// Recognised however the first bytes are segmented.
	rs = CheckSplitInvariance(t, []Segment{{FromClient, clientHello(t, "imaps.example.test")}}, Options{})
	if !rs.TLS || rs.TLSSNI != "imaps.example.test" || len(rs.Transactions) != 0 || len(rs.Anomalies) != 0 {
		t.Errorf("implicit TLS: %+v", rs)
	}
	rs = CheckSplitInvariance(t, []Segment{C("GET / HTTP/1.1\nHost: x\n\n"), S("HTTP/1.1 200 OK\n\n")}, Options{})
	if rs.NotIMAP != "HTTP" || len(rs.Transactions) != 0 {
		t.Errorf("HTTP: not_imap %q, %d transactions", rs.NotIMAP, len(rs.Transactions))
	}
}

// A capture that starts mid-session resynchronises on a plausible line.
func TestMidstream(t *testing.T) {
	s := NewSession(newReport(), Options{}, nil)
	s.Gap(FromClient, t0, -1)
	s.Gap(FromServer, t0, -1)
	s.Feed(FromServer, t0, []byte("ody of a literal\r\n* 3 EXISTS\r\n"))
	s.Feed(FromClient, t0, []byte("ot a line\r\nm1 NOOP\r\n"))
	s.Feed(FromServer, t0, []byte("m1 OK done\r\n"))
	r := s.Close(t0, true)
	wantBrief(t, r, "m1 NOOP OK")
	if !r.Midstream {
		t.Error("midstream not set")
	}
}

// A gap inside a literal keeps framing; a gap elsewhere cuts the command
// and the stream resynchronises without inventing a transaction.
func TestGaps(t *testing.T) {
	s := NewSession(newReport(), Options{}, nil)
	s.Feed(FromServer, t0, []byte("* OK ready\r\n"))
	s.Feed(FromClient, t0, []byte("g1 FETCH 1 BODY[]\r\n"))
	s.Feed(FromServer, t0, []byte("* 1 FETCH (BODY[] {100}\r\n0123456789"))
	s.Gap(FromServer, t0, 50)
	s.Feed(FromServer, t0, []byte("0123456789012345678901234567890123456789)\r\ng1 OK done\r\n"))
	s.Feed(FromClient, t0, []byte("g2 APPEND INBOX {30}\r\n"))
	s.Feed(FromServer, t0, []byte("+ go\r\n"))
	s.Feed(FromClient, t0, []byte("0123"))
	s.Gap(FromClient, t0, 100) // more than the literal: framing lost
	s.Feed(FromClient, t0, []byte("A0 OK not a command\r\ng3 NOOP\r\n"))
	s.Feed(FromServer, t0, []byte("g2 OK appended\r\ng3 OK noop\r\n"))
	r := s.Close(t0, true)
	wantBrief(t, r, "g1 FETCH OK", "g2 APPEND OK", "g3 NOOP OK")
	if r.Transactions[0].ServerLiteralBytes != 100 || r.Transactions[0].Note != "literal bytes lost in a capture gap" {
		t.Errorf("literal bytes %d note %q", r.Transactions[0].ServerLiteralBytes, r.Transactions[0].Note)
	}
	if got := r.Transactions[1].Note; got != "command cut by a capture gap" {
		t.Errorf("APPEND note %q", got)
	}
}

// TestNotesAppend: a transaction collects every note, each once, in the
// order they happened, and a pending command noted for a gap is still
// reported as never completed.
func TestNotesAppend(t *testing.T) {
	s := NewSession(newReport(), Options{}, nil)
	s.Feed(FromServer, t0, []byte("* OK ready\r\n"))
	s.Feed(FromClient, t0, []byte("n1 FETCH 1:2 BODY[]\r\n"))
	s.Feed(FromServer, t0, []byte("* 1 FETCH (BODY[] {100}\r\n0123456789"))
	s.Gap(FromServer, t0, 50) // inside the literal
	s.Feed(FromServer, t0, []byte("0123456789012345678901234567890123456789)\r\n* 2 FETCH (BODY[] {100}\r\n01"))
	s.Gap(FromServer, t0, 20)  // inside the second literal: noted once
	s.Gap(FromServer, t0, 500) // past it: framing lost
	r := s.Close(t0, true)
	wantBrief(t, r, "n1 FETCH null")
	want := "literal bytes lost in a capture gap; response cut by a capture gap; responses may be missing: capture gap; never completed"
	if got := r.Transactions[0].Note; got != want {
		t.Errorf("note %q\nwant %q", got, want)
	}
	var kinds []string
	for _, a := range r.Anomalies {
		kinds = append(kinds, string(a.Kind))
	}
	if strings.Join(kinds, ",") != "never_completed" {
		t.Errorf("anomalies %q, want never_completed", kinds)
	}
}

// RFC 9051 via RFC 5161: ENABLE IMAP4rev2 makes the session IMAP4rev2 and
// mailbox names UTF-8 (not modified UTF-7) from then on.
func TestEnableIMAP4rev2(t *testing.T) {
	steps := []Segment{
		S("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ENABLE] ready\n"),
		C("e1 SELECT Entw&APw-rfe\n"), S("e1 OK [READ-WRITE] done\n"),
		C("e2 ENABLE IMAP4rev2\n"), S("* ENABLED IMAP4rev2\ne2 OK enabled\n"),
		C("e3 SELECT &AMk-t&AOk-\n"), S("e3 OK [READ-ONLY] done\n"),
		C("e4 ID (\"name\" \"imaplib\" \"version\" \"3.11\")\n"), S("* ID (\"name\" \"Dovecot\")\ne4 OK id\n"),
	}
	rs := run(t, steps, 0, Options{})
	if rs.Dialect != "IMAP4rev2" || len(rs.Enabled) != 1 || rs.Enabled[0] != "IMAP4REV2" {
		t.Errorf("dialect %q enabled %q", rs.Dialect, rs.Enabled)
	}
	// Before ENABLE the name is modified UTF-7 and is decoded; after it,
	// names are UTF-8 and shown as sent.
	if strings.Join(rs.Mailboxes, "|") != "Entw&APw-rfe|&AMk-t&AOk-" || strings.Join(rs.MailboxesDecoded, "|") != "Entwürfe|&AMk-t&AOk-" {
		t.Errorf("mailboxes %q decoded %q", rs.Mailboxes, rs.MailboxesDecoded)
	}
	if rs.Access != "READ-ONLY" || rs.ClientID["name"] != "imaplib" || rs.ServerID["name"] != "Dovecot" {
		t.Errorf("access %q client id %v server id %v", rs.Access, rs.ClientID, rs.ServerID)
	}
}

func TestDecodeMUTF7(t *testing.T) {
	for in, want := range map[string]string{
		"INBOX": "INBOX", "Entw&APw-rfe": "Entwürfe", "&ZeVnLIqe-": "日本語", "a&-b": "a&b",
		"&U,BTFw-": "台北", "bad&AAA": "bad&AAA",
	} {
		if got, _ := decodeMUTF7(in); got != want {
			t.Errorf("decodeMUTF7(%q) = %q, want %q", in, got, want)
		}
	}
}

// RFC 1203 SET.EOL: once a new end-of-line sequence is in force, a server
// line ended with it is still a line; CRLF lines go on working.
func TestSetEOL(t *testing.T) {
	steps := []Segment{
		S("* OK IMAP3 ready\n"),
		C("a1 SELECT.FEATURES SET.EOL\n"), S("a1 OK selected\n"),
		C("a2 SET.EOL CR 4\n"), S("a2 OK end of line is now CR ^D\n"),
		C("a3 FETCH 1 RFC822\n"),
		{FromServer, []byte("a3 1 FETCH (RFC822 {7}\r\nab\r\x04cd)\r\x04a3 OK done\r\x04")},
		C("a4 NOOP\n"), S("a4 OK noop\n"),
	}
	rs := CheckSplitInvariance(t, steps, Options{})
	wantBrief(t, rs, "a1 SELECT.FEATURES OK", "a2 SET.EOL OK", "a3 FETCH OK", "a4 NOOP OK")
	if rs.Transactions[2].ServerLiteralBytes != 7 || rs.Transactions[2].Responses != 1 {
		t.Errorf("literal %d responses %d", rs.Transactions[2].ServerLiteralBytes, rs.Transactions[2].Responses)
	}
}

// Client lines that cannot be parsed may hold a password: anomalies give
// their length, not their text, unless secrets were asked for.
func TestMalformedClientLineNotQuoted(t *testing.T) {
	steps := []Segment{
		S("* OK ready\n"), C("a1 NOOP\n"), S("a1 OK noop\n"),
		C("\x01LOGIN alice Hunter2-Secret\n"),
		C("a2 LOGIN alice Hunt"),
	}
	rs := run(t, steps, 0, Options{})
	if len(rs.Anomalies) != 2 || strings.Contains(digest(t, rs), "Hunt") {
		t.Errorf("anomalies %+v", rs.Anomalies)
	}
	rs = run(t, steps, 0, Options{ShowSecrets: true})
	if !strings.Contains(digest(t, rs), "Hunter2-Secret") {
		t.Errorf("with secrets, the malformed line should be quoted: %+v", rs.Anomalies)
	}
}

// RFC 1203: "~FEATURE" turns a feature off; only an OK'd SELECT.FEATURES
// changes what is in force, and without TAGGED.SOLICITED tagged data is an
// anomaly.
func TestSelectFeaturesNegation(t *testing.T) {
	steps := []Segment{
		S("* OK IMAP3 ready\n"),
		C("a1 SELECT.VERSION (3 0)\n"), S("a1 OK 3.0\n"),
		C("a2 SELECT.FEATURES AUTO.SET.SEEN ~TAGGED.SOLICITED\n"), S("a2 OK selected\n"),
		C("a3 SELECT.FEATURES ENCODING\n"), S("a3 NO not supported\n"),
		C("a4 SELECT inbox\n"), S("* 3 EXISTS\na4 OK done\n"),
		C("a5 FLAGS\n"), S("a5 FLAGS (\\Seen)\na5 OK flags\n"),
	}
	rs := run(t, steps, 0, Options{})
	wantBrief(t, rs, "a1 SELECT.VERSION OK", "a2 SELECT.FEATURES OK", "a3 SELECT.FEATURES NO", "a4 SELECT OK", "a5 FLAGS OK")
	if rs.Version != "3.0" || strings.Join(rs.Features, " ") != "AUTO.SET.SEEN" {
		t.Errorf("version %q features %q", rs.Version, rs.Features)
	}
	if len(rs.Anomalies) != 1 || rs.Anomalies[0].Kind != "tagged_data_without_feature" {
		t.Errorf("anomalies %+v", rs.Anomalies)
	}
}

// Other protocols' banners on an IMAP port are recognised on their first
// line, whoever speaks first, and never dissected.
func TestBannersNotIMAP(t *testing.T) {
	for _, c := range []struct {
		first Segment
		want  string
	}{
		{S("SSH-2.0-OpenSSH_9.2\n"), "SSH"},
		{C("SSH-2.0-libssh\n"), "SSH"},
		{S("+OK POP3 ready\n"), "POP3"},
		{S("220 mail ESMTP\n"), "SMTP or FTP"},
	} {
		rs := run(t, []Segment{c.first, C("a1 LOGIN alice pw\n")}, 1, Options{})
		if rs.NotIMAP != c.want || len(rs.Transactions) != 0 {
			t.Errorf("%q: not_imap %q, %d transactions", string(c.first.Data), rs.NotIMAP, len(rs.Transactions))
		}
	}
}

// TestCompressCountsExact: every byte of each direction is counted once per
// layer (raw, compressed, inflated), also when the server's OK to COMPRESS
// and its first compressed bytes (an unsolicited EXISTS) arrive in the same
// segment.
func TestCompressCountsExact(t *testing.T) {
	// deflate compresses parts as one stream, flushed after each part.
	deflate := func(parts ...string) []string {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		var out []string
		for _, p := range parts {
			w.Write([]byte(crlf(p)))
			w.Flush()
			out = append(out, b.String())
			b.Reset()
		}
		return out
	}
	plainC0 := crlf("c1 LOGIN u p\nc2 COMPRESS DEFLATE\n")
	plainS0 := crlf("* OK ready\nc1 OK in\nc2 OK DEFLATE active\n")
	plainC := "c3 NOOP\nc4 LOGOUT\n"
	plainS := []string{"* 3 EXISTS\n", "c3 OK done\n* BYE bye\nc4 OK bye\n"}
	zc, zs := deflate(plainC)[0], deflate(plainS...)
	steps := []Segment{
		S("* OK ready\n"), C("c1 LOGIN u p\n"), S("c1 OK in\n"), C("c2 COMPRESS DEFLATE\n"),
		// The server's OK and its first compressed bytes in one segment.
		{FromServer, []byte(crlf("c2 OK DEFLATE active\n") + zs[0])},
		{FromClient, []byte(zc)}, {FromServer, []byte(zs[1])},
	}
	rs := CheckSplitInvariance(t, steps, Options{})
	wantBrief(t, rs, "c1 LOGIN OK", "c2 COMPRESS OK", "c3 NOOP OK", "c4 LOGOUT OK")
	got := [6]int64{rs.ClientBytes, rs.ServerBytes, rs.CompressedClientBytes, rs.CompressedServerBytes, rs.InflatedClientBytes, rs.InflatedServerBytes}
	want := [6]int64{
		int64(len(plainC0) + len(zc)), int64(len(plainS0) + len(zs[0]) + len(zs[1])),
		int64(len(zc)), int64(len(zs[0]) + len(zs[1])),
		int64(len(plainC0) + len(crlf(plainC))), int64(len(plainS0) + len(crlf(plainS[0])) + len(crlf(plainS[1]))),
	}
	if got != want {
		t.Errorf("client/server raw, compressed, inflated = %v, want %v", got, want)
	}
}

// TestNamedMailbox: the mailbox a command names is recorded unquoted,
// also from a short literal, and not from a literal too long to keep.
func TestNamedMailbox(t *testing.T) {
	rs := run(t, []Segment{
		S("* OK ready\n"), C("a1 SELECT INBOX\n"), S("a1 OK\n"),
		C(`a2 STATUS "My \"Box\"" (MESSAGES)` + "\n"), S("a2 OK\n"),
		C("a3 CREATE {5}\n"), S("+ go\n"), C("Draft\n"), S("a3 OK\n"),
		C("a4 APPEND {300}\n"), S("+ go\n"), C(strings.Repeat("x", 300) + " {3}\n"), S("+ go\n"), C("abc\n"), S("a4 OK\n"),
		C("a5 FETCH 1 FLAGS\n"), S("a5 OK\n"),
		C("a6 select Sent\n"), S("a6 OK\n"),
	}, 0, Options{})
	var got []string
	for _, x := range rs.Transactions {
		got = append(got, x.Tag+"="+x.NamedMailbox)
	}
	want := []string{"a1=INBOX", `a2=My "Box"`, "a3=Draft", "a4=", "a5=", "a6=Sent"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("named mailboxes %q, want %q", got, want)
	}
}

// TestDeflateAfterEnd: bytes after the final DEFLATE block are an anomaly
// whether they arrive with the final block or after it, and what the
// stream held is still dissected.
func TestDeflateAfterEnd(t *testing.T) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	w.Write([]byte(crlf("* BYE bye\nc2 OK bye\n")))
	w.Close() // the final block
	var cb bytes.Buffer
	cw, _ := flate.NewWriter(&cb, flate.DefaultCompression)
	cw.Write([]byte(crlf("c2 LOGOUT\n")))
	cw.Flush()
	steps := []Segment{
		S("* OK ready\n"), C("c1 COMPRESS DEFLATE\n"), S("c1 OK DEFLATE active\n"), {FromClient, cb.Bytes()},
		{FromServer, append(b.Bytes(), "junk"...)},
	}
	rs := CheckSplitInvariance(t, steps, Options{})
	wantBrief(t, rs, "c1 COMPRESS OK", "c2 LOGOUT OK")
	if len(rs.Anomalies) != 1 || rs.Anomalies[0].Kind != "deflate_after_end" {
		t.Errorf("anomalies %+v, want one deflate_after_end", rs.Anomalies)
	}
	if want := int64(b.Len() + 4); rs.CompressedServerBytes != want {
		t.Errorf("compressed server bytes %d, want %d", rs.CompressedServerBytes, want)
	}
}
