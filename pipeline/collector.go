package pipeline

import (
	"sort"
	"sync"
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

	mu       sync.Mutex
	sessions []finished
	// stream, if set, receives each session as it ends (JSONL); the
	// session is then not kept. Calls are serialised.
	stream func(*report.Session) error
	err    error
	nextID int
	open   int
	empty  int64 // connections without payload, not reported
}

// finished is an ended session with its ordering key.
type finished struct {
	seq uint64
	s   *report.Session
}

// NewCollector returns a Collector that dissects with opts. If stream is
// non-nil, each session is passed to it as it ends (numbered in the order
// connections were first seen, which is first-packet order with one worker)
// and not kept; otherwise Sessions returns them all.
func NewCollector(opts dissect.Options, stream func(*report.Session) error) *Collector {
	return &Collector{opts: opts, stream: stream}
}

// Empty returns how many connections carried no payload at all; they are
// counted here instead of being reported as sessions.
func (c *Collector) Empty() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.empty
}

// Err returns the first error the stream function returned.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
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
	c.mu.Lock()
	c.open++
	c.nextID++
	// Streamed sessions keep this number (transaction lines carry it);
	// collected ones are renumbered in first-packet order by Sessions.
	k.rs.ID = c.nextID
	c.mu.Unlock()
	k.s = dissect.NewSession(&k.rs, c.opts)
	return k
}

// done receives a finished session.
func (c *Collector) done(seq uint64, rs *report.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open--
	if rs.ClientBytes == 0 && rs.ServerBytes == 0 && rs.Gaps == 0 {
		// A SYN scan, a refused or aborted connection: nothing to dissect.
		c.empty++
		return
	}
	if c.stream != nil {
		if err := c.stream(rs); err != nil && c.err == nil {
			c.err = err
		}
		return
	}
	c.sessions = append(c.sessions, finished{seq, rs})
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

// conn adapts one reassembled connection to a dissect.Session.
type conn struct {
	rs    report.Session // the report, allocated with the conn (kept after End)
	addrs [2 * len("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%eth0]:65535")]byte
	s     *dissect.Session
	seq   uint64
	c     *Collector
}

func (k *conn) Data(dir reassembly.Direction, ts time.Time, p []byte) {
	k.s.Feed(dissect.Direction(dir), ts, p)
}

func (k *conn) Gap(dir reassembly.Direction, ts time.Time, n int) {
	k.s.Gap(dissect.Direction(dir), ts, n)
}

func (k *conn) End(ts time.Time, closed bool) {
	rs := k.s.Close(ts, closed)
	k.s = nil // the report outlives the conn's dissection state
	k.c.done(k.seq, rs)
}
