package dissect

import (
	"bytes"
	"time"
)

// frameState is where a direction's framer stands in the byte stream.
type frameState uint8

const (
	// stLine: accumulating a protocol line up to the end-of-line byte.
	stLine frameState = iota
	// stLiteral: skipping the body of a literal, litLeft bytes to go.
	stLiteral
	// stOpaque: bytes are counted but not parsed (after STARTTLS, non-IMAP).
	stOpaque
)

// tailKeep is how many bytes of an over-long line's end are kept so that a
// literal header at its end is still seen.
const tailKeep = 32

// framer splits one direction's bytes into protocol lines and literal
// bodies. It never copies a literal body and keeps at most one partial line.
type framer struct {
	s     *Session
	dir   Direction
	state frameState

	// buf holds a line split across Feed calls (owned; capped at maxLine);
	// it starts in bufArr and moves to the heap only for longer lines.
	buf     []byte
	bufArr  [256]byte
	maxLine int
	// over counts bytes of the current line beyond maxLine; tail keeps the
	// last tailKeep of them.
	over  int64
	tail  [tailKeep]byte
	tailN int

	litLeft int64 // literal bytes still to skip
	litSize int64 // declared size of the current literal

	// first is true when the next line begins a new message.
	first bool
	// resyncing is true after a gap or a mid-stream start: lines are checked
	// for plausibility before they are believed.
	resyncing bool

	msgStart time.Time // capture time of the current message's first byte
	msgBytes int64     // bytes of the current message so far
	inMsg    bool      // a message has started (at least one byte seen)

	bytes int64 // all bytes seen in this direction (after inflation)

	inflating bool // the bytes being fed come out of the inflater

	// altEOL, when not 0, also ends a line: the last byte of an end-of-line
	// sequence set by IMAP3's SET.EOL (a CR before it is stripped too).
	altEOL byte

	// The first bytes of the direction, held until there are enough to
	// recognise the protocol (see Session.Feed).
	head    [sniffLen]byte
	headN   int
	sniffed bool
}

func (f *framer) init(s *Session, dir Direction, maxLine int) {
	f.s = s
	f.dir = dir
	f.maxLine = maxLine
	f.first = true
}

// feed consumes p (borrowed) in full.
func (f *framer) feed(ts time.Time, p []byte) {
	f.bytes += int64(len(p))
	for len(p) > 0 {
		switch f.state {
		case stOpaque:
			return
		case stLiteral:
			k := int64(len(p))
			if k > f.litLeft {
				k = f.litLeft
			}
			f.litLeft -= k
			f.msgBytes += k
			f.s.onLiteral(f, ts, p[:k], f.litLeft == 0)
			p = p[k:]
			if f.litLeft == 0 && f.state == stLiteral {
				f.state = stLine
			}
		case stLine:
			if !f.inMsg {
				f.inMsg = true
				f.msgStart = ts
				f.msgBytes = 0
			}
			i := bytes.IndexByte(p, '\n')
			if f.altEOL != 0 {
				// After SET.EOL: the new end-of-line byte ends a line too.
				lim := p
				if i >= 0 {
					lim = p[:i]
				}
				if j := bytes.IndexByte(lim, f.altEOL); j >= 0 {
					i = j
				}
			}
			if i < 0 {
				f.appendPartial(p)
				f.msgBytes += int64(len(p))
				return
			}
			chunk := p[:i+1]
			p = p[i+1:]
			f.msgBytes += int64(len(chunk))
			line, truncated := chunk, false
			// A line longer than maxLine is capped even when it arrives
			// whole, so that the result does not depend on segmentation.
			if len(f.buf) > 0 || f.over > 0 || len(chunk) > f.maxLine {
				f.appendPartial(chunk)
				line, truncated = f.assembled()
			}
			line = f.trimEOL(line)
			f.endLine(ts, line, truncated)
			if tr := f.s.tr[f.dir]; tr != trNone && !(tr == trInflate && f.inflating) {
				// STARTTLS or COMPRESS took effect at this line's end: the
				// rest of p belongs to the new layer.
				if len(p) > 0 {
					f.s.feedTransformed(f, ts, p)
				}
				return
			}
		}
	}
}

// endLine hands a complete line to the session and acts on its verdict.
func (f *framer) endLine(ts time.Time, line []byte, truncated bool) {
	first := f.first
	n := f.s.onLine(f, ts, line, first, truncated)
	f.buf = f.buf[:0]
	f.over = 0
	f.tailN = 0
	switch {
	case f.state == stOpaque:
		// The session switched this direction off while handling the line.
	case n == rejectLine:
		// Not believed while resynchronising: dropped, still at a message start.
		f.inMsg = false
		f.first = true
	case n >= 0:
		f.first = false
		f.litLeft = n
		f.litSize = n
		if n > 0 {
			f.state = stLiteral
		} else {
			// {0}: the line continues immediately.
			f.s.onLiteral(f, ts, nil, true)
		}
	default:
		f.s.onMessageEnd(f, ts)
		f.first = true
		f.inMsg = false
	}
}

// appendPartial adds p to the partial line, keeping at most maxLine bytes
// plus the last tailKeep bytes of any excess.
func (f *framer) appendPartial(p []byte) {
	if f.buf == nil {
		f.buf = f.bufArr[:0:min(len(f.bufArr), f.maxLine)]
	}
	room := f.maxLine - len(f.buf)
	if room > 0 {
		k := len(p)
		if k > room {
			k = room
		}
		f.buf = append(f.buf, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return
	}
	f.over += int64(len(p))
	if len(p) >= tailKeep {
		copy(f.tail[:], p[len(p)-tailKeep:])
		f.tailN = tailKeep
		return
	}
	// Shift the kept tail left and append p.
	keep := tailKeep - len(p)
	if keep > f.tailN {
		keep = f.tailN
	}
	copy(f.tail[:keep], f.tail[f.tailN-keep:f.tailN])
	copy(f.tail[keep:], p)
	f.tailN = keep + len(p)
}

// assembled returns the buffered line; an over-long line is its head with
// its last bytes spliced onto the end, so that both the tag and a trailing
// literal header survive.
func (f *framer) assembled() ([]byte, bool) {
	if f.over == 0 {
		return f.buf, false
	}
	if len(f.buf) >= f.tailN {
		copy(f.buf[len(f.buf)-f.tailN:], f.tail[:f.tailN])
	}
	return f.buf, true
}

// gap records n lost bytes (n < 0: unknown amount before the first byte).
func (f *framer) gap(n int64) {
	if f.state == stOpaque {
		return
	}
	if f.state == stLiteral && n > 0 && n < f.litLeft {
		// The loss fell inside a literal body: framing is intact.
		f.litLeft -= n
		f.msgBytes += n
		f.s.onLiteralLoss(f, n)
		return
	}
	// Framing is lost: drop any partial line, close what the gap cut, and
	// believe nothing until a plausible line start.
	f.buf = f.buf[:0]
	f.over = 0
	f.tailN = 0
	f.litLeft = 0
	f.state = stLine
	if f.inMsg || !f.first {
		f.s.onMessageCut(f)
	}
	f.s.onFramingLost(f)
	f.inMsg = false
	f.first = true
	f.resyncing = true
}

// cancelLiteral abandons a synchronizing literal the server refused before
// any of its bytes were sent; the client's next bytes begin a new message.
func (f *framer) cancelLiteral(ts time.Time) bool {
	if f.state != stLiteral || f.litLeft != f.litSize {
		return false
	}
	f.state = stLine
	f.litLeft = 0
	f.s.onMessageEnd(f, ts)
	f.first = true
	f.inMsg = false
	return true
}

// trimEOL strips the line terminator and one CR before it.
func (f *framer) trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && (line[n-1] == '\n' || (f.altEOL != 0 && line[n-1] == f.altEOL)) {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}
