package benchgen

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// TLS mode: every session is real TLS made by crypto/tls — a client and a
// server tls.Conn joined by an in-memory transport that records what each
// side writes. The handshake's flights become the first steps of the
// session; each IMAP message is then written through the sending side's
// tls.Conn and its records are what the capture carries. The client's
// Config.KeyLogWriter writes the NSS key log.
//
// crypto/tls draws its randoms and key shares from crypto/rand, so a TLSOn
// capture is not byte-identical from run to run: its sessions, messages,
// record and packet sizes, times and counts are (all sizes are fixed:
// X25519 shares, Ed25519 signatures), its ciphertext and key log are not.

// TLSServerName is the SNI the clients send and the certificate's name.
const TLSServerName = "imap.bench.example"

// tlsSetup is the per-capture TLS material: one self-signed Ed25519
// certificate (deterministic signatures, fixed sizes) and the configs.
type tlsSetup struct {
	server   *tls.Config
	client13 *tls.Config
	client12 *tls.Config
	share12  float64
}

// newTLSSetup makes the certificate and configs of a capture.
func newTLSSetup(o Options) (*tlsSetup, error) {
	var seed [ed25519.SeedSize]byte
	r := rand.NewChaCha8([32]byte{byte(o.Seed), byte(o.Seed >> 8), byte(o.Seed >> 16), byte(o.Seed >> 24), 't', 'l', 's'})
	_, _ = r.Read(seed[:])
	key := ed25519.NewKeyFromSeed(seed[:])
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(o.Seed) + 1),
		Subject:      pkix.Name{CommonName: TLSServerName},
		DNSNames:     []string{TLSServerName},
		NotBefore:    baseTime.Add(-24 * time.Hour),
		NotAfter:     baseTime.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("benchgen: tls certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("benchgen: tls certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	now := func() time.Time { return baseTime }
	srv := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		Time:         now,
	}
	c13 := &tls.Config{
		ServerName: TLSServerName, RootCAs: roots, Time: now, MinVersion: tls.VersionTLS13,
		KeyLogWriter: o.KeyLog, NextProtos: []string{"imap"},
	}
	c12 := &tls.Config{
		ServerName: TLSServerName, RootCAs: roots, Time: now, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		KeyLogWriter: o.KeyLog, NextProtos: []string{"imap"},
	}
	return &tlsSetup{server: srv, client13: c13, client12: c12, share12: o.TLS12Share}, nil
}

// flight is the bytes one side wrote in a row during the handshake.
type flight struct {
	from dir
	b    []byte
}

// tlsPair is one TLS connection: both ends and the bytes they wrote.
type tlsPair struct {
	mu      sync.Mutex
	cond    *sync.Cond
	in      [2][]byte // unread bytes sent to each side (handshake only)
	flights []flight  // the handshake, in write order
	done    bool      // handshake over: writes go to out only
	out     [2][]byte // records written by each side since the last seal
	conns   [2]*tls.Conn
}

// newTLSPair runs a handshake between a client (TLS 1.2 when tls12) and
// the server and returns the connection, its flights recorded.
func (ts *tlsSetup) newTLSPair(tls12 bool) (*tlsPair, error) {
	p := &tlsPair{}
	p.cond = sync.NewCond(&p.mu)
	cc := ts.client13
	if tls12 {
		cc = ts.client12
	}
	p.conns[client] = tls.Client(&pairEnd{p: p, d: client}, cc)
	p.conns[server] = tls.Server(&pairEnd{p: p, d: server}, ts.server)
	errc := make(chan error, 1)
	go func() { errc <- p.conns[server].Handshake() }()
	cerr := p.conns[client].Handshake()
	if cerr != nil {
		p.close() // unblocks the server
	}
	serr := <-errc
	if err := errors.Join(cerr, serr); err != nil {
		return nil, fmt.Errorf("benchgen: tls handshake: %w", err)
	}
	p.mu.Lock()
	p.done = true
	p.in = [2][]byte{}
	p.mu.Unlock()
	return p, nil
}

// close makes blocked reads fail.
func (p *tlsPair) close() {
	p.mu.Lock()
	p.done = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// seal encrypts plain as side d's application data and returns the
// records; the result is valid until the next seal by d.
func (p *tlsPair) seal(d dir, plain []byte) ([]byte, error) {
	p.out[d] = p.out[d][:0]
	if _, err := p.conns[d].Write(plain); err != nil {
		return nil, fmt.Errorf("benchgen: tls write: %w", err)
	}
	return p.out[d], nil
}

// pairEnd is one side's transport (a net.Conn): writes are recorded, and
// during the handshake also delivered to the other side's reads.
type pairEnd struct {
	p *tlsPair
	d dir
}

func (e *pairEnd) Write(b []byte) (int, error) {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		p.out[e.d] = append(p.out[e.d], b...)
		return len(b), nil
	}
	if n := len(p.flights); n > 0 && p.flights[n-1].from == e.d {
		p.flights[n-1].b = append(p.flights[n-1].b, b...)
	} else {
		p.flights = append(p.flights, flight{from: e.d, b: append([]byte(nil), b...)})
	}
	p.in[1-e.d] = append(p.in[1-e.d], b...)
	p.cond.Broadcast()
	return len(b), nil
}

func (e *pairEnd) Read(b []byte) (int, error) {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in[e.d]) == 0 {
		if p.done {
			return 0, io.EOF
		}
		p.cond.Wait()
	}
	n := copy(b, p.in[e.d])
	p.in[e.d] = p.in[e.d][n:]
	return n, nil
}

func (e *pairEnd) Close() error                     { return nil }
func (e *pairEnd) LocalAddr() net.Addr              { return pairAddr{} }
func (e *pairEnd) RemoteAddr() net.Addr             { return pairAddr{} }
func (e *pairEnd) SetDeadline(time.Time) error      { return nil }
func (e *pairEnd) SetReadDeadline(time.Time) error  { return nil }
func (e *pairEnd) SetWriteDeadline(time.Time) error { return nil }

// pairAddr is the address of both ends of a tlsPair.
type pairAddr struct{}

func (pairAddr) Network() string { return "memory" }
func (pairAddr) String() string  { return "benchgen" }
