package imap3sim

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// rfcPath is the shared RFC text, relative to this package directory.
const rfcPath = "../../../shared/rfc/rfc1203.txt"

type rfcEntry struct {
	side Side
	text string
	cont []string // continuation lines, already trimmed
}

// sampleFromRFC extracts the "Sample IMAP3 session" transcript (pages 32-33)
// from the RFC text: "S:"/"U:" lines start an entry; other non-blank lines
// (outside page headers/footers) continue the previous entry.
func sampleFromRFC(t *testing.T, txt string) []rfcEntry {
	t.Helper()
	i := strings.Index(txt, "\nSample IMAP3 session\n")
	j := strings.Index(txt, "\nImplementation Discussion\n")
	if i < 0 || j < i {
		t.Fatal("sample section not found in RFC text")
	}
	var out []rfcEntry
	started := false
	for _, ln := range strings.Split(txt[i:j], "\n") {
		tr := strings.TrimSpace(ln)
		switch {
		case strings.HasPrefix(tr, "S:"), strings.HasPrefix(tr, "U:"):
			side := Server
			if tr[0] == 'U' {
				side = Client
			}
			out = append(out, rfcEntry{side: side, text: strings.TrimLeft(tr[2:], " ")})
			started = true
		case !started || tr == "" || tr == "\f" || strings.HasPrefix(ln, "Rice ") || strings.HasPrefix(ln, "RFC 1203 "):
		default:
			out[len(out)-1].cont = append(out[len(out)-1].cont, tr)
		}
	}
	return out
}

var rfcLiteralRE = regexp.MustCompile(`\{(\d+)\}$`)

// render turns RFC entries into wire chunks: each entry becomes one CRLF
// line; continuations are joined with one space, except inside a server
// literal where they are RFC 822 header folds (CRLF TAB).
func render(entries []rfcEntry) []chunk {
	var out []chunk
	remaining := 0
	for _, e := range entries {
		var b strings.Builder
		b.WriteString(e.text)
		for _, c := range e.cont {
			if e.side == Server && remaining > 0 {
				b.WriteString("\r\n\t")
			} else {
				b.WriteString(" ")
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
		line := b.String()
		if e.side == Server {
			if remaining > 0 {
				remaining -= len(line)
			} else if m := rfcLiteralRE.FindStringSubmatch(e.text); m != nil {
				remaining, _ = strconv.Atoi(m[1])
			}
		}
		out = appendChunk(out, e.side, []byte(line))
	}
	return out
}

// chunk is a maximal run of bytes from one side.
type chunk struct {
	side Side
	data []byte
}

func appendChunk(cs []chunk, side Side, b []byte) []chunk {
	if n := len(cs); n > 0 && cs[n-1].side == side {
		cs[n-1].data = append(cs[n-1].data, b...)
		return cs
	}
	return append(cs, chunk{side, append([]byte(nil), b...)})
}

func scriptChunks(s *Script) []chunk {
	var cs []chunk
	for _, st := range s.Steps {
		cs = appendChunk(cs, st.Side, st.Data)
	}
	return cs
}

// TestRFC1203SampleVerbatim compares the embedded sample script with the
// transcript in the RFC text, direction by direction and in order.
func TestRFC1203SampleVerbatim(t *testing.T) {
	raw, err := os.ReadFile(rfcPath)
	if err != nil {
		t.Skipf("RFC text not available at %s (%v); the embedded script is still tested by the other tests", rfcPath, err)
	}
	s, err := Lookup("rfc1203-sample")
	if err != nil {
		t.Fatal(err)
	}
	want := render(sampleFromRFC(t, string(raw)))
	got := scriptChunks(s)
	if len(got) != len(want) {
		t.Fatalf("script has %d direction changes, RFC has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].side != want[i].side || !bytes.Equal(got[i].data, want[i].data) {
			t.Errorf("chunk %d:\n script %s %q\n rfc    %s %q", i, got[i].side, got[i].data, want[i].side, want[i].data)
		}
	}
}

// TestRFC1203SampleQuirks pins the quirks the capture must carry.
func TestRFC1203SampleQuirks(t *testing.T) {
	s, err := Lookup("rfc1203-sample")
	if err != nil {
		t.Fatal(err)
	}
	srv := string(s.Stream(Server))
	for _, want := range []string{
		"\r\nA001 Supported Versions returned.\r\n",
		"* SUPPORTED.VERSIONS ((2 0 ) (3 0 EIGHT.BIT.TRANSPARENT AUTO.SET.SEEN TAGGED.SOLICITED))\r\n",
		"a005 0 RECENT\r\na006 OK Select complete\r\n",
		"a008 BYE UNIX IMAP III server terminating connection\r\na008 OK ",
	} {
		if !strings.Contains(srv, want) {
			t.Errorf("server stream lacks %q", want)
		}
	}
	// "a006 OK Select complete" must be sent before the client's a006.
	var seenSelectOK bool
	for _, st := range s.Steps {
		if st.Side == Server && string(st.Data) == "a006 OK Select complete\r\n" {
			seenSelectOK = true
		}
		if st.Side == Client && strings.HasPrefix(string(st.Data), "a006 ") && !seenSelectOK {
			t.Error("client a006 precedes the server's a006 OK")
		}
	}
	i := strings.Index(srv, "{637}\r\n")
	if i < 0 || !strings.HasPrefix(srv[i+7+637:], ")\r\na007 OK Fetch completed\r\n") {
		t.Error("RFC822 literal is not exactly 637 octets followed by \")\"")
	}
}
