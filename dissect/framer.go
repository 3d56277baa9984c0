package dissect

import (
	"bytes"
	"github.com/imapscope/imapscope/report"
	"strconv"
	"time"
)

// frameMode is where a direction's framer stands in the IMAP byte stream.
// It is the one switch feed dispatches on.
type frameMode uint8

const (
	// modeLine: accumulating a protocol line up to its end-of-line byte.
	modeLine frameMode = iota
	// modeResync: as modeLine, after a gap or a mid-stream start; each
	// line is checked for plausibility before it is believed, and the
	// session calls resynced once one is.
	modeResync
	// modeLiteral: skipping the body of a literal, litLeft bytes to go.
	modeLiteral
	// modeOpaque: not IMAP; nothing more is parsed or counted.
	modeOpaque
)

// tailKeep is how many bytes of an over-long line's end are kept so that a
// literal header at its end is still seen.
const tailKeep = 32

// partialLineInline is the capacity of the partial-line buffer kept inside
// the framer; only longer lines split across Feeds move to the heap.
const partialLineInline = 256

// framer is the top of a wire: it splits one direction's IMAP bytes (after
// any TLS or DEFLATE layer) into protocol lines and literal bodies and
// hands them to the session. It never copies a literal body and keeps at
// most one partial line. It changes its own mode; the session changes it
// only through the wire's named methods.
type framer struct {
	s    *Session
	dir  Direction
	mode frameMode

	// buf holds a line split across feeds (owned; capped at maxLine);
	// it starts in bufArr and moves to the heap only for longer lines.
	buf     []byte
	bufArr  [partialLineInline]byte
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

	msgStart time.Time // capture time of the current message's first byte
	msgBytes int64     // bytes of the current message so far
	inMsg    bool      // a message has started (at least one byte seen)

	// bytes counts every byte the framer consumed: the direction's IMAP
	// stream as parsed (after inflation).
	bytes int64

	// altEOL, when not 0, also ends a line: the last byte of an end-of-line
	// sequence set by IMAP3's SET.EOL (a CR before it is stripped too).
	altEOL byte

	// stack changes whenever the wire below gains a layer; feed stops at
	// the line end where it changed, the rest of its input being the new
	// layer's.
	stack uint32
}

func (f *framer) init(s *Session, dir Direction, maxLine int) {
	f.s = s
	f.dir = dir
	f.maxLine = maxLine
	f.first = true
}

// resyncing reports whether lines are still checked before being believed.
func (f *framer) resyncing() bool { return f.mode == modeResync }

// resynced is called by the session when it believes a line after a gap.
func (f *framer) resynced() {
	if f.mode == modeResync {
		f.mode = modeLine
	}
}

// feed consumes p (borrowed) and returns how many bytes it took: all of p,
// unless a line's end changed the wire's layers (STARTTLS, COMPRESS), when
// the rest is input for the new layer.
func (f *framer) feed(ts time.Time, p []byte) int {
	total := len(p)
	stack := f.stack
	for len(p) > 0 {
		switch f.mode {
		case modeOpaque:
			p = p[:0]
		case modeLiteral:
			p = f.literal(ts, p)
		case modeLine, modeResync:
			var ended bool
			p, ended = f.line(ts, p)
			if ended && f.stack != stack {
				f.bytes += int64(total - len(p))
				return total - len(p)
			}
		}
	}
	f.bytes += int64(total)
	return total
}

// literal consumes literal body bytes from p and returns the rest.
func (f *framer) literal(ts time.Time, p []byte) []byte {
	k := min(int64(len(p)), f.litLeft)
	f.litLeft -= k
	f.msgBytes += k
	f.s.onLiteral(f, ts, p[:k], f.litLeft == 0)
	if f.litLeft == 0 && f.mode == modeLiteral {
		f.mode = modeLine
	}
	return p[k:]
}

// line consumes line bytes from p up to and including an end of line and
// returns the rest, and whether a line ended.
func (f *framer) line(ts time.Time, p []byte) ([]byte, bool) {
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
		return nil, false
	}
	chunk := p[:i+1]
	f.msgBytes += int64(len(chunk))
	line, truncated := chunk, false
	// A line longer than maxLine is capped even when it arrives whole, so
	// that the result does not depend on segmentation.
	if len(f.buf) > 0 || f.over > 0 || len(chunk) > f.maxLine {
		f.appendPartial(chunk)
		line, truncated = f.assembled()
	}
	f.endLine(ts, f.trimEOL(line), truncated)
	return p[i+1:], true
}

// endLine hands a complete line to the session and acts on its verdict.
func (f *framer) endLine(ts time.Time, line []byte, truncated bool) {
	first := f.first
	n := f.s.onLine(f, ts, line, first, truncated)
	f.buf = f.buf[:0]
	f.over = 0
	f.tailN = 0
	switch {
	case f.mode == modeOpaque:
		// The session gave up on the connection while handling the line.
	case n == rejectLine:
		// Not believed while resynchronising: dropped, still at a message start.
		f.inMsg = false
		f.first = true
	case n >= 0:
		f.first = false
		f.litLeft = n
		f.litSize = n
		if n > 0 {
			f.mode = modeLiteral
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
	if room := f.maxLine - len(f.buf); room > 0 {
		k := min(len(p), room)
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
	keep := min(tailKeep-len(p), f.tailN)
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

// gap records n > 0 lost bytes.
func (f *framer) gap(n int64) {
	if f.mode == modeOpaque {
		return
	}
	if f.mode == modeLiteral && n < f.litLeft {
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
	f.mode = modeResync
	if f.inMsg || !f.first {
		f.s.onMessageCut(f)
	}
	f.s.onFramingLost(f)
	f.inMsg = false
	f.first = true
}

// startResync makes the framer check lines before believing them (the
// stream's start was not captured).
func (f *framer) startResync() {
	if f.mode == modeLine {
		f.mode = modeResync
	}
}

// cancelLiteral abandons a synchronizing literal the server refused before
// any of its bytes were sent; the direction's next bytes begin a new message.
func (f *framer) cancelLiteral(ts time.Time) bool {
	if f.mode != modeLiteral || f.litLeft != f.litSize {
		return false
	}
	f.mode = modeLine
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

// endOfStream reports what the direction's end cut: a literal short of its
// declared size, or a line without its end.
func (f *framer) endOfStream(ts time.Time) {
	s := f.s
	switch {
	case f.mode == modeLiteral && f.litLeft > 0:
		s.anomaly(report.AnomalyTruncatedLiteral, f.dir.String()+" stream ended "+strconv.FormatInt(f.litLeft, 10)+" bytes before the end of a literal", "", ts)
		s.onFramingLost(f)
	case (f.mode == modeLine || f.mode == modeResync) && (len(f.buf) > 0 || f.over > 0):
		// The last line never ended: it may be a cut completion.
		s.anomaly(report.AnomalyTruncatedLine, f.dir.String()+" stream ended inside a line: "+s.excerpt(f.dir, f.buf), "", ts)
		s.cutLine(f, ts, noteCaptureEnded) // a command line the end cuts is still reported
		s.onFramingLost(f)
	}
}
