package reassembly

import (
	"fmt"
	"time"
)

// Batched delivery. Handing every segment to its Conn as soon as it is
// reassembled makes the CPU alternate, packet by packet, between two large
// bodies of code — gopacket's assembler and the Conn's dissector — that do
// not fit in its instruction cache together: on make bench's capture the
// dissecting run took 3.7× the floor's L1 instruction-cache misses
// (valgrind --cache-sim, 100 MB: 19.9 M against 5.4 M) and most of its extra
// time. So a shard may queue what it would hand its Conns while it
// assembles a run of packets, and hand it all over afterwards, in the same
// order: the Conns see exactly the calls they would have seen, later.
//
// Only what stays valid is queued. Data is queued when its bytes are a
// suffix of the payload of the packet being assembled and that packet's
// buffer outlives the queue (a slice of a read block, which the reader lets
// go of only after settle, or of a worker's batch); Gap and End carry no
// bytes and are queued while such a packet is being assembled. Everything
// else — bytes gopacket copied, flush passes, anomalies, packets from
// pcapng or live capture — first settles the queue, then is delivered at
// once, so the order of calls never changes.

// batchMax is how many calls a shard queues at most before settling: enough
// for one pass to stay in the instruction cache, few enough for the bytes
// of the lines to be still in the data cache when the dissector reads them.
const batchMax = 256

// callKind is the Conn method a queued call is for.
type callKind uint8

const (
	callData callKind = iota
	callGap
	callEnd
)

// queuedCall is one Conn call waiting in a shard's batch.
type queuedCall struct {
	conn Conn
	key  uint64
	ts   time.Time
	p    []byte // Data: the bytes (a suffix of a stable packet's payload)
	n    int    // Gap: the size; End: 1 when closed on the wire
	dir  Direction
	kind callKind
}

// callQueue is a shard's queue of calls (see above).
type callQueue struct {
	on    bool   // batching enabled (Options.BatchDelivery)
	cur   []byte // payload of the stable packet being assembled, or nil
	calls []queuedCall
	next  int   // first call not yet delivered, while settling
	total int64 // calls queued so far (tests)
}

// data hands p to c now or queues it (see the comment at the top).
func (sh *shard) data(c Conn, d Direction, ts time.Time, p []byte) {
	if cur := sh.cq.cur; cur != nil && len(p) > 0 && len(p) <= len(cur) && &p[len(p)-1] == &cur[len(cur)-1] {
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, p: p, dir: d, kind: callData})
		return
	}
	sh.settle()
	c.Data(sh.key, d, ts, p)
}

// gap reports n lost bytes to c now or queues the call.
func (sh *shard) gap(c Conn, d Direction, ts time.Time, n int) {
	if sh.cq.cur != nil {
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, n: n, dir: d, kind: callGap})
		return
	}
	sh.settle()
	c.Gap(sh.key, d, ts, n)
}

// end ends c now or queues the call.
func (sh *shard) end(c Conn, ts time.Time, closed bool) {
	if sh.cq.cur != nil {
		n := 0
		if closed {
			n = 1
		}
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, n: n, kind: callEnd})
		return
	}
	sh.settle()
	c.End(sh.key, ts, closed)
}

// queue appends a call, settling the batch when it is full.
func (sh *shard) queue(c queuedCall) {
	cq := &sh.cq
	cq.calls = append(cq.calls, c)
	cq.total++
	if len(cq.calls) >= batchMax {
		sh.settle()
	}
}

// stable marks the packet about to be assembled, whose TCP payload is
// payload, as one whose buffer outlives the batch (see the top); without
// batching it does nothing.
func (sh *shard) stable(payload []byte) {
	if sh.cq.on && len(payload) > 0 {
		sh.cq.cur = payload
	}
}

// unstable ends the stable packet: later calls are delivered at once until
// the next stable one.
func (sh *shard) unstable() { sh.cq.cur = nil }

// settle delivers every queued call, in order. A panic in a Conn is turned
// into damage, as during assembly, and the calls after it are still
// delivered.
func (sh *shard) settle() {
	cq := &sh.cq
	for cq.next < len(cq.calls) {
		sh.settleFrom()
	}
	clear(cq.calls) // drop the references to Conns and bytes
	cq.calls = cq.calls[:0]
	cq.next = 0
}

// settleFrom delivers queued calls from cq.next on, until one panics or none
// is left.
func (sh *shard) settleFrom() {
	cq := &sh.cq
	defer func() {
		if r := recover(); r != nil {
			sh.stats.Panics++
			sh.stats.addDamage(fmt.Sprintf("panic delivering reassembled data (last packet %d): %v", sh.lastIdx, r))
		}
	}()
	for cq.next < len(cq.calls) {
		q := &cq.calls[cq.next]
		cq.next++
		switch q.kind {
		case callData:
			q.conn.Data(q.key, q.dir, q.ts, q.p)
		case callGap:
			q.conn.Gap(q.key, q.dir, q.ts, q.n)
		case callEnd:
			q.conn.End(q.key, q.ts, q.n == 1)
		}
	}
}
