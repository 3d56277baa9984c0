package pipeline

import (
	"container/heap"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// Collector turns reassembled connections into dissected sessions. It is a
// reassembly.ConnFactory; with several workers its methods run concurrently.
type Collector struct {
	opts dissect.Options
	out  Stream

	mu       sync.Mutex
	sessions []finished
	err      error
	nextID   int
	open     int
	seen     atomic.Int64 // connections started, for progress displays
	empty    int64        // connections without payload, not reported

	// When streaming, what connections produce (transactions, ended
	// sessions) waits in pending until every worker has passed its event
	// key: the output order is then the same for any number of workers.
	pending  eventHeap
	progress []uint64

	// With Stream.Settled: the open connections by first packet, and the
	// last bound passed to Settled.
	opens   openHeap
	settled uint64

	// With Stream.Session alone and a second CPU, the Session calls are
	// made by w, started at the first (collector_writer.go).
	async bool
	w     *sessionWriter
}

// Stream says where a Collector sends sessions and transactions as they
// end. The zero value streams nothing: sessions are kept for Sessions.
type Stream struct {
	// Session, if set, receives each session as it ends, numbered in the
	// order of release (the same for any number of workers); the session
	// is then not kept. The calls are made one at a time, in that order;
	// without Transaction they may be made on a goroutine of the
	// collector's own (collector_writer.go), a little after the release.
	Session func(*report.Session) error
	// Transaction, if set with Session, receives each transaction as it
	// finishes, before the session it belongs to.
	Transaction func(*report.Session, *report.Transaction) error
	// Flush, if set with Session, is called when a streamed input pauses
	// (a pipe, FIFO or socket waiting for its writer), once what is
	// complete has been released: a buffered output writes it out. It is
	// called with the Collector's lock held, as Session and Transaction are.
	Flush func() error
	// Kept, if set (and Session not), receives each session with payload
	// as it ends, in no particular order, with seq ordering it by first
	// packet; the session is then not kept (Sessions returns none). It is
	// called with the collector's lock held, one call at a time; s is
	// Kept's to keep.
	Kept func(seq uint64, s *report.Session) error
	// Settled, if set with Kept, is called each time more of the report's
	// order is settled: every connection whose first packet precedes seq
	// has ended, and its session has been passed to Kept (or had no
	// payload), so no session ordered before seq is still to come. seq
	// grows from call to call (math.MaxUint64 at the end). It is called
	// with the collector's lock held, as Kept is.
	Settled func(seq uint64) error
}

// finished is an ended session with its ordering key.
type finished struct {
	seq uint64
	s   *report.Session
}

// NewCollector returns a Collector that dissects with opts and streams to
// out. It must be driven by a reassembly Engine (or Run), which tells it
// the worker count and their progress: streamed events are released only
// as far as every worker has got.
func NewCollector(opts dissect.Options, out Stream) *Collector {
	if out.Session == nil {
		out.Transaction, out.Flush = nil, nil
	} else {
		out.Kept = nil
	}
	if out.Kept == nil {
		out.Settled = nil
	}
	async := out.Session != nil && out.Transaction == nil && runtime.GOMAXPROCS(0) >= 2
	if opts.Capabilities == nil {
		opts.Capabilities = new(dissect.CapabilityCache) // this collector's sessions share it
	}
	return &Collector{opts: opts, out: out, async: async}
}

// Workers implements reassembly.ConnFactory.
func (c *Collector) Workers(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = make([]uint64, max(n, 1))
}

// Progress implements reassembly.ConnFactory: worker w has produced
// everything below key; what no worker can still precede is released.
func (c *Collector) Progress(w int, key uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w >= 0 && w < len(c.progress) && key > c.progress[w] {
		c.progress[w] = key
	}
	c.release()
	c.settle()
}

// release emits, in event-key order, the pending events that every worker
// is past. Called with c.mu held.
func (c *Collector) release() {
	if len(c.progress) == 0 {
		return
	}
	low := c.progress[0]
	for _, p := range c.progress[1:] {
		low = min(low, p)
	}
	for len(c.pending) > 0 && (c.pending[0].key < low || low == math.MaxUint64) {
		e := heap.Pop(&c.pending).(event)
		k := e.k
		if k.rs.ID == 0 {
			c.nextID++ // numbered in release order: the same for any worker count
			k.rs.ID = c.nextID
		}
		if c.err != nil {
			continue // the output failed: nothing more is written
		}
		var err error
		switch {
		case e.t != nil:
			err = c.out.Transaction(&k.rs, e.t)
		case c.async && k.rs.Spilled == nil:
			if c.w == nil {
				c.w = newSessionWriter(c.out.Session)
			}
			c.w.add(&k.rs)
		default:
			if c.w != nil {
				err = c.w.sync() // the sessions before it are written first
			}
			if err == nil {
				err = c.out.Session(&k.rs)
			}
			k.rs.ReleaseTxns() // written: its spilled transactions are not read again
		}
		if err != nil && c.err == nil {
			c.err = err
		}
	}
	if c.w != nil {
		c.w.handOver()
		if err := c.w.failed(); err != nil && c.err == nil {
			c.err = err
		}
	}
}

// push queues an event of k (t nil: k's session ended) under the key of
// the event that produced it. Called with c.mu held.
func (c *Collector) push(k *conn, t *report.Transaction) {
	heap.Push(&c.pending, event{key: k.key, seq: k.seq, n: k.events, k: k, t: t})
	k.events++
	c.release()
}

// Idle implements reassembly.Idler: the input has paused, so what has been
// released is flushed to the output (Stream.Flush).
func (c *Collector) Idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out.Flush == nil || c.err != nil {
		return
	}
	if c.w != nil {
		if err := c.w.sync(); err != nil {
			c.err = err
			return
		}
	}
	if err := c.out.Flush(); err != nil {
		c.err = err
	}
}

// Empty returns how many connections carried no payload at all; they are
// counted here instead of being reported as sessions.
func (c *Collector) Empty() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.empty
}

// Seen returns how many connections have started so far; it may be called
// from any goroutine while the capture is read.
func (c *Collector) Seen() int64 { return c.seen.Load() }

// Err returns the first error a Stream function returned, once every
// session released so far has been written.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w != nil {
		if err := c.w.close(); err != nil && c.err == nil {
			c.err = err
		}
		c.w = nil // a later release starts another
	}
	return c.err
}

// NewConn starts dissecting one connection.
func (c *Collector) NewConn(info reassembly.ConnInfo) reassembly.Conn {
	k := &conn{seq: info.Seq, c: c}
	// Both addresses are written into the conn itself (no allocation).
	b := info.Client.AppendTo(k.addrs[:0])
	n := len(b)
	b = info.Server.AppendTo(b)
	both := unsafe.String(unsafe.SliceData(b), len(b))
	k.rs = report.Session{
		Client: both[:n],
		Server: both[n:],
		Start:  report.Time{Time: info.Start},
	}
	k.identify(info)
	c.seen.Add(1)
	c.mu.Lock()
	c.open++
	if c.out.Settled != nil {
		heap.Push(&c.opens, k)
	}
	c.mu.Unlock()
	var sink dissect.Sink
	if c.out.Transaction != nil {
		sink = k
	}
	k.s = dissect.NewSession(&k.rs, c.opts, sink)
	return k
}

// done receives a finished session.
func (c *Collector) done(k *conn) {
	rs := &k.rs
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open--
	if c.out.Settled != nil {
		heap.Remove(&c.opens, k.hidx)
		defer c.settle() // once the session is with Kept
	}
	if rs.ClientBytes == 0 && rs.ServerBytes == 0 && rs.Gaps == 0 {
		// A SYN scan, a refused or aborted connection: nothing to dissect.
		c.empty++
		return
	}
	if c.out.Session != nil {
		c.push(k, nil)
		return
	}
	if c.out.Kept != nil {
		if c.err == nil {
			c.err = c.out.Kept(k.seq, rs)
		}
		return
	}
	c.sessions = append(c.sessions, finished{k.seq, rs})
}

// Sessions returns the kept sessions ordered by first packet, numbered from 1.
func (c *Collector) Sessions() []*report.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.Slice(c.sessions, func(i, j int) bool { return c.sessions[i].seq < c.sessions[j].seq })
	out := make([]*report.Session, len(c.sessions))
	for i, f := range c.sessions {
		f.s.ID = i + 1
		out[i] = f.s
	}
	return out
}

// conn adapts one reassembled connection to a dissect.Session, and is that
// session's dissect.Sink when transactions are streamed.
type conn struct {
	rs     report.Session // the report, allocated with the conn (kept after End)
	key    uint64         // ordering key of the reassembly call in progress
	events uint64         // events pushed so far, to order a conn's own events
	addrs  [2 * len("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%eth0]:65535")]byte
	ids    [len("1:") + 28 + len("C") + 16]byte // community_id and uid
	s      *dissect.Session
	seq    uint64
	hidx   int // index in Collector.opens
	c      *Collector
	// transportAnomalies counts the anomalies reassembly reported (transport.go).
	transportAnomalies int
}

// identify fills in the session's Community ID and uid (as
// report.Session.Identify does) in k.ids, without allocating.
func (k *conn) identify(info reassembly.ConnInfo) {
	b := report.AppendCommunityID(k.ids[:0], info.Client, info.Server)
	n := len(b)
	k.rs.CommunityID = unsafe.String(unsafe.SliceData(b), n)
	b = report.AppendSessionUID(b, k.rs.CommunityID, k.rs.Client, k.rs.Server, info.Start)
	k.rs.UID = unsafe.String(&b[n], len(b)-n)
}

// Data feeds one direction's bytes to the dissector; what they complete is
// queued under key.
func (k *conn) Data(key uint64, dir reassembly.Direction, ts time.Time, p []byte) {
	k.key = key
	k.s.Feed(dissect.Direction(dir), ts, p)
}

// Gap tells the dissector bytes were lost; what that completes is queued
// under key.
func (k *conn) Gap(key uint64, dir reassembly.Direction, ts time.Time, n int) {
	k.key = key
	k.s.Gap(dissect.Direction(dir), ts, n)
}

// End closes the session and hands its report to the collector, queued
// (with the transactions the close completes) under key.
func (k *conn) End(key uint64, ts time.Time, closed bool) {
	k.key = key
	k.s.Close(ts, closed)
	k.s = nil // the report outlives the conn's dissection state
	k.c.done(k)
}

// Transaction implements dissect.Sink: it queues t under the key of the
// reassembly call (Data, Gap, End) during which the session completed it,
// on the goroutine driving the conn.
func (k *conn) Transaction(t *report.Transaction) {
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	k.c.push(k, t)
}

// event is a transaction (t set) or the end of a session, waiting in the
// Collector until it can be released in order.
type event struct {
	key, seq, n uint64
	k           *conn
	t           *report.Transaction
}

// eventHeap orders events by key, then connection, then order within it.
type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.key != b.key {
		return a.key < b.key
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return a.n < b.n
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = event{}
	*h = old[:len(old)-1]
	return e
}

// settle tells Stream.Settled how far the report's order is settled: below
// the first packet of the earliest open connection, and below every packet
// all workers are past (a connection not yet started begins at a later
// packet: packet i has key 2i+1, reassembly.Conn). Called with c.mu held.
func (c *Collector) settle() {
	if c.out.Settled == nil || len(c.progress) == 0 || c.err != nil {
		return
	}
	low := c.progress[0]
	for _, p := range c.progress[1:] {
		low = min(low, p)
	}
	bound := uint64(math.MaxUint64)
	if low != math.MaxUint64 {
		bound = low / 2 // packets below it are assembled: their connections exist
	}
	if len(c.opens) > 0 {
		bound = min(bound, c.opens[0].seq)
	}
	if bound > c.settled {
		c.settled = bound
		c.err = c.out.Settled(bound)
	}
}

// openHeap orders open connections by first packet; each knows its index.
type openHeap []*conn

func (h openHeap) Len() int           { return len(h) }
func (h openHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h openHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *openHeap) Push(x any) {
	k := x.(*conn)
	k.hidx = len(*h)
	*h = append(*h, k)
}
func (h *openHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return k
}
