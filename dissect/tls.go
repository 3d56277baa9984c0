package dissect

import (
	"time"

	"github.com/imapscope/imapscope/report"
)

// tlsLayer is a connection's TLS record layer. One object serves both
// directions (a handshake is read across them); each wire's tlsSlot feeds
// it that direction's records, and plaintext it passes to emit goes up that
// wire: to DEFLATE if COMPRESS follows, then to the framer.
//
// The tlsLayer is tlsDecrypter (tlsconn.go), installed in Session.startTLS
// and Session.sniffFirst.
type tlsLayer interface {
	// Feed consumes record bytes of dir (borrowed) and passes the
	// plaintext they complete to up (borrowed, valid during the call).
	Feed(dir Direction, p []byte, up plainSink)
	// Gap reports that n > 0 bytes of dir were lost.
	Gap(dir Direction, n int)
}

// plainSink receives a tlsLayer's plaintext for the layer above.
type plainSink interface {
	plain(p []byte)
}

// tlsSlot is a wire's place for the connection's tlsLayer. It is the
// layer's plainSink (an interface on the wire's own struct, not a closure
// allocated per connection).
type tlsSlot struct {
	conn    tlsLayer
	w       *wire // set by write: plain hands plaintext to layer lvl+1
	lvl     int
	records int64 // bytes of TLS records seen
	stopped bool
}

// plain implements plainSink.
func (t *tlsSlot) plain(p []byte) { t.w.deliver(t.lvl+1, t.w.ts, p) }

func (t *tlsSlot) write(w *wire, lvl int, ts time.Time, p []byte) {
	if w.dir == FromServer && t.records == 0 {
		w.s.serverAfterStartTLS(p, ts) // plain text instead of a handshake
	}
	t.records += int64(len(p))
	if t.stopped {
		return
	}
	t.w, t.lvl = w, lvl
	t.conn.Feed(w.dir, p, t)
}

func (t *tlsSlot) gap(w *wire, _ int, _ time.Time, n int) {
	if !t.stopped {
		t.conn.Gap(w.dir, n)
	}
}

func (t *tlsSlot) stop() { t.stopped = true }

// startTLS puts TLS under both directions after STARTTLS's OK. This, and
// sniffFirst for implicit TLS, is where a decrypting tlsLayer is chosen
// instead of the sniffer.
func (s *Session) startTLS() {
	s.rep.TLS = true
	s.rep.StartTLS = true
	s.installTLS()
}

// installTLS puts the connection's TLS layer on both wires.
func (s *Session) installTLS() {
	if s.tls == nil {
		s.tls = newTLSDecrypter(s)
	}
	s.w[FromClient].startTLS(s.tls)
	s.w[FromServer].startTLS(s.tls)
}

// sniffFirst looks at a direction's first bytes for TLS or another protocol
// before any IMAP parsing, switching the session to TLS or not-IMAP.
func (s *Session) sniffFirst(ts time.Time, p []byte) {
	if s.imapSeen {
		return
	}
	if p[0] == 0x16 && (len(p) < 2 || p[1] == 0x03) {
		s.rep.TLS = true
		s.installTLS()
		return
	}
	for _, sig := range [...]struct{ prefix, name string }{
		{"GET ", "HTTP"}, {"POST ", "HTTP"}, {"HEAD ", "HTTP"}, {"PUT ", "HTTP"},
		{"HTTP/", "HTTP"}, {"SSH-", "SSH"}, {"220 ", "SMTP or FTP"}, {"+OK", "POP3"},
	} {
		if len(p) >= len(sig.prefix) && string(p[:len(sig.prefix)]) == sig.prefix {
			s.notIMAP(sig.name, ts)
			return
		}
	}
}

// notIMAP gives up on the session: it is some other protocol.
func (s *Session) notIMAP(what string, ts time.Time) {
	if s.rep.NotIMAP == "" {
		s.rep.NotIMAP = what
		s.anomaly(report.AnomalyNotIMAP, "traffic on an IMAP port is not IMAP ("+what+"); not dissected", "", ts)
	}
	s.w[FromClient].stopDissecting()
	s.w[FromServer].stopDissecting()
}
