package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/report"
)

const (
	malformedLoginPcap = "../../pcaps/secrets/malformed-login.pcap"
	injectionPcap      = "../../pcaps/secrets/starttls-injection.pcap"
)

// shapeInfo is one entry of pcaps/secrets/NAME.shapes.json.
type shapeInfo struct {
	Name       string `json:"name"`
	Password   string `json:"password"`
	WellFormed bool   `json:"well_formed"`
}

func readShapes(t *testing.T, pcap string) []shapeInfo {
	t.Helper()
	b, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".shapes.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []shapeInfo
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// everyOutput runs every command line that renders a capture — read in
// each format, with --stats, jsonl with --emit transactions, stats, merge
// — and returns stdout and stderr of all of them, concatenated.
func everyOutput(t *testing.T, pcap string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	runs := [][]string{
		{"read", "--format", "table"}, {"read", "--format", "json"}, {"read", "--format", "jsonl"},
		{"read", "--format", "jsonl", "--emit", "transactions"}, {"read", "--format", "html"}, {"read", "--format", "ecs"},
		{"read", "--stats", "--format", "table"}, {"read", "--stats", "--format", "json"}, {"read", "--stats", "--format", "html"},
		{"read", "--format", "table", "--columns", strings.Join(append(report.SessionColumns(), report.TransactionColumns()...), ",")},
		{"stats", "--format", "table"}, {"stats", "--format", "json"},
		{"read", "--format", "json", "-o", js},
	}
	var all strings.Builder
	for _, r := range runs {
		args := append(append(append([]string(nil), r...), extra...), pcap)
		code, out, errb := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, errb)
		}
		all.WriteString(out + errb)
	}
	for _, f := range []string{"table", "json", "html"} {
		code, out, errb := runCLI(t, "merge", "--stats", "--format", f, js, js)
		if code != exitOK {
			t.Fatalf("merge --format %s: exit %d: %s", f, code, errb)
		}
		all.WriteString(out + errb)
	}
	return all.String()
}

// TestMalformedLoginCapture renders the crafted capture of malformed LOGIN
// and AUTHENTICATE shapes with every command and format: no form of any of
// its passwords may appear; with --show-secrets every well-formed one does.
func TestMalformedLoginCapture(t *testing.T) {
	shapes := readShapes(t, malformedLoginPcap)
	if len(shapes) < 48 {
		t.Fatalf("%d shapes", len(shapes))
	}
	noMarkers(t, everyOutput(t, malformedLoginPcap))
	shown := everyOutput(t, malformedLoginPcap, "--show-secrets")
	for _, s := range shapes {
		if s.WellFormed && !strings.Contains(shown, s.Password) {
			t.Errorf("%s: --show-secrets does not show its password", s.Name)
		}
	}
	if !strings.Contains(shown, "--show-secrets: passwords and SASL secrets will appear") {
		t.Error("no --show-secrets warning on stderr")
	}
}

// TestStartTLSInjectionCapture checks the crafted STARTTLS injection
// capture: the injected commands are marked and reported, the injected
// LOGIN names no user, and the clean STARTTLS has no anomaly.
func TestStartTLSInjectionCapture(t *testing.T) {
	code, out, errb := runCLI(t, "read", "--format", "json", injectionPcap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep struct {
		Sessions []struct {
			User      string `json:"user"`
			Anomalies []struct {
				Kind, Tag string
			} `json:"anomalies"`
			Transactions []struct {
				Tag, Command, Note string
			} `json:"transactions"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sessions) != 4 {
		t.Fatalf("%d sessions", len(rep.Sessions))
	}
	var got []string
	for _, s := range rep.Sessions {
		var k []string
		for _, a := range s.Anomalies {
			k = append(k, a.Kind+" "+a.Tag)
		}
		for _, x := range s.Transactions {
			if strings.HasPrefix(x.Note, "injected") {
				k = append(k, "injected "+x.Tag+" "+x.Command)
			}
		}
		got = append(got, strings.Join(k, ","))
	}
	// The injected commands' answers, if any, came over TLS.
	// The injected LOGIN crossed in clear before TLS began: cleartext_login too.
	want := []string{"starttls_injection a2,cleartext_login a2,never_completed a2,injected a2 LOGIN",
		"starttls_injection a2,never_completed a2,injected a2 CAPABILITY", "starttls_injection a1", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("anomalies per session:\n got %q\nwant %q", got, want)
	}
	if rep.Sessions[0].User != "" {
		t.Errorf("the injected LOGIN set user %q", rep.Sessions[0].User)
	}
	if strings.Contains(strings.ToLower(everyOutput(t, injectionPcap)), strings.ToLower(secretshapes.Marker)) {
		t.Error("the injected LOGIN's password appears")
	}
}

// noMarkers fails for each form of the marker passwords (secretshapes) that
// appears in out, ignoring case, showing where the first one stands.
func noMarkers(t *testing.T, out string) {
	t.Helper()
	out = strings.ToLower(out)
	for _, f := range secretshapes.MarkerForms() {
		if i := strings.Index(out, f); i >= 0 {
			t.Errorf("%q appears %d times, first: …%s…", f, strings.Count(out, f), out[max(0, i-300):min(len(out), i+80)])
		}
	}
}
