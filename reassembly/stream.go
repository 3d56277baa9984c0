package reassembly

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gr "github.com/gopacket/gopacket/reassembly"
)

// invalidSequence is gopacket's nextSeq before a half-connection has started.
const invalidSequence = gr.Sequence(-1)

// pktCtx is the gr.AssemblerContext of one packet. gopacket keeps the context
// inside every page it queues for out-of-order data and reads the capture
// time back from it when the page is delivered, so one object reused for
// every packet would stamp queued data with a later packet's time. Contexts
// are therefore cut from slabs (see shard.nextCtx): one allocation per
// ctxSlabSize packets, and a page always reports its own packet's time.
type pktCtx struct {
	ts  time.Time
	idx uint64 // index of the packet in the input, over all inputs
}

// GetCaptureInfo implements gr.AssemblerContext.
func (c *pktCtx) GetCaptureInfo() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: c.ts}
}

// ctxOf returns the packet context behind ac, nil if ac is not one of ours
// (gopacket passes nil to ReassemblyComplete).
func ctxOf(ac gr.AssemblerContext) *pktCtx {
	c, _ := ac.(*pktCtx)
	return c
}

// New implements gr.StreamFactory: it creates the Conn for a new connection.
// A packet with neither SYN nor payload (the last ACK after a close, a stray
// RST) does not open a connection.
func (sh *shard) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac gr.AssemblerContext) gr.Stream {
	if !tcp.SYN && len(tcp.Payload) == 0 {
		return nil // untyped nil: gopacket then drops the packet
	}
	c := ctxOf(ac)
	if c == nil {
		return nil
	}
	if sh.open >= sh.maxConns {
		// Too many connections at once: this one is not followed.
		sh.stats.PacketsOverConnLimit++
		return nil
	}
	sh.open++
	adopted := sh.adopt
	sh.adopt = nil
	src, _ := netip.AddrFromSlice(netFlow.Src().Raw())
	dst, _ := netip.AddrFromSlice(netFlow.Dst().Raw())
	srcEP := netip.AddrPortFrom(src.Unmap(), uint16(tcp.SrcPort))
	dstEP := netip.AddrPortFrom(dst.Unmap(), uint16(tcp.DstPort))
	s := &stream{sh: sh, lastTs: c.ts}
	info := ConnInfo{Client: srcEP, Server: dstEP, Start: c.ts, Seq: c.idx}
	if sh.ports.serverIsSrc(uint16(tcp.SrcPort), uint16(tcp.DstPort)) {
		// gopacket's "client to server" is the direction of this first packet.
		s.flip = true
		info.Client, info.Server = dstEP, srcEP
	}
	s.client = info.Client
	sh.register(s, netFlow, tcp)
	if adopted != nil {
		// A SYN retried with a new ISN: the same session goes on.
		s.conn = adopted
		return s
	}
	s.conn = sh.factory.NewConn(info)
	sh.stats.Conns++
	return s
}

// stream adapts one Conn to gr.Stream. All its methods run on the goroutine
// of the shard that owns it.
type stream struct {
	sh     *shard
	conn   Conn
	flip   bool      // gopacket's TCPDirClientToServer is our FromServer
	ended  bool      // End was called
	lastTs time.Time // latest capture time of any packet of the connection
	rstIdx uint64    // packet index of the last RST accepted, valid if rst
	rst    bool
	client netip.AddrPort // the client endpoint (to tell directions apart)

	tuple   *tupleState // the 4-tuple's entry in the shard's table
	tkey    tupleKey
	isn     [2]uint32 // initial sequence number of each direction, if synSeen
	synSeen [2]bool   // a SYN was seen in the direction

	// Checksums (badsum.go).
	sumGood [2]bool        // a segment with a good checksum was seen
	offload [2]bool        // checksum offload is evident for the direction
	pend    *[2]pendingSeg // held bad segments, allocated on first use
	held    bool           // pend holds a segment (counted in shard.held)

	ooo [2]oooQueue // out-of-order segments kept for comparison (overlap.go)

	// Sequence numbers are handed to gopacket relative to base (rebase).
	base  [2]uint32
	based [2]bool

	noSYN   [2]bool // the direction started without a SYN
	started [2]bool // Data or Gap(-1) already delivered in the direction
	endSeen [2]bool // the direction ended with FIN or RST

	// A hole: data arrived ahead of the next expected byte of a direction.
	hole     [2]bool
	holeSeq  [2]gr.Sequence // the first missing byte
	holeSeen [2]time.Time   // capture time of the first data beyond it
}

func (s *stream) dir(d gr.TCPFlowDirection) Direction {
	if (d == gr.TCPDirServerToClient) != s.flip {
		return FromServer
	}
	return FromClient
}

// Accept implements gr.Stream. It accepts every packet (no checksum, window
// or state checks: captures with offloaded checksums and captures starting
// mid-connection must work) and forces the start of a direction whose SYN
// was not captured.
func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, d gr.TCPFlowDirection, nextSeq gr.Sequence, start *bool, ac gr.AssemblerContext) bool {
	if s.ended {
		return false
	}
	if ci.Timestamp.After(s.lastTs) {
		s.lastTs = ci.Timestamp
	}
	switch s.sh.curSum {
	case sumGood:
		s.sumGood[s.dir(d)] = true
	case sumLater:
		if !s.sumGood[s.dir(d)] && tcpChecksum(s.sh.curDec) == sumGood {
			s.sumGood[s.dir(d)] = true
		}
	}
	if tcp.SYN && !s.synSeen[s.dir(d)] {
		s.synSeen[s.dir(d)], s.isn[s.dir(d)] = true, tcp.Seq
	}
	s.rebase(tcp, s.dir(d))
	if nextSeq == invalidSequence && !tcp.SYN {
		*start = true
		s.noSYN[s.dir(d)] = true
	}
	if tcp.RST {
		if c := ctxOf(ac); c != nil {
			s.rst, s.rstIdx = true, c.idx
		}
	}
	if len(tcp.Payload) > 0 && nextSeq != invalidSequence {
		s.checkOverlap(tcp, ci.Timestamp, s.dir(d), nextSeq)
	}
	s.watchHoles(tcp, ci.Timestamp, s.dir(d), nextSeq)
	return true
}

// watchHoles notices bytes lost by the capture rather than by the network:
// when one side acknowledges bytes of the other direction that lie beyond a
// hole, the receiver got them and the capture did not, so no retransmission
// will fill the hole. The shard is then asked to give up on it now, instead
// of after the page timeout, so that the data behind it is delivered in
// step with the other direction (see shard.giveUpHoles).
func (s *stream) watchHoles(tcp *layers.TCP, ts time.Time, d Direction, nextSeq gr.Sequence) {
	if len(tcp.Payload) > 0 && nextSeq != invalidSequence {
		seq := gr.Sequence(tcp.Seq)
		switch {
		case nextSeq.Difference(seq) > 0 && !s.hole[d]:
			s.hole[d], s.holeSeq[d], s.holeSeen[d] = true, nextSeq, ts
		case s.hole[d] && s.holeSeq[d].Difference(nextSeq) > 0:
			s.hole[d] = false // filled
		}
	}
	o := d ^ 1
	if tcp.ACK && s.hole[o] && s.holeSeq[o].Difference(gr.Sequence(tcp.Ack)) > 0 {
		s.hole[o] = false
		s.sh.giveUpHoles(s.holeSeen[o])
	}
}

// ReassembledSG implements gr.Stream: one in-order chunk of one direction.
// The bytes are fetched without copying when the chunk is a single packet or
// page (the in-order case); gopacket copies when it spans several.
func (s *stream) ReassembledSG(sg gr.ScatterGather, ac gr.AssemblerContext) {
	if s.ended {
		return
	}
	gdir, _, end, skip := sg.Info()
	d := s.dir(gdir)
	avail, _ := sg.Lengths()
	var ts time.Time
	c := ctxOf(ac)
	if c != nil {
		ts = c.ts
	}
	if avail > 0 {
		// The capture time of the segment that carried the chunk's last
		// byte, even when the chunk is released later, behind a hole
		// given up (latency is measured from it).
		if t := sg.CaptureInfo(avail - 1).Timestamp; !t.IsZero() {
			ts = t
		}
	}
	var p []byte
	first := 0 // offset of p in the chunk
	if avail > 0 {
		p = sg.Fetch(avail)
		if skip < -1 {
			// The chunk starts before bytes already delivered: drop the
			// overlap instead of delivering bytes twice.
			if -skip >= len(p) {
				p = nil
			} else {
				p, first = p[-skip:], -skip
			}
			skip = 0
		}
	}
	if len(p) > 0 {
		switch {
		case !s.started[d] && (s.noSYN[d] || skip == -1):
			s.sh.gap(s.conn, d, ts, -1)
			s.sh.stats.MidStream++
		case skip > 0:
			s.sh.gap(s.conn, d, ts, skip)
			s.sh.stats.Gaps++
			s.sh.stats.GapBytes += int64(skip)
		}
		s.started[d] = true
		if c != nil && ts.Equal(c.ts) {
			// The chunk ends with this packet's bytes: in order, one time.
			s.sh.data(s.conn, d, ts, p)
		} else {
			s.deliver(d, sg, p, first, avail, ts)
		}
	} else if skip > 0 && s.started[d] {
		// Lost bytes right before a FIN: still a gap.
		s.sh.gap(s.conn, d, ts, skip)
		s.sh.stats.Gaps++
		s.sh.stats.GapBytes += int64(skip)
	}
	if end {
		s.endSeen[d] = true
		if s.rst && c != nil && c.idx == s.rstIdx {
			// A RST kills both directions at once.
			s.finish(ts, true)
		}
	}
}

// ReassemblyComplete implements gr.Stream: both directions are closed (FIN,
// RST, idle or end of input). gopacket passes no context here, so End gets
// the capture time of the connection's last packet.
//
// The connection was closed when each direction ended or a RST was
// accepted: a RST after a FIN (a server that sends FIN then RST to a
// client still writing) lies beyond the FIN, so it is not delivered as a
// segment and the per-segment RST check never sees it.
func (s *stream) ReassemblyComplete(gr.AssemblerContext) bool {
	s.finish(s.lastTs, s.endSeen[0] && s.endSeen[1] || s.rst)
	s.sh.unregister(s)
	return true // remove from the pool
}

// finish calls End once.
func (s *stream) finish(ts time.Time, closed bool) {
	if s.ended {
		return
	}
	s.sh.open--
	s.ended = true
	s.sh.dropPending(s)
	for d := range s.ooo {
		q := &s.ooo[d]
		q.segs, q.bytes = nil, 0
		q.release(&s.sh.oooBufs)
	}
	if ts.Before(s.lastTs) {
		ts = s.lastTs
	}
	s.sh.end(s.conn, ts, closed)
	s.conn = nil
}

// deliver hands p (the chunk's bytes from offset first) to the Conn. A
// chunk of segments captured at different times (data released behind a
// hole) is delivered segment by segment, each with its own capture time,
// so that a response's time is when it was captured, not when the hole
// was given up. last is the time of the chunk's last byte.
func (s *stream) deliver(d Direction, sg gr.ScatterGather, p []byte, first, avail int, last time.Time) {
	if t0 := sg.CaptureInfo(first).Timestamp; t0.Equal(last) || t0.IsZero() {
		s.sh.data(s.conn, d, last, p)
		return
	}
	// Runs of bytes are delivered with the time of their segment, never
	// earlier than the run before (a segment captured before the one that
	// filled its hole was reordered: the receiver got it at the fill), and
	// runs of the same time together.
	runStart := first
	var runTs time.Time
	for off := first; off < avail; {
		t := sg.CaptureInfo(off).Timestamp
		end := sameTimeEnd(sg, off, avail, t)
		if t.Before(runTs) {
			t = runTs
		}
		if off > runStart && !t.Equal(runTs) {
			s.sh.data(s.conn, d, runTs, p[runStart-first:off-first])
			runStart = off
		}
		runTs = t
		off = end
	}
	s.sh.data(s.conn, d, runTs, p[runStart-first:])
}

// sameTimeEnd returns the end of the run of bytes from off captured at t
// (the bytes of one segment are contiguous): galloping, then bisection.
func sameTimeEnd(sg gr.ScatterGather, off, avail int, t time.Time) int {
	lo, step := off, 1 // lo: last offset known to have time t
	for lo+step < avail && sg.CaptureInfo(lo+step).Timestamp.Equal(t) {
		lo += step
		step *= 2
	}
	hi := min(lo+step, avail) // first offset known (or assumed) past the run
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if sg.CaptureInfo(mid).Timestamp.Equal(t) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// seqOrigin is where a direction's first sequence number lands after
// rebase: low in the sequence space, so that the first 4 GiB of a stream
// never wrap.
const seqOrigin = 1 << 20

// rebase rewrites the sequence and acknowledgment numbers of a packet of
// direction d relative to the first ones seen in each direction, before
// gopacket reads them. gopacket compares sequence numbers as integers and
// unwraps only from the last quarter of the space into the first, so a
// hole of more than 1 GiB that crosses the 32-bit wrap from lower down
// looked like old data and its tail was dropped. Relative numbers start
// near 0 and do not wrap for 4 GiB; past that, holes below 1 GiB still
// compare right.
func (s *stream) rebase(tcp *layers.TCP, d Direction) {
	if !s.based[d] {
		s.base[d], s.based[d] = tcp.Seq-seqOrigin, true
	}
	tcp.Seq -= s.base[d]
	if tcp.ACK {
		o := d ^ 1
		if !s.based[o] {
			s.base[o], s.based[o] = tcp.Ack-seqOrigin, true
		}
		tcp.Ack -= s.base[o]
	}
}
