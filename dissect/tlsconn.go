package dissect

import (
	"sync"
	"time"

	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

// tlsDecrypter is the tlsLayer backed by tlsdecrypt: it reads the hellos
// and the certificate (fingerprints, SNI, version, cipher) and, given the
// session's key log, decrypts the records; plaintext goes up the wire to
// DEFLATE or the framer exactly like clear text.
type tlsDecrypter struct {
	s      *Session
	c      *tlsdecrypt.Conn // &conn
	opaque bool             // nothing more to learn (no keys, both sides encrypted)
	anoms  int              // tlsdecrypt anomalies already reported
	// up is each direction's sink on the wire; Plaintext marks the
	// session in_tls before passing plaintext on.
	up   [2]plainSink
	conn tlsdecrypt.Conn // inline: one allocation for both
}

// newTLSDecrypter makes the connection's TLS layer.
func newTLSDecrypter(s *Session) *tlsDecrypter {
	t := &tlsDecrypter{s: s}
	t.conn.Init(s.opts.TLSKeys, tlsdecrypt.Limits{})
	t.c = &t.conn
	return t
}

// Feed implements tlsLayer.
func (t *tlsDecrypter) Feed(dir Direction, p []byte, up plainSink) {
	if t.opaque {
		return
	}
	t.up[dir] = up
	t.c.FeedSink(int(dir), p, t)
	t.opaque = t.c.Opaque()
	t.reportAnomalies(t.s.w[dir].ts)
}

// Plaintext implements tlsdecrypt.Sink: decrypted application data of
// direction dir goes up the wire.
func (t *tlsDecrypter) Plaintext(dir int, plain []byte) {
	t.s.inTLS = true
	t.up[dir].plain(plain)
}

// Gap implements tlsLayer.
func (t *tlsDecrypter) Gap(dir Direction, n int) {
	if t.opaque {
		return
	}
	t.c.Gap(int(dir), n)
	t.reportAnomalies(t.s.w[dir].ts)
}

// tlsAnomalyKinds maps tlsdecrypt's anomaly kinds to the report's.
// tls_not_tls is not one: bytes after STARTTLS that are not TLS are the
// STARTTLS-injection and not-IMAP checks' business.
var tlsAnomalyKinds = map[string]report.AnomalyKind{
	"tls_key_missing":         report.AnomalyTLSKeyMissing,
	"tls_auth_failed":         report.AnomalyTLSAuthFailed,
	"tls_gap":                 report.AnomalyTLSGap,
	"tls_alert":               report.AnomalyTLSAlert,
	"tls_cipher_unsupported":  report.AnomalyTLSCipherUnsupported,
	"tls_handshake_truncated": report.AnomalyTLSHandshakeTruncated,
}

// reportAnomalies turns new tlsdecrypt anomalies into session anomalies.
func (t *tlsDecrypter) reportAnomalies(ts time.Time) {
	a := t.c.Anomalies()
	for ; t.anoms < len(a); t.anoms++ {
		if k, ok := tlsAnomalyKinds[a[t.anoms].Kind]; ok {
			t.s.anomaly(k, a[t.anoms].Detail, "", ts)
		}
	}
}

// fill copies what is known about the connection into the report.
func (t *tlsDecrypter) fill(rep *report.Session, at time.Time) {
	in := t.c.Info()
	rep.TLSSNI = in.SNI
	rep.TLSVersion = in.Version
	if rep.TLSVersion == "" {
		rep.TLSVersion = t.c.OfferedVersion()
	}
	rep.TLSDecrypted = in.Decrypted
	rep.TLSCipher = in.Cipher
	rep.TLSALPN = in.ALPN
	rep.JA3, rep.JA3S, rep.JA4 = in.JA3, in.JA3S, in.JA4
	if c := in.Cert; c != nil && c.ParseError == "" {
		rep.TLSCert = reportCert(c, c.ExpiredAt(at))
	}
	t.c.Release() // Session.Close is the only caller: the connection is over
	t.opaque = true
}

// certReports caches the report form of the certificates tlsdecrypt
// shares (its own cache gives one *Certificate per distinct certificate),
// so that the sessions of one server share one report.TLSCert instead of
// allocating one each. Bounded: emptied when full.
var certReports struct {
	sync.Mutex
	m map[certReportKey]*report.TLSCert
}

// certReportKey: the certificate and whether it had expired at capture
// time (the one per-session part).
type certReportKey struct {
	c       *tlsdecrypt.Certificate
	expired bool
}

// certReportsSize bounds certReports (entries).
const certReportsSize = 128

// reportCert returns the report form of c, shared between sessions:
// callers must not modify it.
func reportCert(c *tlsdecrypt.Certificate, expired bool) *report.TLSCert {
	k := certReportKey{c, expired}
	certReports.Lock()
	defer certReports.Unlock()
	if r := certReports.m[k]; r != nil {
		return r
	}
	r := &report.TLSCert{
		SubjectCN: c.SubjectCN, SANs: c.SANs[:len(c.SANs):len(c.SANs)], Issuer: c.Issuer, // shared (cached): clipped
		NotBefore: report.Time{Time: c.NotBefore}, NotAfter: report.Time{Time: c.NotAfter},
		SHA256: c.SHA256, Expired: expired,
	}
	if certReports.m == nil || len(certReports.m) >= certReportsSize {
		certReports.m = make(map[certReportKey]*report.TLSCert, certReportsSize)
	}
	certReports.m[k] = r
	return r
}
