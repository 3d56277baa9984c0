package dissect

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strconv"
	"time"
)

// maxDeflatePending bounds compressed bytes buffered while waiting for the
// peer's flush point.
const maxDeflatePending = 1 << 20

// deflateWindow is DEFLATE's history size.
const deflateWindow = 32 << 10

// syncMarker ends every flushed DEFLATE chunk (an empty stored block).
var syncMarker = []byte{0, 0, 0xff, 0xff}

// inflater decodes one direction of a COMPRESS=DEFLATE (RFC 4978) stream.
//
// compress/flate is a pull decoder whose errors are sticky, so it cannot be
// fed a stream a segment at a time. RFC 4978 peers flush at the end of each
// message, which leaves the stream on a byte-aligned block boundary; the
// inflater buffers compressed bytes up to such a flush, then decodes them
// with a decoder reset onto the last 32 KiB of output as its dictionary,
// which is exactly the state a continuous decoder would have there.
type inflater struct {
	r       io.ReadCloser
	src     bytes.Reader
	pending []byte
	window  []byte
	out     [deflateWindow]byte
	in      int64 // compressed bytes seen
	total   int64 // inflated bytes produced
	broken  bool
}

// startCompress switches both directions to DEFLATE after COMPRESS's OK.
func (s *Session) startCompress(t *txn) {
	s.rep.Compressed = true
	for d := range s.inf {
		s.inf[d] = &inflater{}
		s.tr[d] = trInflate
	}
}

// write takes compressed wire bytes (borrowed) and feeds what they inflate
// to to the framer.
func (z *inflater) write(s *Session, f *framer, ts time.Time, p []byte) {
	if z.broken {
		return
	}
	z.in += int64(len(p))
	if f.dir == FromClient {
		s.rep.CompressedClientBytes = z.in
	} else {
		s.rep.CompressedServerBytes = z.in
	}
	if len(z.pending)+len(p) > maxDeflatePending {
		z.fail(s, f, ts, "deflate_unflushed", "more than "+strconv.Itoa(maxDeflatePending)+" compressed bytes without a flush point")
		return
	}
	z.pending = append(z.pending, p...)
	if !bytes.HasSuffix(z.pending, syncMarker) {
		return
	}
	z.src.Reset(z.pending)
	if z.r == nil {
		z.r = flate.NewReaderDict(&z.src, z.window)
	} else if err := z.r.(flate.Resetter).Reset(&z.src, z.window); err != nil {
		z.fail(s, f, ts, "deflate_corrupt", err.Error())
		return
	}
	limit := s.opts.MaxInflateRatio * z.in
	if limit < 1<<20 {
		limit = 1 << 20
	}
	for {
		n, err := z.r.Read(z.out[:])
		if n > 0 {
			z.total += int64(n)
			if z.total > limit {
				z.fail(s, f, ts, "deflate_bomb", "inflated output exceeds "+strconv.FormatInt(s.opts.MaxInflateRatio, 10)+"x the compressed input")
				return
			}
			z.remember(z.out[:n])
			f.inflating = true
			f.feed(ts, z.out[:n])
			f.inflating = false
			if s.tr[f.dir] != trInflate {
				return
			}
		}
		if err == nil {
			continue
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			break // the end of this flushed chunk
		}
		z.fail(s, f, ts, "deflate_corrupt", err.Error())
		return
	}
	z.pending = z.pending[:0]
}

// remember keeps the last deflateWindow bytes of output as the dictionary.
func (z *inflater) remember(p []byte) {
	if len(p) >= deflateWindow {
		z.window = append(z.window[:0], p[len(p)-deflateWindow:]...)
		return
	}
	if over := len(z.window) + len(p) - deflateWindow; over > 0 {
		z.window = append(z.window[:0], z.window[over:]...)
	}
	z.window = append(z.window, p...)
}

// fail gives up inflating this direction and records why.
func (z *inflater) fail(s *Session, f *framer, ts time.Time, kind, detail string) {
	z.broken = true
	z.pending = nil
	s.anomaly(kind, f.dir.String()+" compressed stream: "+detail, "", ts)
	s.tr[f.dir] = trOpaque
}
