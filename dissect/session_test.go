package dissect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/report"
)

// C and S build segments of the client and the server; "\n" in scripts
// is written as CRLF by crlf.
func C(s string) Segment { return Segment{FromClient, []byte(crlf(s))} }
func S(s string) Segment { return Segment{FromServer, []byte(crlf(s))} }

// crlf turns bare LF into CRLF (scripts are written with \n).
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// run feeds a script (feed_test.go), each segment in chunks of size chunk
// (0: whole), and returns the closed report.
func run(_ testing.TB, segs []Segment, chunk int, opts Options) *report.Session {
	return FeedScript(segs, opts, Chunks(chunk))
}

// digest renders the parts of a session that must not depend on chunking.
func digest(t testing.TB, rs *report.Session) string {
	b, err := json.MarshalIndent(rs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// brief lists "tag command status" per transaction.
func brief(rs *report.Session) []string {
	var out []string
	for _, x := range rs.Transactions {
		st := string(x.Status)
		if st == "" {
			st = "null"
		}
		out = append(out, x.Tag+" "+x.Command+" "+st)
	}
	return out
}

func wantBrief(t *testing.T, rs *report.Session, want ...string) {
	t.Helper()
	got := brief(rs)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("transactions:\n got %q\nwant %q", got, want)
	}
}

var basic = []Segment{
	S("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] Dovecot ready.\n"),
	C("a1 LOGIN alice {6}\n"),
	S("+ OK\n"),
	C("s3cr3t\n"),
	S("a1 OK Logged in\n"),
	C("a2 SELECT INBOX\n"),
	S("* FLAGS (\\Answered \\Seen)\n* 3 EXISTS\n* 0 RECENT\n* OK [UIDVALIDITY 1] ok\na2 OK [READ-WRITE] Select completed.\n"),
	C("a3 FETCH 1 BODY[]\n"),
	S("* 1 FETCH (BODY[] {40}\nA9 OK fake\n* 9 EXISTS\n+ nothing here\n)\n"),
	S("a3 OK Fetch completed.\n"),
	C("a4 APPEND INBOX (\\Seen) {25}\n"),
	S("+ Ready for literal data\n"),
	C("a5 NOOP\n* 1 EXISTS\nDONE\n"),
	S("a4 OK [APPENDUID 1 4] Append completed.\n"),
	C("a6 BOGUS\n"),
	S("a6 BAD Error in IMAP command BOGUS\n"),
	C("a7 SELECT nosuch\n"),
	S("a7 NO Mailbox doesn't exist\n"),
	C("a8 LOGOUT\n"),
	S("* BYE Logging out\na8 OK Logout completed.\n"),
}

func TestBasicSession(t *testing.T) {
	rs := run(t, basic, 0, Options{})
	wantBrief(t, rs, "a1 LOGIN OK", "a2 SELECT OK", "a3 FETCH OK", "a4 APPEND OK", "a6 BOGUS BAD", "a7 SELECT NO", "a8 LOGOUT OK")
	if rs.User != "alice" {
		t.Errorf("user = %q", rs.User)
	}
	if rs.Transactions[0].Args != "alice <redacted>" {
		t.Errorf("login args = %q", rs.Transactions[0].Args)
	}
	if got := rs.Transactions[1].Responses; got != 4 {
		t.Errorf("SELECT responses = %d, want 4", got)
	}
	if got := rs.Transactions[2].ServerLiteralBytes; got != 40 {
		t.Errorf("FETCH literal bytes = %d", got)
	}
	if got := rs.Transactions[3].ClientLiteralBytes; got != 25 {
		t.Errorf("APPEND literal bytes = %d", got)
	}
	// A literal too long to keep shows as its header (the line it came on
	// was in a reused buffer: the header must be copied, not referenced).
	if got := rs.Transactions[3].Args; got != `INBOX (\Seen) {25}` {
		t.Errorf("APPEND args = %q", got)
	}
	if rs.Dialect != "IMAP4rev1" || rs.Access != "READ-WRITE" {
		t.Errorf("dialect %q access %q", rs.Dialect, rs.Access)
	}
	if len(rs.Mailboxes) != 1 || rs.Mailboxes[0] != "INBOX" {
		t.Errorf("mailboxes %q", rs.Mailboxes)
	}
	if len(rs.Anomalies) != 0 {
		t.Errorf("anomalies %+v", rs.Anomalies)
	}
	if strings.Contains(digest(t, rs), "s3cr3t") {
		t.Error("password leaked")
	}
	rs = run(t, basic, 0, Options{ShowSecrets: true})
	if rs.Transactions[0].Args != `alice "s3cr3t"` {
		t.Errorf("login args with secrets = %q", rs.Transactions[0].Args)
	}
}

// TestSplitInvariance feeds the same conversation whole, one byte at a
// time, split at every index and at random, and wants identical reports.
func TestSplitInvariance(t *testing.T) {
	rs := CheckSplitInvariance(t, basic, Options{})
	if len(rs.Transactions) != 7 || len(rs.Anomalies) != 0 {
		t.Errorf("%d transactions, anomalies %+v", len(rs.Transactions), rs.Anomalies)
	}
}

func newReport() *report.Session {
	return &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
}
