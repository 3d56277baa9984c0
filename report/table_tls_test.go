package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTLSCell(t *testing.T) {
	for _, c := range []struct {
		s    Session
		want string
	}{
		{Session{}, ""},
		{Session{TLS: true}, "yes"},
		{Session{TLS: true, TLSVersion: "TLS 1.3"}, "1.3"},
		{Session{TLS: true, TLSVersion: "TLS 1.3", TLSCipher: "TLS_AES_256_GCM_SHA384", TLSDecrypted: true}, "1.3 AES256-GCM dec"},
		{Session{TLS: true, TLSVersion: "TLS 1.2", TLSCipher: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"}, "1.2 AES128-CBC"},
		{Session{TLS: true, TLSVersion: "TLS 1.2", TLSCipher: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}, "1.2 CHACHA20"},
		{Session{TLS: true, TLSVersion: "TLS 1.3", TLSCipher: "TLS_CHACHA20_POLY1305_SHA256", TLSDecrypted: true}, "1.3 CHACHA20 dec"},
		{Session{TLS: true, TLSVersion: "TLS 1.2", TLSCipher: "TLS_RSA_WITH_AES_128_GCM_SHA256"}, "1.2 AES128-GCM"},
		{Session{TLS: true, TLSVersion: "TLS 1.2", TLSCipher: "0x1234"}, "1.2 0x1234"},
	} {
		if got := tlsCell(&c.s); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
}

// TestTLSColumnShownAndFitted: the TLS column is in the summary when a
// session used TLS, absent otherwise, and gives way when the terminal is
// narrow (before DIALECT).
func TestTLSColumnShownAndFitted(t *testing.T) {
	render := func(r *Report, width int) string {
		var b bytes.Buffer
		if err := WriteTable(&b, r, TableOptions{Summary: true, Width: width}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	header := func(out string) string { return strings.SplitN(out, "\n", 3)[1] }
	tls := &Session{ID: 1, Client: "10.0.0.1:40000", Server: "10.0.0.2:993", Dialect: "IMAP4rev1", TLS: true,
		TLSVersion: "TLS 1.3", TLSCipher: "TLS_AES_256_GCM_SHA384", TLSDecrypted: true}
	clear := &Session{ID: 2, Client: "10.0.0.1:40001", Server: "10.0.0.2:143", Dialect: "IMAP4rev1"}
	if h := header(render(&Report{Sessions: []*Session{clear}}, 0)); strings.Contains(h, " TLS ") {
		t.Errorf("clear-text report has a TLS column: %s", h)
	}
	out := render(&Report{Sessions: []*Session{tls, clear}}, 0)
	if h := header(out); !strings.Contains(h, "| TLS ") || !strings.Contains(out, "| 1.3 AES256-GCM dec |") {
		t.Errorf("no TLS column:\n%s", out)
	}
	full := utf8.RuneCountInString(header(out))
	// Narrower by a few columns: TLS goes (after gaps, bye, incomplete, flags), DIALECT stays.
	out = render(&Report{Sessions: []*Session{tls, clear}}, full-50)
	h := header(out)
	if strings.Contains(h, " TLS ") || !strings.Contains(h, "DIALECT") {
		t.Errorf("width %d: %s", full-50, h)
	}
	for _, l := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(l) > full-50 {
			t.Errorf("line wider than %d: %s", full-50, l)
		}
	}
}
