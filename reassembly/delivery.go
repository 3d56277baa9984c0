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

// callKind is the Conn (or ConnFactory) method a queued call is for.
type callKind uint8

const (
	callData callKind = iota
	callGap
	callEnd
	callProgress // ConnFactory.Progress (queued only by an async queue)
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
	on  bool   // batching enabled (Options.BatchDelivery)
	cur []byte // payload of the stable packet being assembled, or nil
	blk *block // the read block cur lies in (nil: a worker's batch)
	// pending is the read block the queued Data calls' bytes lie in: one
	// block at most, since the reader settles before it moves to the next.
	pending *block
	calls   []queuedCall
	total   int64 // calls queued so far (tests)
	handed  int64 // batches handed to an asynchronous caller so far (tests)
	pauses  int64 // times asynchronous delivery paused (tests)
	// async, when set, makes the calls on a goroutine of its own
	// (delivery_async.go); parked holds it while others' work on the CPUs
	// makes the shard's goroutine make them (contention.go).
	async, parked *asyncCalls
	cont          contention
}

// data hands p to c now or queues it (see the comment at the top).
func (sh *shard) data(c Conn, d Direction, ts time.Time, p []byte) {
	if cur := sh.cq.cur; cur != nil && len(p) > 0 && len(p) <= len(cur) && &p[len(p)-1] == &cur[len(cur)-1] {
		sh.cq.pending = sh.cq.blk
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, p: p, dir: d, kind: callData})
		return
	}
	sh.drain()
	c.Data(sh.key, d, ts, p)
}

// gap reports n lost bytes to c now or queues the call.
func (sh *shard) gap(c Conn, d Direction, ts time.Time, n int) {
	if sh.queuesBare() {
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, n: n, dir: d, kind: callGap})
		return
	}
	sh.drain()
	c.Gap(sh.key, d, ts, n)
}

// end ends c now or queues the call.
func (sh *shard) end(c Conn, ts time.Time, closed bool) {
	if sh.queuesBare() {
		n := 0
		if closed {
			n = 1
		}
		sh.queue(queuedCall{conn: c, key: sh.key, ts: ts, n: n, kind: callEnd})
		return
	}
	sh.drain()
	c.End(sh.key, ts, closed)
}

// queuesBare reports whether a call without bytes (Gap, End) is queued:
// while a stable packet is assembled, or always when the calls are made
// asynchronously (the drains keep them in order with the rest).
func (sh *shard) queuesBare() bool { return sh.cq.cur != nil || sh.cq.async != nil }

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
// payload, as one whose buffer outlives the batch (see the top), until
// assemble ends (shard.assembled); without batching it does nothing.
func (sh *shard) stable(payload []byte) {
	if sh.cq.on && len(payload) > 0 {
		sh.cq.cur = payload
	}
}

// settle has every queued call made, in order: here, or handed to the
// asynchronous caller.
func (sh *shard) settle() {
	cq := &sh.cq
	if len(cq.calls) == 0 {
		return
	}
	if cq.async != nil {
		cq.async.send(sh)
		return
	}
	cq.pending = nil // made here: no block to hold (delivery_async.go)
	var o callOutcome
	makeCalls(cq.calls, sh.factory, sh.worker, sh.lastIdx, &o)
	o.addTo(&sh.stats)
	clear(cq.calls) // drop the references to Conns and bytes
	cq.calls = cq.calls[:0]
}

// drain settles the queue and waits until every call is made: after it,
// this goroutine may call a Conn itself.
func (sh *shard) drain() {
	sh.settle()
	if sh.cq.async != nil {
		sh.cq.async.wait(sh)
	}
}

// callOutcome counts the panics of a run of calls.
type callOutcome struct {
	panics  int64
	damages []string
}

// addTo adds the outcome to a shard's stats.
func (o *callOutcome) addTo(st *Stats) {
	st.Panics += o.panics
	for _, d := range o.damages {
		st.addDamage(d)
	}
	o.panics, o.damages = 0, o.damages[:0]
}

// makeCalls makes the calls in order; Progress goes to f as worker w. A
// panic in a Conn is turned into damage, as during assembly, and the calls
// after it are still made. lastIdx names the last packet in the damage.
func makeCalls(calls []queuedCall, f ConnFactory, w int, lastIdx uint64, o *callOutcome) {
	for next := 0; next < len(calls); {
		next = makeCallsFrom(calls, next, f, w, lastIdx, o)
	}
}

// makeCallsFrom makes calls from i on until one panics or none is left, and
// returns the index of the first call not made.
func makeCallsFrom(calls []queuedCall, i int, f ConnFactory, w int, lastIdx uint64, o *callOutcome) (next int) {
	next = i
	defer func() {
		if r := recover(); r != nil {
			o.panics++
			o.damages = append(o.damages, fmt.Sprintf("panic delivering reassembled data (last packet %d): %v", lastIdx, r))
		}
	}()
	for next < len(calls) {
		q := &calls[next]
		next++
		switch q.kind {
		case callData:
			q.conn.Data(q.key, q.dir, q.ts, q.p)
		case callGap:
			q.conn.Gap(q.key, q.dir, q.ts, q.n)
		case callEnd:
			q.conn.End(q.key, q.ts, q.n == 1)
		case callProgress:
			f.Progress(w, q.key)
		}
	}
	return next
}
