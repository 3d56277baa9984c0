package reassembly

import (
	"runtime"
	"time"
)

// Asynchronous delivery. With one worker reading a classic pcap file, the
// queued calls (delivery.go) are made on a goroutine of their own, so that
// the Conns' work (dissection) runs beside reading and reassembly instead of
// after it: the worker becomes a two-stage pipeline, one batch of calls
// deep. Nothing is copied: a batch holds a reference to the read block its
// bytes lie in, which goes back to the reader's ring only when the batch is
// done, so the reader waits when the Conns fall behind (memory stays
// bounded by the ring).
//
// The calls are made in the order they were queued, one batch after the
// other, and so are the ConnFactory.Progress reports, which are queued with
// them; a call that cannot be queued (bytes gopacket copied, an anomaly) is
// made after every queued one is done (shard.drain). So the Conns and the
// factory see the same calls, in the same order, as without it.

// asyncBatches is how many batches of calls exist for one shard: one being
// filled, the others queued to or being made by the caller goroutine.
const asyncBatches = 8

// blocksInlineAsync is the read ring of one worker with asynchronous
// delivery: the block being read, the one whose calls are being made and
// room for the calls to fall behind by a block without stopping the reader.
const blocksInlineAsync = 4

// asyncCPUs is how many CPUs the process must be allowed to use for calls
// to be made asynchronously: on one CPU the two stages would only take
// turns. Tests change it to force either way.
var asyncCPUs = 2

// useAsync reports whether a one-worker engine should make its calls
// asynchronously: only with batching and with a second CPU to run them on.
func useAsync(sh *shard) bool {
	return sh != nil && sh.cq.on && runtime.GOMAXPROCS(0) >= asyncCPUs
}

// callBatch is a run of calls handed to the caller goroutine.
type callBatch struct {
	calls   []queuedCall
	blk     *block // the read block the calls' bytes lie in (one reference)
	lastIdx uint64 // last packet assembled when sent, for damage notes
	out     callOutcome
}

// asyncCalls is the caller goroutine of one shard and its batches.
type asyncCalls struct {
	work     chan *callBatch // to the caller goroutine
	done     chan *callBatch // back, once made
	stopped  chan struct{}
	idle     []*callBatch // batches not in use
	inFlight int
}

// startAsync starts making sh's queued calls on a goroutine of its own.
func (sh *shard) startAsync() {
	a := &asyncCalls{
		work:    make(chan *callBatch, asyncBatches),
		done:    make(chan *callBatch, asyncBatches),
		stopped: make(chan struct{}),
	}
	for range asyncBatches {
		a.idle = append(a.idle, &callBatch{calls: make([]queuedCall, 0, batchMax)})
	}
	sh.cq.async = a
	sh.cq.cont = contention{}
	go a.run(sh.factory, sh.worker)
}

// adaptAsync pauses or resumes asynchronous delivery after a look at the
// CPUs, when it is time for one (contention.go). Called by the reader at
// block switches, after settling.
func (sh *shard) adaptAsync() {
	cq := &sh.cq
	if cq.async == nil && cq.parked == nil {
		return
	}
	busy, decided := cq.cont.verdict(time.Now(), cq.async != nil)
	switch {
	case !decided:
	case busy && cq.async != nil:
		sh.drain()
		cq.parked, cq.async = cq.async, nil
		cq.pauses++
	case !busy && cq.parked != nil:
		cq.async, cq.parked = cq.parked, nil
	}
}

// stopAsync makes every queued call, stops the caller goroutine and goes
// back to making calls on the shard's goroutine.
func (sh *shard) stopAsync() {
	if sh.cq.async == nil {
		sh.cq.async, sh.cq.parked = sh.cq.parked, nil
	}
	a := sh.cq.async
	if a == nil {
		return
	}
	sh.drain()
	close(a.work)
	<-a.stopped
	sh.cq.async = nil
}

// run is the caller goroutine: it makes each batch's calls, lets go of its
// block and hands it back.
func (a *asyncCalls) run(f ConnFactory, worker int) {
	defer close(a.stopped)
	for b := range a.work {
		makeCalls(b.calls, f, worker, b.lastIdx, &b.out)
		clear(b.calls) // drop the references to Conns and bytes
		b.calls = b.calls[:0]
		if b.blk != nil {
			b.blk.release()
			b.blk = nil
		}
		a.done <- b
	}
}

// send hands sh's queued calls to the caller goroutine, waiting for a free
// batch when all are in use.
func (a *asyncCalls) send(sh *shard) {
	if len(a.idle) == 0 {
		a.reclaim(sh, <-a.done)
	}
	b := a.idle[len(a.idle)-1]
	a.idle = a.idle[:len(a.idle)-1]
	cq := &sh.cq
	b.calls, cq.calls = cq.calls, b.calls
	// The reader still holds the block: it settles before letting go.
	if b.blk, cq.pending = cq.pending, nil; b.blk != nil {
		b.blk.retain()
	}
	b.lastIdx = sh.lastIdx
	a.inFlight++
	cq.handed++
	a.work <- b
}

// wait returns once every batch sent has been made.
func (a *asyncCalls) wait(sh *shard) {
	for a.inFlight > 0 {
		a.reclaim(sh, <-a.done)
	}
}

// reclaim takes back a batch that was made, with its panics.
func (a *asyncCalls) reclaim(sh *shard, b *callBatch) {
	a.inFlight--
	b.out.addTo(&sh.stats)
	a.idle = append(a.idle, b)
}
