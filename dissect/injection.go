package dissect

import (
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// STARTTLS command injection (CVE-2011-0411 and its kin in many IMAP, POP3
// and SMTP servers): bytes a client sends after STARTTLS but before the
// server's answer to it are read by a vulnerable server from its plain-text
// buffer after the TLS handshake, as if the client had sent them
// encrypted. A man in the middle appends commands to the client's STARTTLS
// segment this way. The same holds the other way round: plain text a
// server sends after its tagged OK and before the handshake is read by a
// vulnerable client as if it came over TLS (response injection).

// tlsInjection follows a STARTTLS that is awaiting its answer.
type tlsInjection struct {
	pending *txn // the STARTTLS sent and not yet answered
	// serverChecked: the server's first bytes after its OK were looked at.
	serverChecked bool
}

// checkInjection marks t when it was sent while a STARTTLS awaited its
// answer: the session's user is then not taken from it, and it is reported
// as anomaly starttls_injection.
func (s *Session) checkInjection(t *txn, ts time.Time) {
	if p := s.inj.pending; p != nil && p != t && !p.done {
		t.injected = true
		t.note(noteInjected)
		s.anomaly(report.AnomalyStartTLSInjection, "client sent "+t.t.Command+" after STARTTLS "+p.t.Tag+
			" before the server's answer: a vulnerable server runs it as if sent over TLS (CVE-2011-0411 pattern)", t.t.Tag, ts)
	}
	if t.kind == kStartTLS {
		s.inj.pending = t
	}
}

// checkInjectedLine reports a client line that is not a command (so got no
// transaction) sent while a STARTTLS awaited its answer.
func (s *Session) checkInjectedLine(ts time.Time, line []byte) {
	if p := s.inj.pending; p != nil && !p.done {
		s.anomaly(report.AnomalyStartTLSInjection, "client sent "+strconv.Itoa(len(line))+
			" bytes that are not a command after STARTTLS "+p.t.Tag+" before the server's answer", p.t.Tag, ts)
	}
}

// serverAfterStartTLS looks at the server's first bytes after its OK to
// STARTTLS: anything but a TLS record is plain text a vulnerable client
// takes as sent over TLS.
func (s *Session) serverAfterStartTLS(p []byte, ts time.Time) {
	if s.inj.serverChecked || !s.rep.StartTLS || len(p) == 0 {
		return
	}
	s.inj.serverChecked = true
	if isTLSRecordType(p[0]) {
		return
	}
	tag := ""
	if s.inj.pending != nil {
		tag = s.inj.pending.t.Tag
	}
	s.anomaly(report.AnomalyStartTLSInjection, "server sent plain text after its OK to STARTTLS, before the TLS handshake: a vulnerable client reads it as if sent over TLS", tag, ts)
}

// isTLSRecordType reports whether c is a TLS record content type
// (change_cipher_spec, alert, handshake, application_data).
func isTLSRecordType(c byte) bool { return c >= 0x14 && c <= 0x17 }
