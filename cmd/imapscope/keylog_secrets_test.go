package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyLogSecrets returns the secrets of an NSS key log in the forms they
// could leak as: the hex as logged, lower and upper case, and its first 16
// characters. Client randoms are public (sent in the ClientHello) and not
// included.
func keyLogSecrets(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		s := f[2]
		out = append(out, strings.ToLower(s), strings.ToUpper(s), strings.ToLower(s[:16]), strings.ToUpper(s[:16]))
	}
	if len(out) == 0 {
		t.Fatalf("%s: no secrets", path)
	}
	return out
}

// TestKeyLogNeverPrinted decrypts every pcaps/tls capture with its key log
// and renders it with every command and format (also with --show-secrets,
// which shows passwords but never key material): no secret of the key log
// may appear in any output or message. A malformed key log and an
// unreadable one give messages without their content.
func TestKeyLogNeverPrinted(t *testing.T) {
	truths, _ := filepath.Glob("../../pcaps/tls/*.truth.json")
	if len(truths) == 0 {
		t.Fatal("no pcaps/tls truth files")
	}
	decrypted := 0
	for _, tr := range truths {
		base := strings.TrimSuffix(tr, ".truth.json")
		keylog := base + ".keylog"
		pcap := base + ".pcap"
		if _, err := os.Stat(keylog); err != nil {
			continue // dsb.pcapng: its key log is the one of imaps-imaplib, checked there
		}
		t.Run(filepath.Base(base), func(t *testing.T) {
			secrets := keyLogSecrets(t, keylog)
			out := everyOutput(t, pcap, "--keylog", keylog)
			code, shown, errb := runCLI(t, "read", "--show-secrets", "--format", "json", "--keylog", keylog, pcap)
			if code != exitOK {
				t.Fatalf("--show-secrets: exit %d: %s", code, errb)
			}
			out += shown + errb
			if !strings.Contains(out, `"tls_decrypted": true`) && !strings.Contains(out, `"tls_decrypted":true`) {
				t.Fatalf("nothing decrypted: the check would be empty")
			}
			decrypted++
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("key-log secret %s… printed", s[:8])
				}
			}
		})
	}
	if decrypted < 20 {
		t.Errorf("only %d captures decrypted", decrypted)
	}

	// Bad key logs: the messages name the file, never its content.
	dir := t.TempDir()
	secret := strings.Repeat("ab12", 24)
	bad := filepath.Join(dir, "bad.keylog")
	if err := os.WriteFile(bad, []byte("CLIENT_RANDOM zz "+secret+"\nCLIENT_TRAFFIC_SECRET_0 "+secret+"\ngarbage "+secret+" x y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pcap := "../../pcaps/tls/tls13-aes128gcm.pcap"
	var msgs strings.Builder
	for _, args := range [][]string{
		{"read", "--format", "json", "--keylog", bad, pcap},
		{"read", "--stats", "--format", "table", "--keylog", bad, pcap},
		{"read", "--format", "json", "--keylog", dir, pcap},
		{"read", "--format", "json", "--keylog", filepath.Join(dir, "missing"), pcap},
	} {
		_, out, errb := runCLI(t, args...)
		msgs.WriteString(out + errb)
	}
	m := msgs.String()
	if strings.Contains(m, secret) || strings.Contains(m, secret[:16]) || strings.Contains(m, strings.ToUpper(secret[:16])) {
		t.Errorf("a malformed key log's secret was printed:\n%s", m)
	}
	var rep struct {
		Capture struct {
			Malformed int `json:"keylog_malformed"`
		} `json:"capture"`
	}
	_, out, _ := runCLI(t, "read", "--format", "json", "--keylog", bad, pcap)
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Capture.Malformed != 3 {
		t.Errorf("malformed lines counted %d (%v), want 3", rep.Capture.Malformed, err)
	}
}
