package dissect

import (
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// inflater is the DEFLATE layer of a wire: it decodes one direction of a
// COMPRESS=DEFLATE (RFC 4978) stream as it arrives, a segment at a time,
// with the push decoder of flate.go. Output goes up the wire during write,
// with the timestamp of the segment that completed it, whatever flush mode
// the peer uses; compressed input is never re-read except the few bytes of
// a code cut by a segment's end.
type inflater struct {
	dec     flateDecoder
	done    bool  // the stream ended
	stopped bool  // decoding given up: count only
	wire    int64 // compressed bytes seen (this layer's counter)
	total   int64 // inflated bytes produced

	// Set for the duration of write, for out.
	w     *wire
	lvl   int
	ts    time.Time
	limit int64
	bomb  bool
}

// Bounds on inflation, against decompression bombs.
const (
	// minInflateAllowance is the inflated output always allowed, whatever
	// the ratio to the compressed input so far (a small first segment can
	// legitimately inflate far beyond MaxInflateRatio).
	minInflateAllowance = 1 << 20
)

// newInflater returns an inflater at the start of a stream.
func newInflater() *inflater {
	z := &inflater{}
	z.dec.emit = z.out
	return z
}

// startCompress puts DEFLATE under both directions after COMPRESS's OK.
func (s *Session) startCompress() {
	s.rep.Compressed = true
	s.w[FromClient].startInflate()
	s.w[FromServer].startInflate()
}

// write takes compressed bytes (borrowed) and passes what they inflate up
// the wire. All of p is consumed before it returns.
func (z *inflater) write(w *wire, lvl int, ts time.Time, p []byte) {
	z.wire += int64(len(p))
	if z.stopped {
		return
	}
	if z.done {
		z.fail(w, ts, report.AnomalyDeflateAfterEnd, "data after the end of the compressed stream")
		return
	}
	z.w, z.lvl, z.ts = w, lvl, ts
	z.limit = max(w.s.opts.MaxInflateRatio*z.wire, minInflateAllowance)
	trailing, err := z.dec.write(p)
	z.w = nil
	switch {
	case z.bomb:
		z.fail(w, ts, report.AnomalyDeflateBomb, "inflated output exceeds "+strconv.FormatInt(w.s.opts.MaxInflateRatio, 10)+"x the compressed input")
	case err == errFlateStopped:
		// The session stopped dissecting while the output went up.
	case err != nil:
		z.done = true
		z.fail(w, ts, report.AnomalyDeflateCorrupt, err.Error())
	case z.dec.state == fsEnd:
		z.done = true
		if trailing {
			z.fail(w, ts, report.AnomalyDeflateAfterEnd, "data after the end of the compressed stream")
		}
	}
}

// out receives inflated output (borrowed) from the decoder during write.
func (z *inflater) out(p []byte) bool {
	z.total += int64(len(p))
	if z.total > z.limit {
		z.bomb = true
		return false
	}
	z.w.deliver(z.lvl+1, z.ts, p)
	return !z.stopped
}

// gap: a DEFLATE stream cannot be resumed after a loss.
func (z *inflater) gap(w *wire, _ int, ts time.Time, _ int) {
	if !z.stopped {
		z.stop()
		w.s.anomaly(report.AnomalyDeflateGap, "bytes lost inside the compressed "+w.dir.String()+" stream; the rest of it cannot be inflated", "", ts)
	}
}

// stop gives up decoding; what follows is only counted.
func (z *inflater) stop() { z.stopped = true }

// fail gives up inflating this direction and records why.
func (z *inflater) fail(w *wire, ts time.Time, kind report.AnomalyKind, detail string) {
	z.stop()
	w.s.anomaly(kind, w.dir.String()+" compressed stream: "+detail, "", ts)
}
