package dissect

import (
	"encoding/binary"
	"time"

	"github.com/imapscope/imapscope/report"
)

// maxTLSSniff bounds the bytes kept per direction to read a TLS hello.
const maxTLSSniff = 16 << 10

// tlsLayer is a connection's TLS record layer. One object serves both
// directions (a handshake is read across them); each wire's tlsSlot feeds
// it that direction's records, and plaintext it passes to emit goes up that
// wire: to DEFLATE if COMPRESS follows, then to the framer.
//
// The only tlsLayer today is tlsSniffer, which reads the hellos and
// decrypts nothing. A decrypting layer (given the session's keys) is
// installed in its place in Session.startTLS and Session.sniffFirst.
type tlsLayer interface {
	// Feed consumes record bytes of dir (borrowed) and calls emit with the
	// plaintext they complete (borrowed, valid during the call).
	Feed(dir Direction, p []byte, emit func(plain []byte))
	// Gap reports that n > 0 bytes of dir were lost.
	Gap(dir Direction, n int)
}

// tlsSlot is a wire's place for the connection's tlsLayer.
type tlsSlot struct {
	conn    tlsLayer
	emit    func(plain []byte) // hands plaintext to the layer above
	records int64              // bytes of TLS records seen
	stopped bool
}

func (t *tlsSlot) write(w *wire, lvl int, ts time.Time, p []byte) {
	t.records += int64(len(p))
	if t.stopped {
		return
	}
	if t.emit == nil {
		t.emit = func(plain []byte) { w.deliver(lvl+1, w.ts, plain) }
	}
	t.conn.Feed(w.dir, p, t.emit)
}

func (t *tlsSlot) gap(w *wire, _ int, _ time.Time, n int) {
	if !t.stopped {
		t.conn.Gap(w.dir, n)
	}
}

func (t *tlsSlot) stop() { t.stopped = true }

// tlsSniffer is the tlsLayer that reads the ClientHello and ServerHello
// following STARTTLS (or opening an implicit-TLS connection) to learn the
// SNI and the TLS version. It decrypts nothing: emit is never called.
type tlsSniffer struct {
	rep  *report.Session
	buf  [2][]byte
	done [2]bool
}

// Gap implements tlsLayer: a hello cut by a loss is parsed as far as it goes.
func (z *tlsSniffer) Gap(dir Direction, _ int) {}

// Feed implements tlsLayer.
func (z *tlsSniffer) Feed(dir Direction, p []byte, _ func([]byte)) {
	if z.done[dir] {
		return
	}
	room := maxTLSSniff - len(z.buf[dir])
	if len(p) > room {
		p = p[:room]
	}
	z.buf[dir] = append(z.buf[dir], p...)
	b := z.buf[dir]
	// Record header: type(1) version(2) length(2); handshake header: type(1) length(3).
	if len(b) < 9 {
		return
	}
	if b[0] != 0x16 {
		z.finish(dir)
		return
	}
	recLen := int(binary.BigEndian.Uint16(b[3:5]))
	hsLen := int(b[6])<<16 | int(b[7])<<8 | int(b[8])
	need := 9 + hsLen
	if hsLen > recLen-4 {
		need = 5 + recLen // the hello spans records: parse what the first holds
	}
	if len(b) < need && len(b) < maxTLSSniff {
		return
	}
	if need > len(b) {
		need = len(b)
	}
	hs := b[9:need]
	switch b[5] {
	case 1:
		if sni, _ := parseHello(hs, true); sni != "" {
			z.rep.TLSSNI = sni
		}
	case 2:
		if _, ver := parseHello(hs, false); ver != 0 {
			z.rep.TLSVersion = tlsVersionName(ver)
		}
	}
	z.finish(dir)
}

// finish stops sniffing dir and frees its buffer.
func (z *tlsSniffer) finish(dir Direction) {
	z.done[dir] = true
	z.buf[dir] = nil
}

// parseHello extracts the SNI (ClientHello) and the version (the highest
// offered by a client, or the one chosen by a server).
func parseHello(h []byte, client bool) (sni string, version uint16) {
	r := reader{b: h}
	version = r.u16()
	r.skip(32) // random
	r.skip(int(r.u8()))
	if client {
		r.skip(int(r.u16())) // cipher suites
		r.skip(int(r.u8()))  // compression methods
	} else {
		r.skip(2) // cipher suite
		r.skip(1) // compression method
	}
	ext := reader{b: r.bytes(int(r.u16()))}
	for !ext.bad && len(ext.b) >= 4 {
		typ := ext.u16()
		body := reader{b: ext.bytes(int(ext.u16()))}
		switch typ {
		case 0: // server_name
			if client {
				list := reader{b: body.bytes(int(body.u16()))}
				for !list.bad && len(list.b) >= 3 {
					nt := list.u8()
					name := list.bytes(int(list.u16()))
					if nt == 0 && !list.bad && printable(name) {
						sni = string(name)
					}
				}
			}
		case 43: // supported_versions
			if client {
				vs := reader{b: body.bytes(int(body.u8()))}
				for !vs.bad && len(vs.b) >= 2 {
					if v := vs.u16(); v&0x0f0f != 0x0a0a && v > version {
						version = v // ignore GREASE values
					}
				}
			} else if v := body.u16(); !body.bad {
				version = v
			}
		}
	}
	if r.bad && version == 0 {
		return sni, 0
	}
	return sni, version
}

// tlsVersionName names a TLS protocol version number.
func tlsVersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return "unknown"
}

// reader is a bounds-checked big-endian reader; any overrun sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u8() uint8 {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() uint16 {
	if len(r.b) < 2 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n > len(r.b) {
		r.bad = true
		v := r.b
		r.b = nil
		return v
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

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
	s.tls.rep = s.rep
	s.w[FromClient].startTLS(&s.tls)
	s.w[FromServer].startTLS(&s.tls)
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
