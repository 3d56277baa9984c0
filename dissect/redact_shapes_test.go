package dissect

import (
	"strings"
	"testing"
)

// TestRedactionShapes checks the shapes that leaked before redaction by
// position (issue 11): what the transaction's args and the session's user
// become, and that the password appears nowhere.
func TestRedactionShapes(t *testing.T) {
	cases := []struct {
		name, line      string
		cmd, args, user string
	}{
		{"tab after user", "a1 LOGIN alice\tPW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"nul after user", "a1 LOGIN alice\x00PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"cr after user", "a1 LOGIN alice\rPW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"vt after user", "a1 LOGIN alice\vPW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"nbsp after user", "a1 LOGIN alice\u00a0PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"latin-1 byte after user", "a1 LOGIN alice\xa0PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"tilde user", "a1 LOGIN ~alice PW-1\r\n", "LOGIN", "<redacted>", ""},
		{"open brace user", "a1 LOGIN {alice PW-1\r\n", "LOGIN", "<redacted>", ""},
		{"unterminated quote", "a1 LOGIN \"alice PW-1\r\n", "LOGIN", "<redacted>", ""},
		{"quote holding a space", "a1 LOGIN \"alice PW-1\"\r\n", "LOGIN", "<redacted>", ""},
		{"quoted", "a1 LOGIN \"alice\" \"PW-1\"\r\n", "LOGIN", "\"alice\" <redacted>", "alice"},
		{"quote glued to password", "a1 LOGIN \"alice\"PW-1\r\n", "LOGIN", "\"alice\" <redacted>", "alice"},
		{"no space after tag", "a1LOGIN alice PW-1\r\n", "ALICE", "<redacted>", ""},
		{"no tag", "LOGIN alice PW-1\r\n", "ALICE", "<redacted>", ""},
		{"uid prefix", "a1 UID LOGIN alice PW-1\r\n", "UID LOGIN", "alice <redacted>", ""},
		{"tab after LOGIN", "a1 LOGIN\talice PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"tab after tag", "a1\tLOGIN alice PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"lower case", "a1 login alice PW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"password literal", "a1 LOGIN alice {4+}\r\nPW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"password literal8", "a1 LOGIN alice ~{4+}\r\nPW-1\r\n", "LOGIN", "alice <redacted>", "alice"},
		{"user literal", "a1 LOGIN {5+}\r\nalice PW-1\r\n", "LOGIN", "\"alice\" <redacted>", "alice"},
		{"user literal, password literal", "a1 LOGIN {5+}\r\nalice {4+}\r\nPW-1\r\n", "LOGIN", "\"alice\" <redacted>", "alice"},
		{"user literal holding a space", "a1 LOGIN {10+}\r\nalice PW-1\r\n", "LOGIN", "<redacted>", ""},
		{"auth tab", "a1 AUTHENTICATE PLAIN\tAGFsaWNlAFBXLTE=\r\n", "AUTHENTICATE", "PLAIN <redacted>", "alice"},
		{"auth without mechanism", "a1 AUTHENTICATE AGFsaWNlAFBXLTE=\r\n", "AUTHENTICATE", "<redacted>", ""},
		{"auth quoted mechanism", "a1 AUTHENTICATE \"PLAIN\" AGFsaWNlAFBXLTE=\r\n", "AUTHENTICATE", "<redacted>", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := run(t, []Segment{S("* OK ready\n"), {FromClient, []byte(c.line)}, S("a1 NO [AUTHENTICATIONFAILED] no\n")}, 0, Options{})
			if len(rs.Transactions) != 1 {
				t.Fatalf("transactions: %q", brief(rs))
			}
			x := rs.Transactions[0]
			if x.Command != c.cmd || x.Args != c.args || rs.User != c.user {
				t.Errorf("command %q args %q user %q, want %q %q %q", x.Command, x.Args, rs.User, c.cmd, c.args, c.user)
			}
			if d := digest(t, rs); strings.Contains(d, "PW-1") || strings.Contains(d, "UFctMQ") || strings.Contains(d, "AGFsaWNlAFBXLTE") {
				t.Errorf("password in the report:\n%s", d)
			}
			// With ShowSecrets it shows (a binary literal8 is never kept).
			shown := run(t, []Segment{S("* OK ready\n"), {FromClient, []byte(c.line)}, S("a1 NO [AUTHENTICATIONFAILED] no\n")}, 0, Options{ShowSecrets: true})
			if d := digest(t, shown); !strings.Contains(c.line, "~{") && !strings.Contains(d, "PW-1") && !strings.Contains(d, "AGFsaWNlAFBXLTE") {
				t.Errorf("with ShowSecrets the password is not shown:\n%s", d)
			}
		})
	}
}

// TestCutLoginReported checks that a LOGIN line cut by a gap or by the end
// of the capture is still a transaction, redacted, with its status and a
// note, and that the next command keeps its own status.
func TestCutLoginReported(t *testing.T) {
	rs := &testSession{}
	s := rs.start()
	s.Feed(FromServer, t0, []byte("* OK ready\r\n"))
	s.Feed(FromClient, t0, []byte("a1 LOGIN alice PW"))
	s.Gap(FromClient, t0, 4)
	s.Feed(FromClient, t0, []byte("\r\na2 NOOP\r\n"))
	s.Feed(FromServer, t0, []byte("a1 OK logged in\r\na2 OK done\r\n"))
	r := s.Close(t0, true)
	wantBrief(t, r, "a1 LOGIN OK", "a2 NOOP OK")
	if x := r.Transactions[0]; x.Args != "alice <redacted>" || x.Note != "command cut by a capture gap" {
		t.Errorf("cut LOGIN: args %q note %q", x.Args, x.Note)
	}
	if strings.Contains(digest(t, r), "PW") {
		t.Errorf("password fragment shown:\n%s", digest(t, r))
	}

	// The reassembly releases the client bytes after a hole only once it
	// gives the hole up: the server's completions come first.
	s = rs.start()
	s.Feed(FromServer, t0, []byte("* OK ready\r\n"))
	s.Feed(FromClient, t0, []byte("a1 LOGIN alice PW"))
	s.Feed(FromServer, t0, []byte("a1 OK logged in\r\na2 OK done\r\n"))
	s.Gap(FromClient, t0, 4)
	s.Feed(FromClient, t0, []byte("\r\na2 NOOP\r\n"))
	r = s.Close(t0, true)
	wantBrief(t, r, "a1 LOGIN OK", "a2 NOOP OK")
	if x := r.Transactions[0]; x.Args != "alice <redacted>" || !strings.HasPrefix(x.Note, "command cut by a capture gap") {
		t.Errorf("cut LOGIN: args %q note %q", x.Args, x.Note)
	}

	s = rs.start()
	s.Feed(FromServer, t0, []byte("* OK ready\r\n"))
	s.Feed(FromClient, t0, []byte("a1 LOGIN alice PW"))
	r = s.Close(t0, false)
	wantBrief(t, r, "a1 LOGIN null")
	if x := r.Transactions[0]; x.Args != "alice <redacted>" || !strings.Contains(x.Note, "capture ended") {
		t.Errorf("LOGIN cut by the end: args %q note %q", x.Args, x.Note)
	}
	if strings.Contains(digest(t, r), "PW") {
		t.Errorf("password fragment shown:\n%s", digest(t, r))
	}
}

// testSession starts bare sessions for byte-level scripts.
type testSession struct{}

func (testSession) start() *Session {
	return NewSession(newReport(), Options{}, nil)
}
