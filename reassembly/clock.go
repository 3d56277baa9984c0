package reassembly

import (
	"math"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Capture time drives every timeout, so one packet stamped far in the
// future (a clock glitch of the capturing host, a corrupt record, a merged
// file) would make every open connection look idle and end it, and would
// give up every hole at once. A packet whose time jumps more than
// clockJumpLimit ahead of the capture clock is therefore held until the
// next packet says whether the jump is real: if the next packet is within
// clockConfirmSlack of it, time really moved on (a quiet period) and the
// held packet is processed as it is; otherwise it is an outlier, processed
// at the capture clock's time and counted in Stats.ClockOutliers. Only
// forward jumps are held: a packet stamped in the past cannot end
// anything. Holding costs one copy of the rare packet that jumps.

// clockJumpLimit returns the largest forward step of capture time taken
// without confirmation: half the page timeout, below which no flush pass
// can give up a hole or end a connection that the step did not age.
func (e *Engine) clockJumpLimit() time.Duration {
	return min(e.opts.PageTimeout, e.opts.IdleTimeout) / 2
}

// heldPacket is a packet waiting for its time to be confirmed.
type heldPacket struct {
	ok   bool
	ci   gopacket.CaptureInfo
	lt   layers.LinkType
	data []byte // a copy, reused
}

// suspect says whether a packet stamped ns (captureNanos) jumps ahead of
// the clock.
func (e *Engine) suspect(ns int64) bool {
	return e.clockSet && ns-e.nowNs > e.jumpNs // both >= 0: no overflow
}

// captureNanos returns t in nanoseconds since 1970, clamped to [0,
// MaxInt64] (1970 to 2262): the capture clock compares these, not
// time.Time values. Capture formats store times from 1970; times past
// 2262, which only a corrupt record gives, all compare equal (they are
// held as clock outliers anyway).
func captureNanos(t time.Time) int64 {
	s := t.Unix()
	switch {
	case s < 0:
		return 0
	case s >= math.MaxInt64/1_000_000_000:
		return math.MaxInt64
	}
	return s*1_000_000_000 + int64(t.Nanosecond())
}

// hold keeps a copy of the packet until the next one.
func (e *Engine) hold(ci gopacket.CaptureInfo, data []byte, lt layers.LinkType) {
	h := &e.held
	h.ok, h.ci, h.lt = true, ci, lt
	h.data = append(h.data[:0], data...)
}

// releaseHeld processes the held packet, knowing that the next packet (or
// the wall clock, for live capture) says the time is next.
func (e *Engine) releaseHeld(next time.Time) {
	h := &e.held
	h.ok = false
	ci := h.ci
	if next.Before(ci.Timestamp.Add(-e.clockJumpLimit() / 2)) {
		// The clock did not follow: the packet's time was wrong.
		ci.Timestamp = e.now
		e.stats.ClockOutliers++
	}
	e.process(ci, captureNanos(ci.Timestamp), h.data, h.lt, nil, 0)
}
