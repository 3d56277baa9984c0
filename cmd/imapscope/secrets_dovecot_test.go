package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/internal/dovecottest"
	"github.com/imapscope/imapscope/internal/secretshapes"
)

// dovecotClient sends each conversation's client steps on a connection of
// its own and reads what the server answers to each (until a line arrives,
// then until the server has been quiet for a moment), then closes.
const dovecotClient = `
import base64, json, socket, sys
convs = json.load(open(sys.argv[1]))
for steps in convs:
    s = socket.create_connection(("127.0.0.1", 143))
    s.settimeout(5)
    s.recv(4096)
    for data in steps:
        s.sendall(base64.b64decode(data))
        try:
            s.settimeout(2)
            s.recv(65536)
            s.settimeout(0.2)
            while s.recv(65536):
                pass
        except (socket.timeout, ConnectionError):
            pass
    s.close()
`

// TestMalformedLoginDovecot sends the malformed (and well-formed) LOGIN and
// AUTHENTICATE shapes of pcaps/secrets/ to a real Dovecot, captures the
// conversations with tcpdump, and renders the capture with every command
// and format: no form of any password may appear; with --show-secrets the
// well-formed ones do (Dovecot refuses the marker passwords, but the
// client sent them).
func TestMalformedLoginDovecot(t *testing.T) {
	dovecottest.Require(t)
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump not installed: apt-get install tcpdump")
	}
	srv := dovecottest.Start(t)
	dir := t.TempDir()
	var convs [][][]byte // JSON: base64, so that every byte survives
	var wellFormed []string
	for _, sh := range secretshapes.CaptureShapes() {
		if sh.Damage != secretshapes.Whole {
			continue // damage is the capture's, not the client's
		}
		var steps [][]byte
		for _, st := range sh.Steps {
			if !st.Server {
				steps = append(steps, []byte(st.Data))
			}
		}
		convs = append(convs, steps)
		if sh.WellFormed {
			wellFormed = append(wellFormed, sh.Password)
		}
	}
	js, err := json.Marshal(convs)
	if err != nil {
		t.Fatal(err)
	}
	script, shapes, pcap := filepath.Join(dir, "client.py"), filepath.Join(dir, "shapes.json"), filepath.Join(dir, "dovecot.pcap")
	for name, b := range map[string][]byte{script: []byte(dovecotClient), shapes: js} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	dump := srv.Command(ctx, "tcpdump", "-i", "lo", "-s", "0", "-U", "-w", pcap, "tcp", "port", "143")
	stderr, err := dump.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if out, err := srv.Command(ctx, "python3", script, shapes).CombinedOutput(); err != nil {
		t.Fatalf("client: %v: %s", err, out)
	}
	_ = dump.Process.Signal(os.Interrupt)
	_ = dump.Wait()

	noMarkers(t, everyOutput(t, pcap))
	shown := everyOutput(t, pcap, "--show-secrets")
	for _, pw := range wellFormed {
		if !strings.Contains(shown, pw) {
			t.Errorf("--show-secrets does not show %s", pw)
		}
	}
}
