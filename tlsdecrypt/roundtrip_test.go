//go:debug tlsrsakex=1
//go:debug tls10server=1

package tlsdecrypt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// chunk is one write seen on the wire, in the order it happened.
type chunk struct {
	dir  int
	data []byte
}

// wire records both directions of a connection as seen by the server side.
type wire struct {
	mu     sync.Mutex
	chunks []chunk
}

func (w *wire) add(dir int, p []byte) {
	w.mu.Lock()
	w.chunks = append(w.chunks, chunk{dir, append([]byte(nil), p...)})
	w.mu.Unlock()
}

// recConn wraps the server's net.Conn: its reads are the client's bytes,
// its writes the server's.
type recConn struct {
	net.Conn
	w *wire
}

func (c recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.w.add(FromClient, p[:n])
	}
	return n, err
}

func (c recConn) Write(p []byte) (int, error) {
	c.w.add(FromServer, p)
	return c.Conn.Write(p)
}

// syncBuf is a key-log writer shared by both ends.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

var (
	certOnce           sync.Once
	rsaCert, ecdsaCert tls.Certificate
)

// testCerts makes self-signed RSA and ECDSA certificates for "imap.test".
func testCerts(_ *testing.T) (tls.Certificate, tls.Certificate) {
	certOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		mk := func(pub, priv any) tls.Certificate {
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(1),
				Subject:      pkix.Name{CommonName: "imap.test", Organization: []string{"imapscope test"}},
				NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
				NotAfter:     time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
				DNSNames:     []string{"imap.test", "mail.test"},
				KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
			if err != nil {
				panic(err)
			}
			return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
		}
		rsaCert = mk(&rk.PublicKey, rk)
		ecdsaCert = mk(&ek.PublicKey, ek)
	})
	return rsaCert, ecdsaCert
}

// session is the outcome of one recorded TLS connection.
type session struct {
	chunks     []chunk
	keylog     []byte
	clientSent []byte // plaintext the client wrote
	serverSent []byte // plaintext the server wrote
}

// exchange runs a short IMAP-like conversation between a crypto/tls client
// and server over loopback TCP, recording the wire and the key log.
func exchange(t *testing.T, ccfg, scfg *tls.Config, rounds int) session {
	t.Helper()
	kl := &syncBuf{}
	ccfg = ccfg.Clone()
	ccfg.KeyLogWriter = kl
	w := &wire{}
	cp, sp := tcpPair(t)
	srv := tls.Server(recConn{sp, w}, scfg)
	cli := tls.Client(cp, ccfg)
	var s session
	var wg sync.WaitGroup
	var srvErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer srv.Close()
		greet := []byte("* OK [CAPABILITY IMAP4rev1] ready\r\n")
		if _, srvErr = srv.Write(greet); srvErr != nil {
			return
		}
		s.serverSent = append(s.serverSent, greet...)
		buf := make([]byte, 64<<10)
		for i := 0; i < rounds; i++ {
			line, err := readLine(srv, buf)
			if err != nil {
				srvErr = err
				return
			}
			resp := bytes.Repeat([]byte("* 1 FETCH (BODY[] {20}\r\n01234567890123456789)\r\n"), 1+i*40)
			resp = append(resp, fmt.Sprintf("%s OK done\r\n", bytes.Fields(line)[0])...)
			if _, srvErr = srv.Write(resp); srvErr != nil {
				return
			}
			s.serverSent = append(s.serverSent, resp...)
		}
	}()
	buf := make([]byte, 1<<20)
	if _, err := readUntil(cli, buf, []byte("ready\r\n")); err != nil {
		t.Fatalf("client greeting: %v", err)
	}
	for i := 0; i < rounds; i++ {
		cmd := []byte(fmt.Sprintf("a%d FETCH 1 BODY[]\r\n", i))
		if _, err := cli.Write(cmd); err != nil {
			t.Fatalf("client write: %v", err)
		}
		s.clientSent = append(s.clientSent, cmd...)
		if _, err := readUntil(cli, buf, []byte(fmt.Sprintf("a%d OK done\r\n", i))); err != nil {
			t.Fatalf("client read: %v", err)
		}
	}
	cli.Close()
	wg.Wait()
	if srvErr != nil && srvErr != io.EOF {
		t.Fatalf("server: %v", srvErr)
	}
	s.chunks = w.chunks
	s.keylog = kl.Bytes()
	return s
}

// tcpPair returns both ends of a loopback TCP connection (net.Pipe is
// unbuffered: both sides writing at once, as in a HelloRetryRequest, would
// block each other).
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := ln.Accept(); ch <- res{c, err} }()
	cp, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("accept: %v", r.err)
	}
	return cp, r.c
}

func readLine(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for {
		k, err := r.Read(buf[n : n+1])
		n += k
		if n > 0 && buf[n-1] == '\n' {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func readUntil(r io.Reader, buf []byte, suffix []byte) ([]byte, error) {
	n := 0
	for {
		k, err := r.Read(buf[n:])
		n += k
		if bytes.HasSuffix(buf[:n], suffix) {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// decryptSession feeds a recorded session to a Conn in the order it
// happened, split into small pieces to exercise the framer.
func decryptSession(t *testing.T, s session, keys KeyLookup, split int) (*Conn, [2][]byte) {
	t.Helper()
	c := NewConn(keys, Limits{})
	var got [2][]byte
	for _, ch := range s.chunks {
		d := ch.dir
		emit := func(p []byte) { got[d] = append(got[d], p...) }
		for p := ch.data; len(p) > 0; {
			n := min(split, len(p))
			c.Feed(d, p[:n], emit)
			p = p[n:]
		}
	}
	return c, got
}

func keyLogFrom(t *testing.T, b []byte) *KeyLog {
	k := NewKeyLog()
	k.Add(b)
	if st := k.Stats(); st.Malformed != 0 || st.Entries == 0 {
		t.Fatalf("key log from crypto/tls: %+v", st)
	}
	return k
}

// checkDecrypted asserts both plaintext streams came out whole.
func checkDecrypted(t *testing.T, c *Conn, s session, got [2][]byte) {
	t.Helper()
	if !bytes.Equal(got[FromClient], s.clientSent) {
		t.Errorf("client plaintext: got %d bytes, want %d", len(got[FromClient]), len(s.clientSent))
	}
	if !bytes.Equal(got[FromServer], s.serverSent) {
		t.Errorf("server plaintext: got %d bytes, want %d", len(got[FromServer]), len(s.serverSent))
	}
	in := c.Info()
	if !in.Decrypted || !in.KeyFound || in.Counters.FailedAuth != 0 || in.Counters.Undecrypted != 0 {
		t.Errorf("info: %+v anomalies %v", in, c.Anomalies())
	}
}

func TestRoundTripTLS12Suites(t *testing.T) {
	rc, ec := testCerts(t)
	all := append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
	tested := 0
	for _, cs := range all {
		if !supportedVersion(cs, tls.VersionTLS12) {
			continue
		}
		st := lookupSuite(cs.ID)
		if st == nil || st.kind == kindNone {
			continue
		}
		for _, ver := range []uint16{tls.VersionTLS12, tls.VersionTLS11, tls.VersionTLS10} {
			if !supportedVersion(cs, ver) {
				continue
			}
			cert := rc
			if bytes.Contains([]byte(cs.Name), []byte("ECDSA")) {
				cert = ec
			}
			name := fmt.Sprintf("%s/%s", VersionName(ver), cs.Name)
			t.Run(name, func(t *testing.T) {
				scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: ver, MaxVersion: ver, CipherSuites: []uint16{cs.ID}}
				ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: ver, MaxVersion: ver, CipherSuites: []uint16{cs.ID}, ServerName: "imap.test", NextProtos: []string{"imap"}}
				s := exchange(t, ccfg, scfg, 3)
				c, got := decryptSession(t, s, keyLogFrom(t, s.keylog), 1000)
				checkDecrypted(t, c, s, got)
				in := c.Info()
				if in.Cipher != cs.Name || in.Version != VersionName(ver) || in.SNI != "imap.test" {
					t.Errorf("cipher %q version %q sni %q", in.Cipher, in.Version, in.SNI)
				}
				if in.Cert == nil || in.Cert.SubjectCN != "imap.test" || len(in.Cert.SANs) != 2 {
					t.Errorf("certificate: %+v", in.Cert)
				}
				if len(in.ALPN) != 1 || in.ALPN[0] != "imap" {
					t.Errorf("alpn %v", in.ALPN)
				}
			})
			tested++
		}
	}
	if tested < 10 {
		t.Fatalf("only %d suite/version pairs tested", tested)
	}
}

// supportedVersion reports whether crypto/tls offers cs at version v.
func supportedVersion(cs *tls.CipherSuite, v uint16) bool {
	for _, x := range cs.SupportedVersions {
		if x == v {
			return true
		}
	}
	return false
}

func TestRoundTripTLS13(t *testing.T) {
	rc, ec := testCerts(t)
	for _, cert := range []tls.Certificate{rc, ec} {
		scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
		ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, ServerName: "imap.test"}
		for _, split := range []int{1, 7, 1 << 20} {
			s := exchange(t, ccfg, scfg, 4)
			c, got := decryptSession(t, s, keyLogFrom(t, s.keylog), split)
			checkDecrypted(t, c, s, got)
			in := c.Info()
			if in.Version != "TLS 1.3" || in.Cert == nil || in.Cert.SubjectCN != "imap.test" {
				t.Errorf("split %d: info %+v", split, in)
			}
		}
	}
}

func TestRoundTripHelloRetryRequest(t *testing.T) {
	_, ec := testCerts(t)
	// The client's first key share is X25519; a server that only accepts
	// P-256 must ask again (RFC 8446 §4.1.4).
	scfg := &tls.Config{Certificates: []tls.Certificate{ec}, MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.CurveP256}}
	ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}}
	s := exchange(t, ccfg, scfg, 2)
	c, got := decryptSession(t, s, keyLogFrom(t, s.keylog), 333)
	checkDecrypted(t, c, s, got)
	if !c.Info().HelloRetry {
		t.Errorf("HelloRetryRequest not seen: %+v", c.Info())
	}
}

func TestRoundTripResumption(t *testing.T) {
	rc, _ := testCerts(t)
	for _, ver := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		scfg := &tls.Config{Certificates: []tls.Certificate{rc}, MinVersion: ver, MaxVersion: ver}
		ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: ver, MaxVersion: ver, ServerName: "imap.test",
			ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		first := exchange(t, ccfg, scfg, 1)
		second := exchange(t, ccfg, scfg, 2)
		// One key log for both, as a client appends: crypto/tls logs no
		// CLIENT_RANDOM for a resumed TLS 1.2 connection, whose master
		// secret is found by its ticket.
		keys := keyLogFrom(t, append(first.keylog, second.keylog...))
		for i, s := range []session{first, second} {
			c, got := decryptSession(t, s, keys, 4096)
			checkDecrypted(t, c, s, got)
			if in := c.Info(); in.Resumed != (i == 1) || (i == 0 && in.Counters.Tickets == 0) {
				t.Errorf("%s connection %d: resumed %v tickets %d", VersionName(ver), i, in.Resumed, in.Counters.Tickets)
			}
		}
	}
}

func TestRoundTripWithoutKeys(t *testing.T) {
	rc, _ := testCerts(t)
	scfg := &tls.Config{Certificates: []tls.Certificate{rc}, MaxVersion: tls.VersionTLS12}
	ccfg := &tls.Config{InsecureSkipVerify: true, ServerName: "imap.test"}
	s := exchange(t, ccfg, scfg, 2)
	c, got := decryptSession(t, s, NewKeyLog(), 100)
	if len(got[0])+len(got[1]) != 0 {
		t.Fatal("plaintext without keys")
	}
	in := c.Info()
	if in.Decrypted || in.KeyFound || in.Counters.Undecrypted == 0 || in.JA3 == "" || in.JA4 == "" || in.Cert == nil {
		t.Errorf("info %+v", in)
	}
}
