package pipeline

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/report"
)

// trueFindings are the findings real captures really contain, each checked
// by hand in the capture (tshark -z follow): a finding listed here is the
// peer's fault, not imapscope's.
var trueFindings = map[string]string{
	// clients.py's raw client sends AUTHENTICATE PLAIN with an initial
	// response (s003) to Courier, whose capabilities have no SASL-IR.
	"courier/features.pcap 3": "capability_not_advertised s003",
}

// TestNoFalseFindings runs every capture in pcaps/ made with real servers
// and clients (the scripted captures, which plant findings on purpose, are
// checked exactly by TestCapturesMatchTruth) and requires: no finding but
// cleartext_login, except those in trueFindings; and cleartext_login
// exactly on the commands that sent credentials without TLS — every LOGIN
// of a session the truth says was not encrypted, and every AUTHENTICATE
// PLAIN or LOGIN there that the client did not abort.
func TestNoFalseFindings(t *testing.T) {
	for _, path := range captures(t) {
		name := strings.TrimPrefix(path, "../pcaps/")
		if strings.HasPrefix(name, "imap3/") || strings.HasPrefix(name, "conform/") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			truth := readTruth(t, path)
			rep := analyze(t, path, dissect.Options{})
			if len(rep.Sessions) != len(truth.Sessions) {
				t.Fatalf("%d sessions, truth has %d", len(rep.Sessions), len(truth.Sessions))
			}
			for i, s := range rep.Sessions {
				var other, clear []string
				for _, a := range s.Anomalies {
					switch {
					case a.Kind == report.AnomalyCleartextLogin:
						clear = append(clear, a.Tag)
					case a.Kind.Finding():
						other = append(other, string(a.Kind)+" "+a.Tag)
					}
				}
				key := name + " " + strconv.Itoa(i+1)
				if g := strings.Join(other, ","); g != trueFindings[key] {
					t.Errorf("session %d findings %q, want %q", i+1, g, trueFindings[key])
				}
				var want []string
				if truth.Sessions[i].TLS == "" {
					for _, x := range s.Transactions {
						mech, _, _ := strings.Cut(strings.ToUpper(x.Args), " ")
						switch {
						case x.Command == "LOGIN":
							want = append(want, x.Tag)
						case x.Command == "AUTHENTICATE" && (mech == "PLAIN" || mech == "LOGIN") && !strings.Contains(x.Note, "aborted"):
							want = append(want, x.Tag)
						}
					}
				}
				sort.Strings(clear)
				sort.Strings(want)
				if strings.Join(clear, ",") != strings.Join(want, ",") {
					t.Errorf("session %d (tls %q) cleartext_login on %q, want %q", i+1, truth.Sessions[i].TLS, clear, want)
				}
				// Every LOGIN the truth shows in a clear session is reported.
				if truth.Sessions[i].TLS == "" {
					for _, c := range truth.Sessions[i].Commands {
						if c.Command == "LOGIN" && !contains(clear, c.Tag) {
							t.Errorf("session %d: LOGIN %s in clear not reported", i+1, c.Tag)
						}
					}
				}
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
