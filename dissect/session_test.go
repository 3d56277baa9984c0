package dissect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/report"
)

// step is one chunk of a scripted conversation.
type step struct {
	dir  Direction
	data string
}

// C and S build steps; "\n" in scripts is written as CRLF by crlf.
func C(s string) step { return step{FromClient, crlf(s)} }
func S(s string) step { return step{FromServer, crlf(s)} }

// crlf turns bare LF into CRLF (scripts are written with \n).
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// run feeds a script, each step split into chunks of size chunk (0: whole),
// one millisecond of capture time per step, and returns the closed report.
func run(t testing.TB, steps []step, chunk int, opts Options) *report.Session {
	rs := &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
	s := NewSession(rs, opts, nil)
	ts := t0
	for _, st := range steps {
		ts = ts.Add(time.Millisecond)
		p := []byte(st.data)
		if chunk <= 0 {
			s.Feed(st.dir, ts, p)
			continue
		}
		for len(p) > 0 {
			k := chunk
			if k > len(p) {
				k = len(p)
			}
			s.Feed(st.dir, ts, p[:k])
			p = p[k:]
		}
	}
	return s.Close(ts.Add(time.Millisecond), true)
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

var basic = []step{
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
// time, and split at every index, and wants identical reports.
func TestSplitInvariance(t *testing.T) {
	want := digest(t, run(t, basic, 0, Options{}))
	if got := digest(t, run(t, basic, 1, Options{})); got != want {
		t.Fatalf("byte-at-a-time differs:\n%s\nwant\n%s", got, want)
	}
	for _, st := range basic {
		_ = st
	}
	for i := range basic {
		for k := 1; k < len(basic[i].data); k++ {
			steps := append([]step(nil), basic...)
			a, b := basic[i].data[:k], basic[i].data[k:]
			steps[i] = step{basic[i].dir, a}
			steps = append(steps[:i+1], append([]step{{basic[i].dir, b}}, basic[i+1:]...)...)
			got := run(t, steps, 0, Options{})
			// The extra step shifts timestamps; compare what must not change.
			if g, w := strings.Join(brief(got), ","), strings.Join(brief(run(t, basic, 0, Options{})), ","); g != w {
				t.Fatalf("split step %d at %d: %s, want %s", i, k, g, w)
			}
			if len(got.Anomalies) != 0 {
				t.Fatalf("split step %d at %d: anomalies %+v", i, k, got.Anomalies)
			}
		}
	}
}

func newReport() *report.Session {
	return &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
}
