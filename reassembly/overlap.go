package reassembly

import (
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
	gr "github.com/gopacket/gopacket/reassembly"
)

// Conflicting copies. gopacket keeps the first copy of bytes it has
// already delivered, but lets a later copy overwrite bytes queued out of
// order. A Linux receiver keeps the first copy it queued (RFC 9293 leaves
// it open; Linux trims the new segment, tcp_data_queue_ofo), and that is
// what the server acted on. So every segment queued out of order is also
// kept here, until the stream has passed it, and a later segment
// overlapping it gets the first copy's bytes; when they differ the Conn is
// told (AnomalyConn, kind overlap_conflict). Bytes kept are bounded per
// direction by maxOverlapBytes: beyond it, later out-of-order segments are
// not compared. In-order captures never keep anything.

// maxOverlapBytes bounds the out-of-order bytes kept per direction for
// comparison (gopacket's own queue is bounded by the page limits).
const maxOverlapBytes = 256 << 10

// AnomalyKindOverlapConflict is the anomaly kind for two copies of the
// same stream bytes that differ.
const AnomalyKindOverlapConflict = "overlap_conflict"

// AnomalyConn is a Conn that also records transport anomalies of its
// connection. Conns that are not AnomalyConns are not told.
type AnomalyConn interface {
	Conn
	// Anomaly records one anomaly of direction dir at capture time ts.
	Anomaly(dir Direction, ts time.Time, kind, detail string)
}

// oooSeg is one out-of-order segment kept for comparison.
type oooSeg struct {
	seq  uint32
	data []byte
}

// oooQueue is the out-of-order segments of one direction.
type oooQueue struct {
	segs  []oooSeg
	bytes int
	// buf holds the kept bytes: segments are copied into it rather than
	// each into an allocation of its own (with 1% of segments out of
	// order, those copies doubled the allocations per packet). An empty
	// queue gives its buffer back to the shard's oooBufs.
	buf []byte
}

// Buffers of out-of-order bytes: the size of a new one, and how many
// empty ones a shard keeps for reuse (bufPool).
const (
	oooBufSize  = 16 << 10
	oooBufsKept = 64
)

// bufPool is a shard's free oooBufSize buffers.
type bufPool [][]byte

func (bp *bufPool) get() []byte {
	if n := len(*bp); n > 0 {
		b := (*bp)[n-1]
		(*bp)[n-1] = nil
		*bp = (*bp)[:n-1]
		return b[:0]
	}
	return make([]byte, 0, oooBufSize)
}

func (bp *bufPool) put(b []byte) {
	if cap(b) == oooBufSize && len(*bp) < oooBufsKept {
		*bp = append(*bp, b)
	}
}

// keep copies p into q.buf and returns the copy.
func (q *oooQueue) keep(p []byte, bp *bufPool) []byte {
	if len(q.buf)+len(p) > cap(q.buf) {
		// Kept segments go on pointing into the old buffer, which the
		// collector frees once they are pruned.
		if len(p) > oooBufSize {
			q.buf = make([]byte, 0, len(p))
		} else {
			q.buf = bp.get()
		}
	}
	off := len(q.buf)
	q.buf = append(q.buf, p...)
	return q.buf[off:len(q.buf):len(q.buf)]
}

// release gives the buffer of an empty queue back.
func (q *oooQueue) release(bp *bufPool) {
	if q.buf != nil {
		bp.put(q.buf)
		q.buf = nil
	}
}

// checkOverlap compares the payload of tcp with the kept out-of-order
// segments of direction d (nextSeq is gopacket's next expected byte),
// makes the first copy win, and keeps the segment when it lies ahead.
func (s *stream) checkOverlap(tcp *layers.TCP, ts time.Time, d Direction, nextSeq gr.Sequence) {
	if len(tcp.Payload) == 0 || nextSeq == invalidSequence {
		return
	}
	q := &s.ooo[d]
	if len(q.segs) > 0 {
		q.prune(uint32(nextSeq))
		if len(q.segs) > 0 {
			s.firstCopyWins(tcp, ts, d, q)
		} else {
			q.release(&s.sh.oooBufs)
		}
	}
	seq := tcp.Seq
	if seqDiff(seq, uint32(nextSeq)) > 0 && q.bytes+len(tcp.Payload) <= maxOverlapBytes {
		q.segs = append(q.segs, oooSeg{seq: seq, data: q.keep(tcp.Payload, &s.sh.oooBufs)})
		q.bytes += len(tcp.Payload)
	}
}

// prune drops the segments the stream has passed.
func (q *oooQueue) prune(next uint32) {
	keep := q.segs[:0]
	for _, g := range q.segs {
		if seqDiff(g.seq+uint32(len(g.data)), next) > 0 {
			keep = append(keep, g)
		} else {
			q.bytes -= len(g.data)
		}
	}
	clear(q.segs[len(keep):])
	q.segs = keep
}

// firstCopyWins rewrites the bytes of tcp that overlap kept segments with
// the kept bytes (a copy of the payload is made only when they differ).
func (s *stream) firstCopyWins(tcp *layers.TCP, ts time.Time, d Direction, q *oooQueue) {
	p := tcp.Payload
	copied := false
	conflicts := 0
	for _, g := range q.segs {
		// Overlap of [tcp.Seq, +len(p)) and [g.seq, +len(g.data)).
		off := int(seqDiff(g.seq, tcp.Seq)) // where g starts in p (may be < 0)
		lo, hi := max(off, 0), min(off+len(g.data), len(p))
		if lo >= hi {
			continue
		}
		old := g.data[lo-off : hi-off]
		if string(old) == string(p[lo:hi]) {
			continue
		}
		if !copied {
			p = append([]byte(nil), p...)
			copied = true
		}
		copy(p[lo:hi], old)
		conflicts++
	}
	if conflicts == 0 {
		return
	}
	tcp.Payload = p
	s.sh.stats.OverlapConflicts++
	if ac, ok := s.conn.(AnomalyConn); ok {
		s.sh.drain() // after the calls queued before it (delivery.go)
		ac.Anomaly(d, ts, AnomalyKindOverlapConflict, fmt.Sprintf(
			"%s bytes at sequence %d: a later copy differs from the first; the first copy is kept, as the receiver keeps it",
			dirName(d), tcp.Seq))
	}
}

func dirName(d Direction) string {
	if d == FromServer {
		return "server"
	}
	return "client"
}
