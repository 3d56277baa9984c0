package reassembly

import (
	"bytes"
	"testing"
)

// TestOOOQueueKeep: kept copies stay intact when the queue moves to a new
// buffer, are independent of the caller's bytes and of later reuse of
// released buffers, and an emptied queue's buffer is reused without
// allocating.
func TestOOOQueueKeep(t *testing.T) {
	var bp bufPool
	var q, other oooQueue
	var want [][]byte
	p := make([]byte, 1400)
	for i := range 40 { // 56 KB: several buffers
		for j := range p {
			p[j] = byte(i + j)
		}
		q.segs = append(q.segs, oooSeg{seq: uint32(i * 1400), data: q.keep(p, &bp)})
		want = append(want, append([]byte(nil), p...))
	}
	big := make([]byte, oooBufSize+1)
	q.segs = append(q.segs, oooSeg{data: q.keep(big, &bp)})
	want = append(want, big)
	other.keep(p, &bp)
	other.release(&bp) // another queue's buffer, reused below
	clear(p)
	for range 10 {
		q2 := oooQueue{}
		q2.keep(bytes.Repeat([]byte{0xee}, 1400), &bp)
	}
	for i, g := range q.segs {
		if !bytes.Equal(g.data, want[i]) {
			t.Fatalf("segment %d changed", i)
		}
		if cap(g.data) != len(g.data) {
			t.Fatalf("segment %d: capacity %d past its length", i, cap(g.data))
		}
	}
	q.segs = q.segs[:0]
	q.release(&bp)
	if n := testing.AllocsPerRun(100, func() {
		q.segs = append(q.segs[:0], oooSeg{data: q.keep(p[:1000], &bp)})
		q.segs = q.segs[:0]
		q.release(&bp)
	}); n != 0 {
		t.Errorf("%v allocations per keep into an empty queue", n)
	}
}
