package dissect

import (
	"iter"
	"strconv"
	"time"
)

// inflater decodes one direction of a COMPRESS=DEFLATE (RFC 4978) stream as
// it arrives, a segment at a time.
//
// The decoder (flate.go) is written as an ordinary pull loop; the inflater
// runs it as a coroutine (iter.Pull): when the decoder needs input that has
// not arrived, it first hands over the output it has, then yields to write,
// which returns to the caller; the next write resumes it where it stopped.
// Only one side runs at a time, so this adds no concurrency, input is never
// re-read, and output reaches the framer with the timestamp of the segment
// that completed it, whatever flush mode the peer uses.
type inflater struct {
	next func() ([]byte, bool)
	stop func()
	dec  flateDecoder

	in     []byte // compressed input being consumed (borrowed from write)
	done   bool   // the stream ended or failed
	err    error  // the decoder's error, if it failed
	wire   int64  // compressed bytes seen
	total  int64  // inflated bytes produced
	broken bool
}

// newInflater starts a decoder coroutine.
func newInflater() *inflater {
	z := &inflater{}
	z.next, z.stop = iter.Pull(func(yield func([]byte) bool) {
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

// startCompress switches both directions to DEFLATE after COMPRESS's OK.
func (s *Session) startCompress(t *txn) {
	s.rep.Compressed = true
	for d := range s.inf {
		s.inf[d] = newInflater()
		s.tr[d] = trInflate
	}
}

// write takes compressed wire bytes (borrowed) and feeds what they inflate
// to the framer. All of p is consumed before it returns.
func (z *inflater) write(s *Session, f *framer, ts time.Time, p []byte) {
	if z.broken {
		return
	}
	z.count(s, f.dir, len(p))
	if z.done {
		z.fail(s, f, ts, "deflate_after_end", "data after the end of the compressed stream")
		return
	}
	limit := s.opts.MaxInflateRatio * z.wire
	if limit < 1<<20 {
		limit = 1 << 20
	}
	z.in = p
	for {
		out, ok := z.next()
		if !ok {
			z.done = true
			z.in = nil
			if z.err != nil {
				z.fail(s, f, ts, "deflate_corrupt", z.err.Error())
			}
			return
		}
		if out == nil {
			return // all of p consumed; the decoder waits for more
		}
		z.total += int64(len(out))
		if z.total > limit {
			z.fail(s, f, ts, "deflate_bomb", "inflated output exceeds "+strconv.FormatInt(s.opts.MaxInflateRatio, 10)+"x the compressed input")
			return
		}
		f.inflating = true
		f.feed(ts, out)
		f.inflating = false
		if s.tr[f.dir] != trInflate {
			z.in = nil
			return
		}
	}
}

// count adds n compressed wire bytes to the session's counters.
func (z *inflater) count(s *Session, dir Direction, n int) {
	z.wire += int64(n)
	if dir == FromClient {
		s.rep.CompressedClientBytes = z.wire
	} else {
		s.rep.CompressedServerBytes = z.wire
	}
}

// close releases the decoder coroutine.
func (z *inflater) close() {
	if z != nil && z.stop != nil {
		z.stop()
		z.in = nil
	}
}

// fail gives up inflating this direction and records why.
func (z *inflater) fail(s *Session, f *framer, ts time.Time, kind, detail string) {
	z.broken = true
	z.close()
	s.anomaly(kind, f.dir.String()+" compressed stream: "+detail, "", ts)
	s.tr[f.dir] = trOpaque
}
