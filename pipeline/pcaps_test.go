package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// truthFile is the ground truth a capture generator wrote from the clients'
// own view (pcaps/*/NAME.truth.json). Dovecot captures list "commands",
// the IMAP3 simulator "transactions".
type truthFile struct {
	Passwords []string       `json:"passwords"`
	Sessions  []truthSession `json:"sessions"`
}

type truthSession struct {
	User              string                   `json:"user"`
	Dialect           string                   `json:"dialect"`
	SupportedVersions []report.ProtocolVersion `json:"supported_versions"`
	Version           *string                  `json:"version"`
	Features          []string                 `json:"features"`
	Commands          []truthTxn               `json:"commands"`
	Transactions      []truthTxn               `json:"transactions"`
	ExpectedAnomalies *[]struct {
		Kind string `json:"kind"`
		Tag  string `json:"tag"`
	} `json:"expected_anomalies"`
	Passwords []string `json:"passwords"`
	// TLS is "starttls" or "implicit" when the client encrypted the session.
	TLS string `json:"tls"`
	// UnloggedLogout: the client may send a final LOGOUT its log cannot show
	// (curl sends it while tearing down, after its trace ends).
	UnloggedLogout bool `json:"unlogged_logout"`
}

type truthTxn struct {
	Tag     string  `json:"tag"`
	Command string  `json:"command"`
	Status  *string `json:"status"`
}

// captures lists every capture in pcaps/ that has a truth file.
func captures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../pcaps/*/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if _, err := os.Stat(strings.TrimSuffix(f, ".pcap") + ".truth.json"); err == nil {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no captures with truth files under ../pcaps")
	}
	return out
}

// readTruth reads the truth file beside the capture pcap.
func readTruth(t *testing.T, pcap string) truthFile {
	t.Helper()
	var truth truthFile
	b, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".truth.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatalf("%s: %v", pcap, err)
	}
	return truth
}

func analyze(t *testing.T, path string, dopts dissect.Options) *report.Report {
	t.Helper()
	rep, st, err := Analyze(context.Background(), []string{path}, reassembly.Options{Workers: 1, Ports: []uint16{143, 220, 993}}, dopts, "imapscope test")
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if st.Truncated || st.Damage != "" {
		t.Fatalf("%s: damaged: %s", path, st.Damage)
	}
	return rep
}

// txnLines lists a session's transactions as "TAG COMMAND STATUS", with
// null for the status of one never completed.
func txnLines(s *report.Session, null string) []string {
	var out []string
	for _, x := range s.Transactions {
		st := string(x.Status)
		if st == "" {
			st = null
		}
		out = append(out, x.Tag+" "+x.Command+" "+st)
	}
	return out
}

func statusString(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// TestCapturesMatchTruth checks every capture against what its clients
// sent and received: each tagged command once, with the right tag, command
// and status, and nothing invented (not from literal data either).
func TestCapturesMatchTruth(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(strings.TrimPrefix(path, "../pcaps/"), func(t *testing.T) {
			truth := readTruth(t, path)
			rep := analyze(t, path, dissect.Options{})
			if len(rep.Sessions) != len(truth.Sessions) {
				t.Fatalf("%d sessions, truth has %d", len(rep.Sessions), len(truth.Sessions))
			}
			for i, ts := range truth.Sessions {
				got := rep.Sessions[i]
				want := ts.Commands
				if want == nil {
					want = ts.Transactions
				}
				// Under TLS without keys only what precedes the switch is
				// visible; TestTLSCapturesDecryptedTruth (tlstruth_test.go)
				// compares the whole truth with the key logs.
				switch ts.TLS {
				case "implicit":
					want = nil
					ts.User = ""
					if !got.TLS {
						t.Errorf("session %d: implicit TLS not recognised", i+1)
					}
				case "starttls":
					for k, c := range want {
						if c.Command == "STARTTLS" {
							want = want[:k+1]
							break
						}
					}
					ts.User = ""
					if !got.TLS || !got.StartTLS {
						t.Errorf("session %d: STARTTLS not recognised", i+1)
					}
				}
				g, w := txnLines(got, "null"), []string(nil)
				for _, x := range want {
					w = append(w, x.Tag+" "+x.Command+" "+statusString(x.Status))
				}
				if ts.UnloggedLogout && len(g) == len(w)+1 && strings.Contains(g[len(g)-1], " LOGOUT ") {
					g = g[:len(g)-1]
				}
				if strings.Join(g, "\n") != strings.Join(w, "\n") {
					t.Errorf("session %d transactions:\n%s", i+1, golden.Diff(strings.Join(w, "\n")+"\n", strings.Join(g, "\n")+"\n"))
				}
				if ts.User != "" && got.User != ts.User {
					t.Errorf("session %d user %q, want %q", i+1, got.User, ts.User)
				}
				if ts.Dialect != "" && !strings.EqualFold(got.Dialect, ts.Dialect) {
					t.Errorf("session %d dialect %q, want %q", i+1, got.Dialect, ts.Dialect)
				}
				if ts.Version != nil && got.Version != *ts.Version {
					t.Errorf("session %d version %q, want %q", i+1, got.Version, *ts.Version)
				}
				if ts.Features != nil && strings.Join(got.Features, " ") != strings.Join(ts.Features, " ") {
					t.Errorf("session %d features %q, want %q", i+1, got.Features, ts.Features)
				}
				if ts.SupportedVersions != nil {
					gv, _ := json.Marshal(normVersions(got.SupportedVersions))
					wv, _ := json.Marshal(normVersions(ts.SupportedVersions))
					if string(gv) != string(wv) {
						t.Errorf("session %d supported_versions %s, want %s", i+1, gv, wv)
					}
				}
				if ts.ExpectedAnomalies != nil {
					var ga, wa []string
					for _, a := range got.Anomalies {
						ga = append(ga, string(a.Kind)+" "+strings.ToLower(a.Tag))
					}
					for _, a := range *ts.ExpectedAnomalies {
						wa = append(wa, a.Kind+" "+strings.ToLower(a.Tag))
					}
					sort.Strings(ga)
					sort.Strings(wa)
					if strings.Join(ga, ",") != strings.Join(wa, ",") {
						t.Errorf("session %d anomalies %q, want %q", i+1, ga, wa)
					}
				}
			}
		})
	}
}

func normVersions(v []report.ProtocolVersion) []report.ProtocolVersion {
	out := make([]report.ProtocolVersion, len(v))
	for i, x := range v {
		out[i] = report.ProtocolVersion{Version: x.Version, Features: x.Features}
		if len(x.Features) == 0 {
			out[i].Features = nil
		}
	}
	return out
}

// TestCapturesGolden renders every capture as JSON and as tables and
// compares with the committed golden files (go test ./pipeline -update
// rewrites them). The JSON must also validate against the schema.
func TestCapturesGolden(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(strings.TrimPrefix(path, "../pcaps/"), func(t *testing.T) {
			rep := analyze(t, path, dissect.Options{})
			rep.Inputs = []string{filepath.Base(path)}
			var js bytes.Buffer
			if err := report.WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			if err := report.ValidateJSON(js.Bytes()); err != nil {
				t.Fatalf("schema: %v", err)
			}
			golden.Check(t, strings.TrimSuffix(path, ".pcap")+".golden.json", js.Bytes())
			var tb bytes.Buffer
			if err := report.WriteTable(&tb, rep, report.TableOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(path, ".pcap")+".golden.txt", tb.Bytes())
		})
	}
}

// TestSecretsRedacted greps every rendering of every capture for the
// passwords used to make it: absent by default, present with ShowSecrets.
func TestSecretsRedacted(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(strings.TrimPrefix(path, "../pcaps/"), func(t *testing.T) {
			truth := readTruth(t, path)
			secrets := append([]string(nil), truth.Passwords...)
			cleartext := false // some credentials crossed the wire unencrypted
			for _, s := range truth.Sessions {
				secrets = append(secrets, s.Passwords...)
				cleartext = cleartext || (s.TLS == "" && len(s.Passwords) > 0)
			}
			if len(secrets) == 0 {
				t.Skip("truth file names no passwords")
			}
			out := renderAll(t, analyze(t, path, dissect.Options{}))
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("password %q appears in the default output", s)
				}
			}
			shown := renderAll(t, analyze(t, path, dissect.Options{ShowSecrets: true}))
			found := false
			for _, s := range secrets {
				found = found || strings.Contains(shown, s)
			}
			if cleartext && !found {
				t.Errorf("no password appears with ShowSecrets")
			}
		})
	}
}

// renderAll renders a report as JSON, JSONL and tables, concatenated.
func renderAll(t *testing.T, rep *report.Report) string {
	var b bytes.Buffer
	if err := report.WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	jl := report.NewJSONLWriter(&b)
	for _, s := range rep.Sessions {
		if err := jl.WriteSession(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := report.WriteTable(&b, rep, report.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
