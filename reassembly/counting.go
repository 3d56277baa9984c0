package reassembly

import (
	"sync/atomic"
	"time"
)

// CountingFactory is a ConnFactory whose Conns only count: the floor cost of
// reading and reassembling, with no dissection (imapscope read --no-dissect).
// It is safe for concurrent use; read the totals after Run or Engine.Close.
type CountingFactory struct {
	conns, ended, closed     atomic.Int64
	clientBytes, serverBytes atomic.Int64
	gaps, gapBytes, starts   atomic.Int64
}

// CountingTotals are the totals of a CountingFactory.
type CountingTotals struct {
	// Conns counts connections created, Ended those that got End, Closed
	// those whose close was seen on the wire.
	Conns, Ended, Closed int64
	// ClientBytes and ServerBytes count delivered bytes per direction.
	ClientBytes, ServerBytes int64
	// Gaps and GapBytes count Gap(n > 0); MidStream counts Gap(-1).
	Gaps, GapBytes, MidStream int64
}

// NewConn implements ConnFactory.
func (f *CountingFactory) NewConn(ConnInfo) Conn {
	f.conns.Add(1)
	return &countingConn{f: f}
}

// Workers implements ConnFactory; counting needs no ordering.
func (f *CountingFactory) Workers(int) {}

// Progress implements ConnFactory; counting needs no ordering.
func (f *CountingFactory) Progress(int, uint64) {}

// Totals returns the counts so far.
func (f *CountingFactory) Totals() CountingTotals {
	return CountingTotals{
		Conns: f.conns.Load(), Ended: f.ended.Load(), Closed: f.closed.Load(),
		ClientBytes: f.clientBytes.Load(), ServerBytes: f.serverBytes.Load(),
		Gaps: f.gaps.Load(), GapBytes: f.gapBytes.Load(), MidStream: f.starts.Load(),
	}
}

// countingConn counts locally and publishes its counts at End.
type countingConn struct {
	f                  *CountingFactory
	bytes              [2]int64
	gaps, gapBytes, ms int64
}

func (c *countingConn) Data(_ uint64, dir Direction, _ time.Time, p []byte) {
	c.bytes[dir&1] += int64(len(p))
}

func (c *countingConn) Gap(_ uint64, _ Direction, _ time.Time, n int) {
	if n < 0 {
		c.ms++
		return
	}
	c.gaps++
	c.gapBytes += int64(n)
}

func (c *countingConn) End(_ uint64, _ time.Time, closed bool) {
	f := c.f
	f.ended.Add(1)
	if closed {
		f.closed.Add(1)
	}
	f.clientBytes.Add(c.bytes[FromClient])
	f.serverBytes.Add(c.bytes[FromServer])
	f.gaps.Add(c.gaps)
	f.gapBytes.Add(c.gapBytes)
	f.starts.Add(c.ms)
}
