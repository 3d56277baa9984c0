package reassembly

import (
	"sync"
	"time"
)

// Worker batching. The reader copies each IP packet into the current batch of
// the worker that owns its connection; full batches travel over a channel and
// come back empty for reuse, so steady state allocates nothing.
const (
	// batchPackets is the most packets in one batch.
	batchPackets = 512
	// batchArenaBytes is the packet-data capacity of one batch.
	batchArenaBytes = 1 << 20
	// batchArenaInitial is the arena allocated up front; it grows on demand
	// up to batchArenaBytes, so that small inputs stay cheap.
	batchArenaInitial = 64 << 10
	// batchesPerWorker is how many batches each worker cycles through (and
	// the depth of its queue): the reader blocks when a worker falls behind.
	batchesPerWorker = 4
)

// batchEntry is one packet in a batch, or a flush pass when flush is set.
type batchEntry struct {
	ts     time.Time
	idx    uint64
	off, n uint32 // packet bytes in the arena
	v6     bool
	flush  bool
}

type batch struct {
	ents  []batchEntry
	arena []byte
}

// worker owns one shard and runs it on its own goroutine.
type worker struct {
	sh   *shard
	dec  *decoder
	work chan *batch
	free chan *batch
	cur  *batch // being filled by the reader
}

// workerSet is the set of workers of an Engine. Its methods are called by
// the reading goroutine only.
type workerSet struct {
	ws []*worker
	wg sync.WaitGroup
}

func startWorkers(o *Options, f ConnFactory, ports *portSet) *workerSet {
	set := &workerSet{ws: make([]*worker, o.Workers)}
	perWorker := o.MaxBufferedPagesTotal / o.Workers
	for i := range set.ws {
		w := &worker{
			sh:   newShard(o, f, ports, perWorker),
			dec:  newDecoder(),
			work: make(chan *batch, batchesPerWorker),
			free: make(chan *batch, batchesPerWorker),
		}
		for range batchesPerWorker {
			w.free <- &batch{
				ents:  make([]batchEntry, 0, batchPackets),
				arena: make([]byte, 0, batchArenaInitial),
			}
		}
		set.ws[i] = w
		set.wg.Add(1)
		go w.run(&set.wg)
	}
	return set
}

// dispatch copies an IP packet into the batch of the worker chosen by the
// flow hash h. It returns false if the packet cannot fit in a batch.
func (set *workerSet) dispatch(h uint64, pkt []byte, v6 bool, ts time.Time, idx uint64) bool {
	if len(pkt) > batchArenaBytes {
		return false
	}
	w := set.ws[h%uint64(len(set.ws))]
	b := w.batch()
	if len(b.ents) == batchPackets || len(b.arena)+len(pkt) > batchArenaBytes {
		w.send()
		b = w.batch()
	}
	if len(b.arena)+len(pkt) > cap(b.arena) {
		// Grow once, straight to the full size.
		b.arena = append(make([]byte, 0, batchArenaBytes), b.arena...)
	}
	off := len(b.arena)
	b.arena = append(b.arena, pkt...)
	b.ents = append(b.ents, batchEntry{ts: ts, idx: idx, off: uint32(off), n: uint32(len(pkt)), v6: v6})
	return true
}

// flush queues a flush pass at capture time now on every worker, in order
// with the packets, and sends the partial batches so that a live capture
// does not wait for batches to fill.
func (set *workerSet) flush(now time.Time) {
	for _, w := range set.ws {
		b := w.batch()
		if len(b.ents) == batchPackets {
			w.send()
			b = w.batch()
		}
		b.ents = append(b.ents, batchEntry{ts: now, flush: true})
		w.send()
	}
}

// close sends what is left, waits for every worker to flush all its
// connections and exit, and returns the shards.
func (set *workerSet) close() []*shard {
	shards := make([]*shard, len(set.ws))
	for i, w := range set.ws {
		if w.cur != nil && len(w.cur.ents) > 0 {
			w.send()
		}
		close(w.work)
		shards[i] = w.sh
	}
	set.wg.Wait()
	return shards
}

// batch returns the batch being filled, taking a free one if needed.
func (w *worker) batch() *batch {
	if w.cur == nil {
		w.cur = <-w.free
	}
	return w.cur
}

// send queues the current batch to the worker.
func (w *worker) send() {
	if w.cur != nil {
		w.work <- w.cur
		w.cur = nil
	}
}

// run processes batches until the queue is closed, then ends every
// connection.
func (w *worker) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for b := range w.work {
		for i := range b.ents {
			e := &b.ents[i]
			if e.flush {
				w.sh.flush(e.ts)
				continue
			}
			w.sh.assembleIP(w.dec, b.arena[e.off:e.off+e.n], e.v6, e.ts, e.idx)
		}
		b.ents = b.ents[:0]
		b.arena = b.arena[:0]
		w.free <- b
	}
	w.sh.flushAll()
}
