package tlsdecrypt

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuf collects a process's output.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.b.Bytes(), []byte(s))
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls until out holds s or the process ended.
func waitFor(t *testing.T, out *lockedBuf, s string, done <-chan struct{}) {
	t.Helper()
	for !out.has(s) {
		select {
		case <-done:
			if !out.has(s) {
				t.Fatalf("process ended before printing %q:\n%s", s, out.String())
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// step is one line typed into s_client (client) or s_server (!client);
// data lines are then awaited on the other side's output.
type step struct {
	client bool
	line   string
	data   bool // application data (else an s_client command letter)
}

// opensslPEM writes the test RSA certificate and key as PEM files.
func opensslPEM(t *testing.T) (certFile, keyFile string) {
	rc, _ := testCerts(t)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	kd, err := x509.MarshalPKCS8PrivateKey(rc.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rc.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	return certFile, keyFile
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// recordingProxy forwards one connection at a time from ln to target,
// recording both directions per connection, in the order read.
func recordingProxy(ln net.Listener, target string, wires chan<- *wire) {
	for {
		c, err := ln.Accept()
		if err != nil {
			close(wires)
			return
		}
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		w := &wire{}
		var wg sync.WaitGroup
		pump := func(dst, src net.Conn, dir int) {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					w.add(dir, buf[:n])
					dst.Write(buf[:n])
				}
				if err != nil {
					if tc, ok := dst.(*net.TCPConn); ok {
						tc.CloseWrite()
					}
					return
				}
			}
		}
		wg.Add(2)
		go pump(s, c, FromClient)
		go pump(c, s, FromServer)
		wg.Wait()
		c.Close()
		s.Close()
		wires <- w
	}
}

// opensslSessions runs s_server and s_client through a recording proxy for
// each of conns connections, typing the steps, and returns the sessions
// and the client's key log.
func opensslSessions(t *testing.T, srvArgs, cliArgs []string, conns int, steps []step) ([]session, []byte) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed: OpenSSL round trips not run (apt-get install openssl)")
	}
	certFile, keyFile := opensslPEM(t)
	dir := t.TempDir()
	keylog := filepath.Join(dir, "keys.log")
	sessFile := filepath.Join(dir, "sess.pem")
	port := freePort(t)
	srv := exec.Command("openssl", append([]string{"s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
		"-cert", certFile, "-key", keyFile, "-naccept", fmt.Sprint(conns)}, srvArgs...)...)
	srvOut := &lockedBuf{}
	srv.Stdout, srv.Stderr = srvOut, srvOut
	srvIn, _ := srv.StdinPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srvDone := make(chan struct{})
	go func() { srv.Wait(); close(srvDone) }()
	defer func() { srv.Process.Kill(); <-srvDone }()
	waitFor(t, srvOut, "ACCEPT", srvDone)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wires := make(chan *wire, conns)
	go recordingProxy(ln, fmt.Sprintf("127.0.0.1:%d", port), wires)
	defer ln.Close()

	var out []session
	for i := 0; i < conns; i++ {
		args := []string{"s_client", "-connect", ln.Addr().String(), "-servername", "imap.test",
			"-keylogfile", keylog, "-no_ign_eof"}
		if conns > 1 {
			if i == 0 {
				args = append(args, "-sess_out", sessFile)
			} else {
				args = append(args, "-sess_in", sessFile)
			}
		}
		cli := exec.Command("openssl", append(args, cliArgs...)...)
		cliOut := &lockedBuf{}
		cli.Stdout, cli.Stderr = cliOut, cliOut
		cliIn, _ := cli.StdinPipe()
		if err := cli.Start(); err != nil {
			t.Fatal(err)
		}
		cliDone := make(chan struct{})
		go func() { cli.Wait(); close(cliDone) }()
		waitFor(t, cliOut, "---\n", cliDone) // the handshake summary
		var s session
		for _, st := range steps {
			line := st.line + "\n"
			switch {
			case st.client && st.data:
				io.WriteString(cliIn, line)
				s.clientSent = append(s.clientSent, line...)
				waitFor(t, srvOut, line, srvDone)
			case st.client:
				io.WriteString(cliIn, line)
				waitFor(t, cliOut, "KEYUPDATE", cliDone)
			default:
				io.WriteString(srvIn, line)
				s.serverSent = append(s.serverSent, line...)
				waitFor(t, cliOut, line, cliDone)
			}
		}
		cliIn.Close()
		<-cliDone
		w := <-wires
		s.chunks = w.chunks
		out = append(out, s)
	}
	kl, err := os.ReadFile(keylog)
	if err != nil {
		t.Fatalf("key log: %v", err)
	}
	return out, kl
}

// conversation is a short IMAP-like exchange with unique lines.
func conversation(tag string, extra ...step) []step {
	s := []step{
		{client: false, line: "* OK [CAPABILITY IMAP4rev1] " + tag + " ready", data: true},
		{client: true, line: "a1 LOGIN user " + tag, data: true},
		{client: false, line: "a1 OK logged in " + tag, data: true},
	}
	s = append(s, extra...)
	return append(s,
		step{client: true, line: "a2 LOGOUT " + tag, data: true},
		step{client: false, line: "* BYE " + tag + strings.Repeat(".", 200), data: true})
}

func TestOpenSSLTLS12(t *testing.T) {
	cases := []struct {
		cipher string
		etm    bool
	}{
		{"ECDHE-RSA-AES128-SHA", true},
		{"ECDHE-RSA-AES256-SHA384", true},
		{"AES256-SHA256", true},
		{"ECDHE-RSA-AES128-SHA", false},
		{"DHE-RSA-AES128-GCM-SHA256", false},
		{"DHE-RSA-AES256-GCM-SHA384", false},
		{"DHE-RSA-CHACHA20-POLY1305", false},
		{"ECDHE-RSA-CHACHA20-POLY1305", false},
	}
	for _, tc := range cases {
		name := tc.cipher
		cli := []string{"-tls1_2", "-cipher", tc.cipher}
		if !tc.etm {
			cli = append(cli, "-no_etm")
			name += "/no_etm"
		}
		t.Run(name, func(t *testing.T) {
			ss, kl := opensslSessions(t, []string{"-tls1_2", "-cipher", tc.cipher + ":@SECLEVEL=0", "-dhparam", dhParams(t)}, cli, 1, conversation(name))
			s := ss[0]
			c, got := decryptSession(t, s, keyLogFrom(t, kl), 777)
			checkDecrypted(t, c, s, got)
			in := c.Info()
			if cbc := strings.Contains(tc.cipher, "SHA") && !strings.Contains(tc.cipher, "GCM") && !strings.Contains(tc.cipher, "CHACHA"); in.EncThenMAC != (tc.etm && cbc) {
				t.Errorf("encrypt_then_mac %v, want %v", in.EncThenMAC, tc.etm && cbc)
			}
		})
	}
}

var (
	dhOnce sync.Once
	dhFile string
)

// dhParams writes RFC 7919's ffdhe2048 group for the DHE suites (s_server
// needs explicit parameters for them).
func dhParams(t *testing.T) string {
	dhOnce.Do(func() {
		f, err := os.CreateTemp("", "dh*.pem")
		if err != nil {
			return
		}
		defer f.Close()
		out, err := exec.Command("openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048").Output()
		if err == nil {
			f.Write(out)
			dhFile = f.Name()
		}
	})
	if dhFile == "" {
		t.Skip("openssl could not write DH parameters")
	}
	return dhFile
}

func TestOpenSSLTLS13Suites(t *testing.T) {
	for _, suite := range []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"} {
		t.Run(suite, func(t *testing.T) {
			// s_client's KeyUpdate commands ("k", "K") made s_server stop
			// echoing in this harness; KeyUpdate is tested on the pcaps/tls
			// captures instead. This covers the three TLS 1.3 suites.
			steps := conversation(suite)
			ss, kl := opensslSessions(t, []string{"-tls1_3"}, []string{"-tls1_3", "-ciphersuites", suite}, 1, steps)
			s := ss[0]
			c, got := decryptSession(t, s, keyLogFrom(t, kl), 501)
			checkDecrypted(t, c, s, got)
			in := c.Info()
			if in.Cipher != suite {
				t.Errorf("cipher %s: %+v", in.Cipher, in)
			}
		})
	}
}

func TestOpenSSLSessionIDResumption(t *testing.T) {
	ss, kl := opensslSessions(t, []string{"-tls1_2", "-no_ticket"}, []string{"-tls1_2", "-no_ticket"}, 2, conversation("resume"))
	keys := keyLogFrom(t, kl)
	for i, s := range ss {
		c, got := decryptSession(t, s, keys, 1500)
		checkDecrypted(t, c, s, got)
		if in := c.Info(); in.Resumed != (i == 1) {
			t.Errorf("connection %d: resumed %v", i, in.Resumed)
		}
	}
}
