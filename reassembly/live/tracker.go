package live

import (
	"sync/atomic"
	"time"

	"github.com/imapscope/imapscope/reassembly"
)

// Tracker wraps a ConnFactory and counts connections and gaps while the
// capture runs (the engine's own counters are only complete at Close). It
// is safe for concurrent use.
type Tracker struct {
	next                reassembly.ConnFactory
	open, total         atomic.Int64
	gaps, gapBytes, mid atomic.Int64
}

// NewTracker returns a Tracker in front of f.
func NewTracker(f reassembly.ConnFactory) *Tracker { return &Tracker{next: f} }

// NewConn implements reassembly.ConnFactory.
func (t *Tracker) NewConn(info reassembly.ConnInfo) reassembly.Conn {
	t.open.Add(1)
	t.total.Add(1)
	return &trackedConn{t: t, next: t.next.NewConn(info)}
}

// Workers implements reassembly.ConnFactory for the wrapped factory.
func (t *Tracker) Workers(n int) { t.next.Workers(n) }

// Progress implements reassembly.ConnFactory for the wrapped factory.
func (t *Tracker) Progress(w int, key uint64) { t.next.Progress(w, key) }

// Open is the number of connections not yet ended.
func (t *Tracker) Open() int64 { return t.open.Load() }

// Total is the number of connections seen.
func (t *Tracker) Total() int64 { return t.total.Load() }

// Gaps returns the holes reassembly reported (bytes lost in capture or
// given up on) and their bytes.
func (t *Tracker) Gaps() (n, bytes int64) { return t.gaps.Load(), t.gapBytes.Load() }

type trackedConn struct {
	t    *Tracker
	next reassembly.Conn
}

func (c *trackedConn) Data(key uint64, dir reassembly.Direction, ts time.Time, p []byte) {
	c.next.Data(key, dir, ts, p)
}

func (c *trackedConn) Gap(key uint64, dir reassembly.Direction, ts time.Time, n int) {
	if n > 0 {
		c.t.gaps.Add(1)
		c.t.gapBytes.Add(int64(n))
	} else {
		c.t.mid.Add(1)
	}
	c.next.Gap(key, dir, ts, n)
}

func (c *trackedConn) End(key uint64, ts time.Time, closed bool) {
	c.next.End(key, ts, closed)
	c.t.open.Add(-1)
}
