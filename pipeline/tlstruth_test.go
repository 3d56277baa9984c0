package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

// The captures in pcaps/tls/ decrypted with their clients' key logs:
// every transaction each client recorded, inside TLS as well as before
// STARTTLS, must come out exact (tag, command, status), nothing else, the
// right user, the suite and version the client negotiated, and no
// anomaly. Without the key log the clear-text part must be unchanged.

// tlsStrictTruth is what TestTLSCapturesDecryptedTruth reads of a
// pcaps/tls truth file beyond tlsTruth.
type tlsStrictTruth struct {
	Sessions []struct {
		User string `json:"user"`
	} `json:"sessions"`
}

// keyLogFor returns the key log of a pcaps/tls capture: the file the truth
// names or, for "embedded", the capture's Decryption Secrets Blocks.
func keyLogFor(t *testing.T, capture, keylog string) *tlsdecrypt.KeyLog {
	t.Helper()
	kl := tlsdecrypt.NewKeyLog()
	if keylog != "" {
		if err := kl.AddFile(keylog); err != nil {
			t.Fatal(err)
		}
		return kl
	}
	f, err := os.Open(capture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := tlsdecrypt.ReadPcapngSecrets(f, kl); err != nil || n == 0 {
		t.Fatalf("%s: no embedded key log (%d blocks, %v)", capture, n, err)
	}
	return kl
}

// tlsVersionName maps the truth's OpenSSL version names to the report's.
var tlsVersionName = map[string]string{"TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}

// TestTLSCapturesDecryptedTruth decrypts every pcaps/tls capture with its
// key log and compares every session with its truth, strictly.
func TestTLSCapturesDecryptedTruth(t *testing.T) {
	truths, _ := filepath.Glob("../pcaps/tls/*.truth.json")
	if len(truths) == 0 {
		t.Fatal("no truth files under ../pcaps/tls")
	}
	total, sessions := 0, 0
	for _, path := range truths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".truth.json"), func(t *testing.T) {
			tr, capture, keylog := loadTLSTruth(t, path)
			var users tlsStrictTruth
			b, _ := os.ReadFile(path)
			if err := json.Unmarshal(b, &users); err != nil {
				t.Fatal(err)
			}
			rep := analyze(t, capture, dissect.Options{TLSKeys: keyLogFor(t, capture, keylog)})
			blind := analyze(t, capture, dissect.Options{})
			if len(rep.Sessions) != len(tr.Sessions) || len(blind.Sessions) != len(tr.Sessions) {
				t.Fatalf("%d sessions with keys, %d without, truth has %d", len(rep.Sessions), len(blind.Sessions), len(tr.Sessions))
			}
			for i, ts := range tr.Sessions {
				got := rep.Sessions[i]
				checkDecryptedSession(t, i+1, got, ts, users.Sessions[i].User)
				checkClearPartUnchanged(t, i+1, got, blind.Sessions[i], ts)
				total += len(ts.Commands)
				sessions++
			}
		})
	}
	t.Logf("%d truth transactions in %d sessions of %d captures compared with keys", total, sessions, len(truths))
}

// checkDecryptedSession compares one decrypted session with its truth.
func checkDecryptedSession(t *testing.T, n int, got *report.Session, ts tlsTruthSession, user string) {
	t.Helper()
	if !strings.HasSuffix(got.Client, ":"+strconv.Itoa(ts.ClientPort)) {
		t.Fatalf("session %d: client %s, truth port %d", n, got.Client, ts.ClientPort)
	}
	var want []string
	clear := 0 // commands before TLS: up to and including STARTTLS
	for k, c := range ts.Commands {
		want = append(want, c.Tag+" "+c.Command+" "+statusString(c.Status))
		if ts.TLS == "starttls" && c.Command == "STARTTLS" {
			clear = k + 1
		}
	}
	g := txnLines(got, "null")
	if ts.UnloggedLogout && len(g) == len(want)+1 && strings.HasPrefix(strings.SplitN(g[len(g)-1], " ", 2)[1], "LOGOUT ") {
		g = g[:len(g)-1]
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("session %d transactions with the key log:\n%s", n, golden.Diff(strings.Join(want, "\n")+"\n", strings.Join(g, "\n")+"\n"))
	}
	for k, x := range got.Transactions {
		if x.InTLS != (k >= clear) {
			t.Errorf("session %d %s %s: in_tls %v, want %v", n, x.Tag, x.Command, x.InTLS, k >= clear)
		}
	}
	if got.User != user {
		t.Errorf("session %d user %q, truth %q", n, got.User, user)
	}
	if !got.TLS || !got.TLSDecrypted || (ts.TLS == "starttls") != got.StartTLS {
		t.Errorf("session %d: tls %v tls_decrypted %v starttls %v, truth %s", n, got.TLS, got.TLSDecrypted, got.StartTLS, ts.TLS)
	}
	if got.TLSCipher != ts.TLSCipherIANA {
		t.Errorf("session %d: tls_cipher %q, truth %q", n, got.TLSCipher, ts.TLSCipherIANA)
	}
	if v := tlsVersionName[ts.TLSVersion]; v == "" || got.TLSVersion != v {
		t.Errorf("session %d: tls_version %q, truth %q", n, got.TLSVersion, ts.TLSVersion)
	}
	if got.Compressed != (ts.CompressedTag != "") {
		t.Errorf("session %d: compressed %v, truth compressed after %q", n, got.Compressed, ts.CompressedTag)
	}
	for _, a := range got.Anomalies { // real clients, real server: nothing to flag
		t.Errorf("session %d: anomaly %s: %s", n, a.Kind, a.Detail)
	}
}

// checkClearPartUnchanged: without the key log a session's transactions are
// exactly the keyed run's clear-text ones (all fields), and the TLS facts
// visible without keys are the same.
func checkClearPartUnchanged(t *testing.T, n int, keyed, blind *report.Session, ts tlsTruthSession) {
	t.Helper()
	clear := []*report.Transaction{}
	for _, x := range keyed.Transactions {
		if !x.InTLS {
			clear = append(clear, x)
		}
	}
	kb, _ := json.MarshalIndent(clear, "", " ")
	bb, _ := json.MarshalIndent(append([]*report.Transaction{}, blind.Transactions...), "", " ")
	if string(kb) != string(bb) {
		t.Errorf("session %d: clear-text transactions differ without the key log:\n%s", n, golden.Diff(string(kb)+"\n", string(bb)+"\n"))
	}
	if blind.TLSDecrypted || blind.User != "" {
		t.Errorf("session %d without keys: tls_decrypted %v, user %q", n, blind.TLSDecrypted, blind.User)
	}
	if blind.JA3 != keyed.JA3 || blind.JA4 != keyed.JA4 || blind.JA3S != keyed.JA3S || blind.TLSSNI != keyed.TLSSNI ||
		blind.TLSCipher != keyed.TLSCipher || blind.TLSVersion != keyed.TLSVersion {
		t.Errorf("session %d: TLS handshake facts differ without the key log", n)
	}
	if ts.TLSVersion == "TLSv1.2" && (blind.TLSCert == nil) != (keyed.TLSCert == nil) {
		t.Errorf("session %d: TLS 1.2 certificate seen with keys %v, without %v", n, keyed.TLSCert != nil, blind.TLSCert != nil)
	}
}

// TestTLSCapturesKeyedGolden renders every pcaps/tls capture decrypted with
// its key log as JSON and tables, compared with NAME.keylog.golden.json and
// .txt (-update rewrites them); the JSON must validate against the schema.
// The report package's ECS and TSV checks read these goldens too.
func TestTLSCapturesKeyedGolden(t *testing.T) {
	truths, _ := filepath.Glob("../pcaps/tls/*.truth.json")
	if len(truths) == 0 {
		t.Fatal("no truth files under ../pcaps/tls")
	}
	for _, path := range truths {
		base := strings.TrimSuffix(path, ".truth.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			_, capture, keylog := loadTLSTruth(t, path)
			rep := analyze(t, capture, dissect.Options{TLSKeys: keyLogFor(t, capture, keylog)})
			rep.Inputs = []string{filepath.Base(capture)}
			var js bytes.Buffer
			if err := report.WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			if err := report.ValidateJSON(js.Bytes()); err != nil {
				t.Fatalf("schema: %v", err)
			}
			golden.Check(t, base+".keylog.golden.json", js.Bytes())
			var tb bytes.Buffer
			if err := report.WriteTable(&tb, rep, report.TableOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, base+".keylog.golden.txt", tb.Bytes())
		})
	}
}
