package tlsdecrypt

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"time"
)

// Certificate describes a server's end-entity certificate.
type Certificate struct {
	SubjectCN string
	SANs      []string // DNS names, IP addresses, e-mail addresses, URIs
	Issuer    string   // RFC 2253 form
	NotBefore time.Time
	NotAfter  time.Time
	SHA256    string // hex fingerprint of the DER encoding
	// ParseError is set when crypto/x509 rejected the DER (the fingerprint
	// is still given).
	ParseError string
}

// ExpiredAt reports whether the certificate was past its NotAfter at t.
func (c *Certificate) ExpiredAt(t time.Time) bool {
	return c != nil && !c.NotAfter.IsZero() && t.After(c.NotAfter)
}

// parseCertificate describes a DER certificate.
func parseCertificate(der []byte) *Certificate {
	sum := sha256.Sum256(der)
	c := &Certificate{SHA256: hex.EncodeToString(sum[:])}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		c.ParseError = "tlsdecrypt: certificate: " + err.Error()
		return c
	}
	c.SubjectCN = x.Subject.CommonName
	c.Issuer = x.Issuer.String()
	c.NotBefore, c.NotAfter = x.NotBefore.UTC(), x.NotAfter.UTC()
	c.SANs = append(c.SANs, x.DNSNames...)
	for _, ip := range x.IPAddresses {
		c.SANs = append(c.SANs, ip.String())
	}
	c.SANs = append(c.SANs, x.EmailAddresses...)
	for _, u := range x.URIs {
		c.SANs = append(c.SANs, u.String())
	}
	return c
}
