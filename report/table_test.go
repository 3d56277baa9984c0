package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/imapscope/imapscope/internal/golden"
)

func tableString(t *testing.T, r *Report, o TableOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, o); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestTableGolden(t *testing.T) {
	golden.Check(t, "testdata/report.table", []byte(tableString(t, testReport(), TableOptions{})))
	golden.Check(t, "testdata/report-summary.table", []byte(tableString(t, testReport(), TableOptions{Summary: true})))
}

func TestTableEscapesControlCharacters(t *testing.T) {
	out := tableString(t, testReport(), TableOptions{})
	for _, raw := range []string{"\x1b", "\r", "\x00"} {
		if strings.Contains(out, raw) {
			t.Errorf("table contains raw %q", raw)
		}
	}
	for _, want := range []string{`alice \x1b[31m***\r\n\x00`, `1460 bytes lost\r\nin server stream`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks escaped %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !utf8.ValidString(line) {
			t.Errorf("invalid UTF-8 line %q", line)
		}
	}
}

func TestTableTruncates(t *testing.T) {
	out := tableString(t, testReport(), TableOptions{})
	for _, want := range []string{
		"| INBOX (\\Seen) {310} plus a long tail of… |",
		"| Pre-login capabilities listed, post-log… |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks truncated cell %q", want)
		}
	}
	if strings.Contains(out, "goes on and on") {
		t.Error("long args not truncated")
	}
}

func TestTableSummaryHidesTransactions(t *testing.T) {
	full := tableString(t, testReport(), TableOptions{})
	sum := tableString(t, testReport(), TableOptions{Summary: true})
	if !strings.HasPrefix(full, sum) {
		t.Error("summary is not the start of the full output")
	}
	for _, s := range []string{"Session 1:", "COMMAND", "UID FETCH", "Anomalies:", "Unsolicited:"} {
		if strings.Contains(sum, s) {
			t.Errorf("summary contains %q", s)
		}
		if !strings.Contains(full, s) {
			t.Errorf("full output lacks %q", s)
		}
	}
	for _, s := range []string{"IMAP3 3.0", "INBOX,Été", "STARTTLS", "DEFLATE", "session 2 features: SUPPORTED.VERSIONS"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
}

func TestTableColor(t *testing.T) {
	plain := tableString(t, testReport(), TableOptions{})
	if strings.Contains(plain, "\x1b") {
		t.Fatal("escape sequence in uncoloured output")
	}
	col := tableString(t, testReport(), TableOptions{Color: true})
	for _, want := range []string{
		ansiGreen + "OK" + ansiReset, ansiYellow + "NO" + ansiReset,
		ansiRed + "BAD" + ansiReset, ansiMagenta + "BYE" + ansiReset,
	} {
		if !strings.Contains(col, want) {
			t.Errorf("coloured output lacks %q", want)
		}
	}
	// Network data still cannot inject escapes, and colours don't break alignment.
	if !strings.Contains(col, `\x1b[31m***`) {
		t.Error("coloured output does not escape args")
	}
	stripped := strings.NewReplacer(ansiGreen, "", ansiYellow, "", ansiRed, "", ansiMagenta, "", ansiReset, "").Replace(col)
	if stripped != plain {
		t.Errorf("colour changes layout:\n%s", golden.Diff(plain, stripped))
	}
}

func TestTableColumns(t *testing.T) {
	out := tableString(t, testReport(), TableOptions{Columns: []string{"status", "tag", "id"}})
	if !strings.Contains(out, "| ID |\n") {
		t.Errorf("session table not reduced to ID:\n%s", out)
	}
	if !strings.Contains(out, "| STATUS | TAG |\n") || !strings.Contains(out, "| -      | a6  |\n") {
		t.Errorf("transaction table not reduced to STATUS, TAG:\n%s", out)
	}
	out = tableString(t, testReport(), TableOptions{Columns: []string{"command"}})
	if strings.Contains(out, "CLIENT") || !strings.HasPrefix(out, "\nSession 1:") {
		t.Errorf("session table printed though none of its columns was chosen:\n%s", out)
	}
	if err := WriteTable(&bytes.Buffer{}, testReport(), TableOptions{Columns: []string{"nope"}}); err == nil {
		t.Error("unknown column accepted")
	}
}

func TestTableEdgeCases(t *testing.T) {
	r := &Report{Sessions: []*Session{{ID: 7, Client: "a\x1b]0;pwned\x07", Server: "b", NotIMAP: "HTTP\r\n"}}}
	out := tableString(t, r, TableOptions{})
	for _, want := range []string{"(no transactions)", `not IMAP: HTTP\r\n`, `a\x1b]0;pwned\x07`, "| unknown "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Error("raw control character in output")
	}
	if err := WriteTable(&bytes.Buffer{}, nil, TableOptions{}); err == nil {
		t.Error("nil report accepted")
	}
	if err := WriteTable(failWriter{}, testReport(), TableOptions{}); err == nil {
		t.Error("write error not reported")
	}
	first, second := tableString(t, testReport(), TableOptions{}), tableString(t, testReport(), TableOptions{})
	if first != second {
		t.Error("table output not deterministic")
	}
}

func TestEscapeTruncate(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 0, "plain"},
		{"a\rb\nc\td", 0, `a\rb\nc\td`},
		{"\x00\x1b\x7f", 0, `\x00\x1b\x7f`},
		{"bad\xffutf8", 0, `bad\xffutf8`},
		{"c1\u0085x", 0, `c1\u{0085}x`},
		{"bidi\u202egnp.exe", 0, `bidi\u{202e}gnp.exe`},
		{"Été", 0, "Été"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"ééééééééééé", 5, "éééé…"},    // never splits UTF-8
		{"abc\x1bdef", 5, "abc…"},      // never splits an escape
		{"ab\x1b", 6, `ab\x1b`},        // escape that ends the string fits exactly
		{"日本語のメールボックス名前", 6, "日本語のメ…"}, // wide characters count as one
	}
	for _, c := range cases {
		if got := escapeTruncate(c.in, c.max); got != c.want {
			t.Errorf("escapeTruncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
		if got := escapeTruncate(c.in, c.max); c.max > 0 && utf8.RuneCountInString(got) > c.max {
			t.Errorf("escapeTruncate(%q, %d) = %q is too long", c.in, c.max, got)
		}
	}
}

func TestTableConcurrentRenders(t *testing.T) {
	want := tableString(t, testReport(), TableOptions{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := WriteTable(&buf, testReport(), TableOptions{}); err != nil {
				t.Error(err)
			} else if buf.String() != want {
				t.Error("concurrent render differs")
			}
		})
	}
	wg.Wait()
}
