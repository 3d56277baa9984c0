package tlsdecrypt

import "bytes"

// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
const (
	hsClientHello         = 1
	hsServerHello         = 2
	hsNewSessionTicket    = 4
	hsEncryptedExtensions = 8
	hsCertificate         = 11
	hsFinished            = 20
	hsKeyUpdate           = 24
)

// Extension numbers used here.
const (
	extServerName       = 0
	extSupportedGroups  = 10
	extECPointFormats   = 11
	extSignatureAlgs    = 13
	extALPN             = 16
	extEncryptThenMAC   = 22
	extExtendedMaster   = 23
	extSessionTicket    = 35
	extPreSharedKey     = 41
	extSupportedVersion = 43
)

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest
// (RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest").
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// hsReassembler rebuilds one direction's handshake messages, which may
// span records, several to a record. Messages longer than max keep their
// first max bytes (counted in dropped) and are delivered truncated.
type hsReassembler struct {
	max     int
	hdr     [4]byte
	hdrN    int
	want    int    // body length from the header
	have    int    // body bytes seen, kept or not
	buf     []byte // kept body bytes
	dropped int64
}

// hsSink receives reassembled handshake messages.
type hsSink interface {
	message(typ uint8, body []byte, truncated bool)
}

// feed adds decrypted or clear handshake-record content.
func (h *hsReassembler) feed(p []byte, sink hsSink) {
	for len(p) > 0 {
		if h.hdrN < 4 {
			if h.hdrN == 0 && len(p) >= 4 {
				n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
				if len(p) >= 4+n && n <= h.max {
					sink.message(p[0], p[4:4+n], false) // whole message in p: no copy
					p = p[4+n:]
					continue
				}
			}
			k := copy(h.hdr[h.hdrN:], p)
			h.hdrN += k
			p = p[k:]
			if h.hdrN < 4 {
				return
			}
			h.want = int(h.hdr[1])<<16 | int(h.hdr[2])<<8 | int(h.hdr[3])
			h.have = 0
			h.buf = h.buf[:0]
		}
		k := min(h.want-h.have, len(p))
		keep := min(k, max(0, h.max-len(h.buf)))
		h.buf = append(h.buf, p[:keep]...)
		h.dropped += int64(k - keep)
		h.have += k
		p = p[k:]
		if h.have == h.want {
			sink.message(h.hdr[0], h.buf, h.want > len(h.buf))
			h.hdrN = 0
			if cap(h.buf) > 4<<10 {
				h.buf = nil // a certificate chain: do not keep 64 KiB per connection
			}
		}
	}
}

// maxHelloExts bounds the extension list kept inline in a hello (a longer
// list grows as usual).
const maxHelloExts = 32

// clientHello holds what is read from a ClientHello. The lists point into
// the inline arrays of store while they fit (no allocation for a usual
// hello); strings (SNI, ALPN) are interned.
type clientHello struct {
	version     uint16 // legacy_version
	random      [32]byte
	sessionID   []byte
	ciphers     []uint16
	exts        []uint16 // in order, as sent
	sni         string
	alpn        []string
	versions    []uint16 // supported_versions
	groups      []uint16
	points      []uint8
	sigAlgs     []uint16
	ticket      []byte // a non-empty session_ticket extension: resumption offered
	pskOffered  bool
	truncated   bool // the message or an extension was cut short
	ems, etm    bool
	hasALPNExts bool
	store       helloStore
}

// helloStore is the inline storage of a clientHello's lists.
type helloStore struct {
	sessionID [32]byte
	ciphers   [128]uint16
	exts      [maxHelloExts]uint16
	versions  [8]uint16
	groups    [16]uint16
	sigAlgs   [32]uint16
	points    [4]uint8
	alpn      [4]string
}

// parseClientHello reads a ClientHello body (RFC 8446 §4.1.2) into ch
// (zeroed first). It never fails: a cut-short message yields what could be
// read and truncated set.
func parseClientHello(ch *clientHello, b []byte) {
	*ch = clientHello{}
	r := reader{b: b}
	ch.version = r.u16()
	copy(ch.random[:], r.bytes(32))
	sid := r.vec8()
	ch.sessionID = append(ch.store.sessionID[:0], sid.b...)
	cs := r.vec16()
	ch.ciphers = cs.u16s(ch.store.ciphers[:0])
	r.vec8() // compression methods
	exts := r.vec16()
	ch.exts = ch.store.exts[:0]
	for len(exts.b) >= 4 {
		typ := exts.u16()
		body := exts.vec16()
		ch.exts = append(ch.exts, typ)
		ch.clientExtension(typ, body)
	}
	ch.truncated = r.bad || exts.bad || cs.bad
}

// clientExtension reads one ClientHello extension.
func (ch *clientHello) clientExtension(typ uint16, body reader) {
	switch typ {
	case extServerName:
		list := body.vec16()
		for len(list.b) >= 3 {
			nt := list.u8()
			name := list.vec16()
			if nt == 0 && !list.bad && ch.sni == "" {
				ch.sni = internPrintable(name.b)
			}
		}
	case extALPN:
		ch.hasALPNExts = true
		list := body.vec16()
		ch.alpn = ch.store.alpn[:0]
		for len(list.b) > 0 && !list.bad {
			p := list.vec8()
			if !list.bad {
				ch.alpn = append(ch.alpn, intern(p.b))
			}
		}
		if len(ch.alpn) == 0 {
			ch.alpn = nil
		}
	case extSupportedVersion:
		vs := body.vec8()
		ch.versions = vs.u16s(ch.store.versions[:0])
	case extSupportedGroups:
		g := body.vec16()
		ch.groups = g.u16s(ch.store.groups[:0])
	case extECPointFormats:
		p := body.vec8()
		ch.points = append(ch.store.points[:0], p.b...)
	case extSignatureAlgs:
		s := body.vec16()
		ch.sigAlgs = s.u16s(ch.store.sigAlgs[:0])
	case extSessionTicket:
		ch.ticket = append([]byte(nil), body.b...)
	case extPreSharedKey:
		ch.pskOffered = true
	case extExtendedMaster:
		ch.ems = true
	case extEncryptThenMAC:
		ch.etm = true
	}
}

// serverHello holds what is read from a ServerHello; the lists point into
// its inline arrays while they fit.
type serverHello struct {
	legacyVersion uint16
	version       uint16 // supported_versions' selected version, else legacy
	random        [32]byte
	sessionID     []byte
	cipher        uint16
	exts          []uint16
	hrr           bool // a HelloRetryRequest
	ems, etm      bool
	psk           bool // pre_shared_key accepted (TLS 1.3 resumption)
	truncated     bool
	sidStore      [32]byte
	extStore      [16]uint16
}

// parseServerHello reads a ServerHello or HelloRetryRequest body into sh
// (zeroed first).
func parseServerHello(sh *serverHello, b []byte) {
	*sh = serverHello{}
	r := reader{b: b}
	sh.legacyVersion = r.u16()
	sh.version = sh.legacyVersion
	copy(sh.random[:], r.bytes(32))
	sh.hrr = sh.random == helloRetryRandom
	sid := r.vec8()
	sh.sessionID = append(sh.sidStore[:0], sid.b...)
	sh.cipher = r.u16()
	r.u8() // compression method
	exts := r.vec16()
	sh.exts = sh.extStore[:0]
	for len(exts.b) >= 4 {
		typ := exts.u16()
		body := exts.vec16()
		sh.exts = append(sh.exts, typ)
		switch typ {
		case extSupportedVersion:
			if v := body.u16(); !body.bad {
				sh.version = v
			}
		case extExtendedMaster:
			sh.ems = true
		case extEncryptThenMAC:
			sh.etm = true
		case extPreSharedKey:
			sh.psk = true
		}
	}
	sh.truncated = r.bad || exts.bad
}

// leafCertificate returns the first (end-entity) certificate of a
// Certificate message; tls13 selects RFC 8446 §4.4.2's layout.
func leafCertificate(b []byte, tls13 bool) []byte {
	r := reader{b: b}
	if tls13 {
		r.vec8() // certificate_request_context
	}
	list := r.vec24() // may be cut short when the message was truncated
	n := list.u24()
	if list.bad || n == 0 || n > len(list.b) {
		return nil
	}
	return list.b[:n]
}

// sessionTicket12 returns the ticket of a TLS ≤ 1.2 NewSessionTicket
// (RFC 5077 §3.3: lifetime hint, ticket).
func sessionTicket12(b []byte) []byte {
	r := reader{b: b}
	r.bytes(4)
	t := r.vec16()
	if r.bad || len(t.b) == 0 {
		return nil
	}
	return t.b
}

// internPrintable returns b as an interned string if it is printable
// ASCII, else "".
func internPrintable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return ""
		}
	}
	return intern(b)
}

// isSessionResumed12 reports a TLS ≤ 1.2 abbreviated handshake: the server
// echoed the client's non-empty session ID.
func isSessionResumed12(ch *clientHello, sh *serverHello) bool {
	return ch != nil && len(ch.sessionID) > 0 && bytes.Equal(ch.sessionID, sh.sessionID)
}
