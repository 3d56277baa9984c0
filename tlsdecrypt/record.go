package tlsdecrypt

import "encoding/binary"

// Record-layer limits (RFC 8446 §5.2, RFC 5246 §6.2.3).
const (
	recordHeaderLen = 5
	// maxCiphertext is the largest record body accepted: 2^14 + 2048.
	maxCiphertext = 1<<14 + 2048
	// maxPlausibleLen is the largest body a resynchronising framer believes
	// in (2^14 + 256, TLS 1.3's bound, which real 1.2 stacks also respect).
	maxPlausibleLen = 1<<14 + 256
)

// TLS content types.
const (
	typeChangeCipherSpec = 20
	typeAlert            = 21
	typeHandshake        = 22
	typeApplicationData  = 23
	typeHeartbeat        = 24
)

// recordSink receives the records a framer cuts. resync is true when the
// record was found by scanning after a gap; the sink returns whether it
// believes the record (for an encrypted record: whether it authenticated).
// A record the sink rejects while resync is true is skipped by one byte.
type recordSink interface {
	record(typ uint8, version uint16, body []byte, resync bool) bool
}

// framer cuts one direction's byte stream into TLS records. It is push
// based: fed arbitrary slices, it buffers at most one record.
type framer struct {
	buf    []byte // an incomplete record, or bytes being scanned after a gap (pooled; nil when none)
	skip   int    // bytes of a damaged record still to discard
	resync bool   // after a gap at an unknown record boundary: scanning
	bad    bool   // a header was implausible: the direction is not TLS
}

// plausibleHeader reports whether h starts like a TLS record header.
func plausibleHeader(h []byte) bool {
	if len(h) < recordHeaderLen {
		return false
	}
	if h[0] < typeChangeCipherSpec || h[0] > typeHeartbeat || h[1] != 3 || h[2] > 4 {
		return false
	}
	return int(binary.BigEndian.Uint16(h[3:5])) <= maxPlausibleLen
}

// feed cuts p into records for sink. p is borrowed: complete records are
// passed straight from p, only a record split across calls is copied.
func (f *framer) feed(p []byte, sink recordSink) {
	if f.bad {
		return
	}
	if f.skip > 0 {
		n := min(f.skip, len(p))
		f.skip -= n
		p = p[n:]
	}
	if f.resync {
		if f.buf == nil {
			f.buf = getRecordBuf()
		}
		f.buf = append(f.buf, p...)
		f.scan(sink)
		return
	}
	if len(f.buf) > 0 {
		p = f.fill(p, sink)
	}
	for len(p) >= recordHeaderLen && !f.bad {
		n := int(binary.BigEndian.Uint16(p[3:5]))
		if !f.headerOK(p) {
			return
		}
		if len(p) < recordHeaderLen+n {
			break
		}
		sink.record(p[0], binary.BigEndian.Uint16(p[1:3]), p[recordHeaderLen:recordHeaderLen+n], false)
		p = p[recordHeaderLen+n:]
	}
	if len(p) > 0 && !f.bad {
		if f.buf == nil {
			f.buf = getRecordBuf() // pooled: held only while a record is incomplete
		}
		f.buf = append(f.buf[:0], p...)
	}
}

// headerOK checks an in-sync header; a bad one ends the direction.
func (f *framer) headerOK(h []byte) bool {
	if h[0] < typeChangeCipherSpec || h[0] > typeHeartbeat || h[1] != 3 ||
		int(binary.BigEndian.Uint16(h[3:5])) > maxCiphertext {
		f.bad = true
		f.buf = nil
		return false
	}
	return true
}

// fill completes the buffered record from p and returns the rest of p.
func (f *framer) fill(p []byte, sink recordSink) []byte {
	if len(f.buf) < recordHeaderLen {
		k := min(recordHeaderLen-len(f.buf), len(p))
		f.buf = append(f.buf, p[:k]...)
		p = p[k:]
		if len(f.buf) < recordHeaderLen {
			return p
		}
		if !f.headerOK(f.buf) {
			return nil
		}
	}
	need := recordHeaderLen + int(binary.BigEndian.Uint16(f.buf[3:5])) - len(f.buf)
	k := min(need, len(p))
	f.buf = append(f.buf, p[:k]...)
	p = p[k:]
	if k == need {
		b := f.buf
		sink.record(b[0], binary.BigEndian.Uint16(b[1:3]), b[recordHeaderLen:], false)
		putRecordBuf(f.buf) // an idle connection holds no record buffer
		f.buf = nil
	}
	return p
}

// scan looks for the next believable record in the buffered bytes after a
// gap. Candidates are plausible headers whose record the sink accepts.
func (f *framer) scan(sink recordSink) {
	b := f.buf
	for i := 0; ; {
		j := i
		for j+recordHeaderLen <= len(b) && !plausibleHeader(b[j:]) {
			j++
		}
		if j+recordHeaderLen > len(b) {
			f.keepTail(b[j:])
			return
		}
		n := int(binary.BigEndian.Uint16(b[j+3 : j+5]))
		if j+recordHeaderLen+n > len(b) {
			f.keepTail(b[j:])
			return
		}
		body := b[j+recordHeaderLen : j+recordHeaderLen+n]
		if sink.record(b[j], binary.BigEndian.Uint16(b[j+1:j+3]), body, true) {
			rest := b[j+recordHeaderLen+n:]
			f.resync = false
			f.buf = f.buf[:0]
			if len(rest) > 0 {
				tmp := append([]byte(nil), rest...) // rare: once per resync
				f.feed(tmp, sink)
			}
			return
		}
		i = j + 1
		b = b[i:]
		i = 0
	}
}

// keepTail keeps the unscanned tail at the front of the buffer.
func (f *framer) keepTail(t []byte) {
	if len(t) > recordHeaderLen+maxPlausibleLen {
		t = t[len(t)-recordHeaderLen-maxPlausibleLen:]
	}
	f.buf = append(f.buf[:0], t...)
}

// gap notes that n bytes of the stream were lost. It returns true when the
// loss fell inside a record whose end is still known (that record is lost,
// the next starts at a known offset); false when the framer has to scan.
func (f *framer) gap(n int) (recordLost bool) {
	if f.bad || n <= 0 {
		return false
	}
	if f.skip > 0 {
		if n < f.skip {
			f.skip -= n
			return false
		}
		n -= f.skip
		f.skip = 0
		if n == 0 {
			return false
		}
	}
	if !f.resync && len(f.buf) >= recordHeaderLen {
		left := recordHeaderLen + int(binary.BigEndian.Uint16(f.buf[3:5])) - len(f.buf)
		if n < left {
			f.skip = left - n
			f.buf = f.buf[:0]
			return true
		}
	}
	f.resync = true
	f.buf = f.buf[:0]
	return false
}
