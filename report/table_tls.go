package report

import (
	"errors"
	"slices"
	"strings"
)

// The session table's TLS column: the negotiated version and a short name
// of the cipher suite, with "dec" when records were decrypted with a key
// log, e.g. "1.3 AES256-GCM dec", "1.2 CHACHA20", "1.3" (no ServerHello
// seen). Empty for a clear-text session. The full IANA name is in the JSON
// (tls_cipher) and the session's "tls:" note line.

// tlsColumn is the session table's TLS column (listed in sessionColumns).
var tlsColumn = column[*Session]{"tls", "TLS", false, func(s *Session, _ *TableOptions) string { return tlsCell(s) }}

// tlsCell is the TLS column's cell of s.
func tlsCell(s *Session) string {
	if !s.TLS {
		return ""
	}
	v := strings.TrimPrefix(s.TLSVersion, "TLS ")
	parts := make([]string, 0, 3)
	if v != "" {
		parts = append(parts, EscapeControl(v))
	}
	if c := shortCipher(s.TLSCipher); c != "" {
		parts = append(parts, c)
	}
	if s.TLSDecrypted {
		parts = append(parts, "dec")
	}
	if len(parts) == 0 {
		return "yes" // TLS seen, nothing of the handshake readable
	}
	return strings.Join(parts, " ")
}

// shortCipher names an IANA cipher suite by its bulk cipher only:
// TLS_AES_256_GCM_SHA384 and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 are both
// "AES256-GCM", *_CHACHA20_POLY1305_* is "CHACHA20", *_AES_128_CBC_SHA256
// "AES128-CBC". A name it does not know is kept whole (escaped).
func shortCipher(iana string) string {
	if iana == "" {
		return ""
	}
	bulk := iana
	if _, after, ok := strings.Cut(iana, "_WITH_"); ok {
		bulk = after
	} else {
		bulk = strings.TrimPrefix(iana, "TLS_")
	}
	switch {
	case strings.HasPrefix(bulk, "CHACHA20_POLY1305"):
		return "CHACHA20"
	case strings.HasPrefix(bulk, "AES_"):
		f := strings.Split(bulk, "_") // AES, 128, GCM|CBC|CCM, ...
		if len(f) >= 3 {
			return "AES" + f[1] + "-" + f[2]
		}
	}
	return EscapeControl(iana)
}

// tlsColumnIfUsed drops the TLS column from the default session columns
// when no session of r used TLS (clear-text captures keep their width); a
// column chosen with TableOptions.Columns is always shown. A spilled
// report is asked through its source (TLSFact, or one pass stopped at the
// first TLS session). A read error keeps the column: the
// table's own pass then reports it.
func tlsColumnIfUsed(cols []column[*Session], r *Report, o TableOptions) []column[*Session] {
	if len(o.Columns) > 0 || anyTLS(r) {
		return cols
	}
	return slices.DeleteFunc(slices.Clone(cols), func(c column[*Session]) bool { return c.key == "tls" })
}

// errFoundTLS stops anyTLS's pass at the first TLS session.
var errFoundTLS = errors.New("report: a TLS session")

// TLSFact is what a SessionSource may know of its sessions without reading
// them: whether any used TLS (the table's TLS column is shown then).
type TLSFact interface {
	AnyTLS() bool
}

// anyTLS reports whether a session of r used TLS (true when r cannot be
// read): from the source's TLSFact when it has one, else by one pass.
func anyTLS(r *Report) bool {
	if f, ok := r.Source.(TLSFact); ok {
		return f.AnyTLS()
	}
	err := r.eachSession(func(_ int, s *Session) error {
		if s.TLS {
			return errFoundTLS
		}
		return nil
	})
	return err != nil
}
