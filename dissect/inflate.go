package dissect

import (
	"github.com/imapscope/imapscope/report"
	"iter"
	"strconv"
	"time"
)

// inflater is the DEFLATE layer of a wire: it decodes one direction of a
// COMPRESS=DEFLATE (RFC 4978) stream as it arrives, a segment at a time.
//
// The decoder (flate.go) is written as an ordinary pull loop; the inflater
// runs it as a coroutine with iter.Pull, which starts a goroutine for it
// (one per compressed direction, from COMPRESS until the session closes).
// Control passes back and forth synchronously, never concurrently: when the
// decoder needs input that has not arrived, it hands over the output it has
// and yields to write, which returns to the caller; the next write resumes
// it where it stopped. Input is never re-read, and output goes up the wire
// with the timestamp of the segment that completed it, whatever flush mode
// the peer uses.
type inflater struct {
	next    func() ([]byte, bool)
	release func() // ends the coroutine
	dec     flateDecoder

	in      []byte // compressed input being consumed (borrowed from write)
	done    bool   // the stream ended or failed
	err     error  // the decoder's error, if it failed
	wire    int64  // compressed bytes seen (this layer's counter)
	total   int64  // inflated bytes produced
	stopped bool   // decoding given up: count only
}

// Bounds on inflation, against decompression bombs.
const (
	// minInflateAllowance is the inflated output always allowed, whatever
	// the ratio to the compressed input so far (a small first segment can
	// legitimately inflate far beyond MaxInflateRatio).
	minInflateAllowance = 1 << 20
)

// newInflater starts a decoder coroutine.
func newInflater() *inflater {
	z := &inflater{}
	z.next, z.release = iter.Pull(func(yield func([]byte) bool) {
		z.dec.emit = yield
		z.dec.readByte = func() (byte, bool) {
			for len(z.in) == 0 {
				if !z.dec.flush() || !yield(nil) {
					return 0, false
				}
			}
			c := z.in[0]
			z.in = z.in[1:]
			return c, true
		}
		if err := z.dec.run(); err != nil && err != errFlateStopped {
			z.err = err
		}
	})
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
	limit := max(w.s.opts.MaxInflateRatio*z.wire, minInflateAllowance)
	z.in = p
	for {
		out, ok := z.next()
		if !ok {
			z.done = true
			z.in = nil
			if z.err != nil {
				z.fail(w, ts, report.AnomalyDeflateCorrupt, z.err.Error())
			}
			return
		}
		if out == nil {
			return // all of p consumed; the decoder waits for more
		}
		z.total += int64(len(out))
		if z.total > limit {
			z.fail(w, ts, report.AnomalyDeflateBomb, "inflated output exceeds "+strconv.FormatInt(w.s.opts.MaxInflateRatio, 10)+"x the compressed input")
			return
		}
		w.deliver(lvl+1, ts, out)
		if z.stopped {
			return
		}
	}
}

// gap: a DEFLATE stream cannot be resumed after a loss.
func (z *inflater) gap(w *wire, _ int, ts time.Time, _ int) {
	if !z.stopped {
		z.stop()
		w.s.anomaly(report.AnomalyDeflateGap, "bytes lost inside the compressed "+w.dir.String()+" stream; the rest of it cannot be inflated", "", ts)
	}
}

// close releases the decoder coroutine.
func (z *inflater) close() {
	if z.release != nil {
		z.release()
		z.in = nil
	}
}

// stop gives up decoding; what follows is only counted.
func (z *inflater) stop() {
	z.stopped = true
	z.close()
}

// fail gives up inflating this direction and records why.
func (z *inflater) fail(w *wire, ts time.Time, kind report.AnomalyKind, detail string) {
	z.stop()
	w.s.anomaly(kind, w.dir.String()+" compressed stream: "+detail, "", ts)
}
