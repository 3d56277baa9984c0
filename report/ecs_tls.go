package report

import "strings"

// The tls.* fields of the ECS events (ECS 9.4.0 names). Every event of a
// TLS session carries the handshake facts (version, cipher, SNI, JA3,
// JA3S, JA4); the session event adds the server certificate. ECS 9.4.0 has
// no field for JA4: it is tls.client.ja4, beside tls.client.ja3 (the one
// tls.* name that is not ECS's). ECS has no field for the client's ALPN
// list or for "decrypted with a key log" either: those are imap.tls.*
// (imapscope's own field set).

type ecsTLS struct {
	Established     bool          `json:"established"`
	Version         string        `json:"version,omitempty"`
	VersionProtocol string        `json:"version_protocol,omitempty"`
	Cipher          string        `json:"cipher,omitempty"`
	Client          *ecsTLSClient `json:"client,omitempty"`
	Server          *ecsTLSServer `json:"server,omitempty"`
}

type ecsTLSClient struct {
	ServerName string `json:"server_name,omitempty"`
	JA3        string `json:"ja3,omitempty"`
	// JA4 is not an ECS 9.4.0 field; it sits beside JA3.
	JA4 string `json:"ja4,omitempty"`
}

// ecsTLSServer is tls.server.*: the JA3S fingerprint and the certificate,
// both as the x509 field set and as the older flat tls.server fields
// (hash.sha256, issuer, not_before, not_after) that ECS still defines.
type ecsTLSServer struct {
	JA3S      string      `json:"ja3s,omitempty"`
	Hash      *ecsTLSHash `json:"hash,omitempty"`
	Issuer    string      `json:"issuer,omitempty"`
	NotBefore string      `json:"not_before,omitempty"`
	NotAfter  string      `json:"not_after,omitempty"`
	X509      *ecsTLSX509 `json:"x509,omitempty"`
}

type ecsTLSHash struct {
	SHA256 string `json:"sha256"` // upper case, as ECS asks
}

type ecsTLSX509 struct {
	AlternativeNames []string     `json:"alternative_names,omitempty"`
	Issuer           *ecsX509Name `json:"issuer,omitempty"`
	Subject          *ecsX509Name `json:"subject,omitempty"`
	NotBefore        string       `json:"not_before,omitempty"`
	NotAfter         string       `json:"not_after,omitempty"`
}

// ecsX509Name is an x509 issuer or subject: common_name is a list in ECS.
type ecsX509Name struct {
	CommonName        []string `json:"common_name,omitempty"`
	DistinguishedName string   `json:"distinguished_name,omitempty"`
}

// ecsIMAPTLS is imap.tls.*: what ECS has no field for.
type ecsIMAPTLS struct {
	// ALPN is the client's offered list (tls.next_protocol would be the
	// negotiated protocol, which imapscope does not report).
	ALPN []string `json:"alpn,omitempty"`
	// Decrypted: records of the session were decrypted with a key log.
	Decrypted bool `json:"decrypted,omitempty"`
	// CertExpired: the capture time was past the certificate's not_after.
	CertExpired bool `json:"cert_expired,omitempty"`
}

// newECSTLS returns the tls.* and imap.tls.* fields every event of s
// shares; both nil when the session did not use TLS.
func newECSTLS(s *Session) (*ecsTLS, *ecsIMAPTLS) {
	if !s.TLS {
		return nil, nil
	}
	v, proto := ecsTLSVersion(s.TLSVersion)
	t := &ecsTLS{Established: true, Version: v, VersionProtocol: proto, Cipher: s.TLSCipher}
	if s.TLSSNI != "" || s.JA3 != "" || s.JA4 != "" {
		t.Client = &ecsTLSClient{ServerName: s.TLSSNI, JA3: s.JA3, JA4: s.JA4}
	}
	if s.JA3S != "" {
		t.Server = &ecsTLSServer{JA3S: s.JA3S}
	}
	var im *ecsIMAPTLS
	if len(s.TLSALPN) > 0 || s.TLSDecrypted || (s.TLSCert != nil && s.TLSCert.Expired) {
		im = &ecsIMAPTLS{ALPN: s.TLSALPN, Decrypted: s.TLSDecrypted, CertExpired: s.TLSCert != nil && s.TLSCert.Expired}
	}
	return t, im
}

// withECSCert returns a copy of t (shared by the session's events) with
// the server certificate c added; t itself when there is nothing to add.
func withECSCert(t *ecsTLS, c *TLSCert) *ecsTLS {
	if t == nil || c == nil {
		return t
	}
	cp := *t
	srv := ecsTLSServer{}
	if t.Server != nil {
		srv = *t.Server
	}
	x := &ecsTLSX509{AlternativeNames: c.SANs, NotBefore: ecsTime(c.NotBefore), NotAfter: ecsTime(c.NotAfter)}
	if c.Issuer != "" {
		x.Issuer = &ecsX509Name{DistinguishedName: c.Issuer}
	}
	if c.SubjectCN != "" {
		x.Subject = &ecsX509Name{CommonName: []string{c.SubjectCN}}
	}
	srv.X509 = x
	if c.SHA256 != "" {
		srv.Hash = &ecsTLSHash{SHA256: strings.ToUpper(c.SHA256)}
	}
	srv.Issuer, srv.NotBefore, srv.NotAfter = c.Issuer, x.NotBefore, x.NotAfter
	cp.Server = &srv
	return &cp
}

// ecsTLSVersion splits a version as the dissector names it ("TLS 1.3",
// "SSL 3.0") into ECS's tls.version ("1.3") and tls.version_protocol
// ("tls"); both are empty when unknown.
func ecsTLSVersion(v string) (version, protocol string) {
	proto, num, ok := strings.Cut(v, " ")
	if !ok || num == "" {
		return "", ""
	}
	return num, strings.ToLower(proto)
}
