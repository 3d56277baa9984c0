package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// publicDir holds real captures from other projects' test suites, beside the
// repository (see ../shared/pcaps/public/SOURCES.md).
var publicDir = findPublicDir()

// findPublicDir returns the public captures' folder: beside the repository
// (../../shared from pipeline/), or beside the folder holding a worktree.
func findPublicDir() string {
	for _, d := range []string{"../../shared/pcaps/public", "../../../shared/pcaps/public"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return "../../shared/pcaps/public"
}

// publicExpect is what a person reading each public capture (tcpdump -A)
// sees in it: per session, the tagged commands with their statuses, and
// facts about the session. These are the oracle; imapscope must agree.
var publicExpect = map[string][]struct {
	txns     string // "tag COMMAND STATUS" joined by ", "
	user     string
	tls      bool
	sni      string
	secret   string // a password sent in the capture, which must not show
	anomaly  string // the anomaly kinds expected, comma-separated, if any
	notes    string
	starttls bool
}{
	"arkime_imap.pcap": {{
		txns: "a0000 CAPABILITY OK, a0001 LOGIN OK, a0002 LIST OK, a0003 SELECT OK, a0004 FETCH OK, " +
			"a0005 NOOP OK, a0006 NOOP OK, a0007 FETCH OK, a0008 NOOP OK, a0009 NOOP OK, a0010 NOOP OK, " +
			"a0011 NOOP OK, a0012 NOOP OK, a0013 NOOP OK, a0014 NOOP OK, a0015 NOOP OK, a0016 NOOP OK, " +
			"a0017 NOOP OK, a0018 NOOP OK, a0019 STORE OK, a0020 STORE OK, a0021 EXPUNGE OK, " +
			"a0022 SELECT OK, a0023 FETCH OK, a0024 NOOP OK, a0025 CLOSE OK",
		user: "neulingern", secret: `"XXXXXX"`, anomaly: "cleartext_login",
	}},
	"arkime_imap-tag.pcap": {{txns: ""}},
	"nDPI_imap.pcap": {{
		txns: "C00000 CAPABILITY OK, C00001 LOGIN OK, C00002 LIST OK, C00003 LSUB OK, C00004 SELECT OK, C00005 UID FETCH OK",
		user: "samir", secret: "pfres", anomaly: "cleartext_login",
	}},
	"nDPI_imaps.pcap": {
		{txns: "", tls: true, sni: "mail.ntop.org"},
		{txns: "", tls: true, sni: "imap.asia.secureserver.net"},
	},
	"zeek_imap-starttls.pcap": {{txns: ". CAPABILITY OK, . STARTTLS OK", tls: true, starttls: true}},
	// Synthetic capture: one FETCH literal is declared two bytes shorter than
	// its data, so the ")" that closes the response arrives as a line of its
	// own — a malformed response, reported as such.
	"protolens_imap_fetch.pcap": {{
		txns: "1 CAPABILITY OK, 2 AUTHENTICATE OK, 3 NAMESPACE OK, 4 LSUB OK, 5 LSUB OK, 6 LSUB OK, " +
			"7 LSUB OK, 8 LSUB OK, 9 LSUB OK, 10 LSUB OK, 11 LSUB OK, 12 LIST OK, 13 SELECT OK, 14 IDLE OK, " +
			"15 NOOP OK, 16 UID FETCH OK, 17 UID FETCH OK, 18 UID FETCH OK, 19 IDLE OK, 20 UID FETCH OK, " +
			"21 UID STORE OK, 22 IDLE OK",
		// Its AUTHENTICATE LOGIN exchange also sends the user name unencoded,
		// in clear. Its author numbered the one message of INBOX (SELECT: 0
		// EXISTS, then 1 EXISTS during IDLE) by its UID: every "* 557 FETCH"
		// names message 557 of a mailbox of 1 — a true finding, once per
		// command, not a false positive.
		secret: "anextremelylongpassword",
		anomaly: "sasl_not_base64,cleartext_login,message_number_out_of_range,message_number_out_of_range," +
			"message_number_out_of_range,message_number_out_of_range,malformed_response,message_number_out_of_range",
	}},
}

// TestPublicCaptures dissects the public captures in place and compares
// with what they contain; skipped, saying so, when the folder is absent.
func TestPublicCaptures(t *testing.T) {
	if _, err := os.Stat(publicDir); err != nil {
		t.Skipf("public captures not found at %s (they live in the shared folder beside the repository): %v", publicDir, err)
	}
	for name, want := range publicExpect {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(publicDir, name)
			rep, st, err := Analyze(context.Background(), []string{path}, reassembly.Options{Workers: 1, Ports: []uint16{143, 220, 993}}, dissect.Options{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			if st.Truncated {
				t.Errorf("truncated: %s", st.Damage)
			}
			if len(rep.Sessions) != len(want) {
				t.Fatalf("%d sessions, want %d", len(rep.Sessions), len(want))
			}
			out := renderAll(t, rep)
			for i, w := range want {
				s := rep.Sessions[i]
				if g := strings.Join(txnLines(s, "null"), ", "); g != w.txns {
					t.Errorf("session %d transactions:\n got %s\nwant %s", i+1, g, w.txns)
				}
				if s.User != w.user && w.user != "" {
					t.Errorf("session %d user %q, want %q", i+1, s.User, w.user)
				}
				if s.TLS != w.tls || s.TLSSNI != w.sni || s.StartTLS != w.starttls {
					t.Errorf("session %d tls=%v sni=%q starttls=%v, want %v %q %v", i+1, s.TLS, s.TLSSNI, s.StartTLS, w.tls, w.sni, w.starttls)
				}
				if w.secret != "" && strings.Contains(out, w.secret) {
					t.Errorf("session %d: the password %q appears in the output", i+1, w.secret)
				}
				var kinds []string
				for _, a := range s.Anomalies {
					kinds = append(kinds, string(a.Kind))
				}
				if g := strings.Join(kinds, ","); g != w.anomaly {
					t.Errorf("session %d anomalies %q, want %q", i+1, g, w.anomaly)
				}
			}
			var doc []byte
			doc, err = report.MarshalJSON(rep)
			if err != nil {
				t.Fatal(err)
			}
			if err := report.ValidateJSON(doc); err != nil {
				t.Errorf("schema: %v", err)
			}
		})
	}
}
