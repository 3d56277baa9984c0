package dissect

import (
	"bytes"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imapscope/imapscope/report"
)

// startAuth begins an AUTHENTICATE exchange from its command line: the
// mechanism is the first argument, when the position scan could delimit it
// as a mechanism name (sec), and an initial response may follow it
// (SASL-IR, RFC 4959). The response is read here, from the line itself:
// it never reaches the arguments unless secrets were asked for.
func (s *Session) startAuth(t *txn, line []byte, sec lineSecret, ts time.Time) {
	switch {
	case sec.value != nil:
		t.mech = upperASCII(sec.value)
	case s.opts.ShowSecrets && sec.kind == secAuth && sec.argStart < len(line):
		t.mech = upperASCII(line[sec.argStart:wordEnd(line, sec.argStart)])
	}
	if t.mech == "" {
		return
	}
	s.lastMech = t.mech
	i := sec.argEnd
	for i < len(line) && isSeparator(line[i]) {
		i++
	}
	if i == len(line) {
		return
	}
	ir := line[i:wordEnd(line, i)]
	t.saslInitial = true
	kind := tokAtom
	if ir[0] == '"' || ir[0] == '{' || ir[0] == '~' {
		kind = tokQuoted // not base64: its identity is not decoded
	}
	s.keepSASL(t, ir)
	s.saslIdentity(t, ir, kind, ts)
}

// wordEnd returns the index of the first separator in line at or after i.
func wordEnd(line []byte, i int) int {
	for i < len(line) && !isSeparator(line[i]) {
		i++
	}
	return i
}

// saslResponse handles one client line of an AUTHENTICATE exchange.
func (s *Session) saslResponse(t *txn, line []byte, ts time.Time) {
	if len(line) == 1 && line[0] == '*' {
		t.aborted = true
		t.note(noteAborted)
		return
	}
	s.keepSASL(t, line)
	s.saslIdentity(t, line, tokAtom, ts)
}

// maxSASLKept bounds the SASL responses kept per transaction.
const maxSASLKept = 8

// keepSASL records a SASL response for display, only when secrets were
// asked for: decoded when it is base64 of text, as sent otherwise.
func (s *Session) keepSASL(t *txn, b64 []byte) {
	if !s.opts.ShowSecrets || len(t.t.SASL) >= maxSASLKept {
		return
	}
	if len(b64) > 1024 {
		b64 = b64[:1024]
	}
	v := string(b64)
	if dec, err := base64.StdEncoding.DecodeString(v); err == nil && utf8.Valid(dec) {
		v = strings.Map(func(r rune) rune {
			if r < ' ' {
				return '^' // authzid/authcid/password separators in PLAIN
			}
			return r
		}, string(dec))
	}
	t.t.SASL = append(t.t.SASL, v)
}

// saslIdentity decodes a base64 SASL response far enough to learn the
// authentication identity. Secrets are decoded only in memory and never kept.
func (s *Session) saslIdentity(t *txn, b64 []byte, kind int, ts time.Time) {
	t.saslStep++
	if kind != tokAtom || len(b64) == 0 || len(b64) > 16<<10 {
		return
	}
	if len(b64) == 1 && b64[0] == '=' {
		return // empty initial response
	}
	dec := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(dec, b64)
	if err != nil || (t.mech == "LOGIN" && !printable(dec[:n])) {
		// Some clients send AUTHENTICATE LOGIN's user name in clear.
		if t.mech == "LOGIN" && t.saslStep == 1 && printable(b64) {
			s.anomaly(report.AnomalySASLNotBase64, "AUTHENTICATE LOGIN user name sent without base64 encoding", t.t.Tag, ts)
			if validUser(b64) && !t.injected {
				s.rep.User = string(b64)
			}
		}
		return
	}
	dec = dec[:n]
	user := ""
	switch t.mech {
	case "PLAIN":
		// authzid NUL authcid NUL passwd (RFC 4616)
		if parts := bytes.SplitN(dec, []byte{0}, 3); len(parts) == 3 {
			user = string(parts[1])
		}
	case "LOGIN":
		if t.saslStep == 1 {
			user = string(dec)
		}
	case "CRAM-MD5":
		if i := bytes.LastIndexByte(dec, ' '); i > 0 {
			user = string(dec[:i])
		}
	case "XOAUTH2":
		for _, f := range bytes.Split(dec, []byte{1}) {
			if bytes.HasPrefix(f, []byte("user=")) {
				user = string(f[5:])
			}
		}
	case "OAUTHBEARER":
		// gs2-header: n,a=user,
		if i := bytes.IndexByte(dec, 1); i > 0 {
			for _, f := range bytes.Split(dec[:i], []byte(",")) {
				if bytes.HasPrefix(f, []byte("a=")) {
					user = string(f[2:])
				}
			}
		}
	}
	for i := range dec {
		dec[i] = 0
	}
	if validUser([]byte(user)) && !t.injected {
		s.rep.User = user
	}
}
