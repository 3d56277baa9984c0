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
	src, _ := netip.AddrFromSlice(netFlow.Src().Raw())
	dst, _ := netip.AddrFromSlice(netFlow.Dst().Raw())
	srcEP := netip.AddrPortFrom(src.Unmap(), uint16(tcp.SrcPort))
	dstEP := netip.AddrPortFrom(dst.Unmap(), uint16(tcp.DstPort))
	s := &stream{sh: sh, lastTs: c.ts}
	info := ConnInfo{Client: srcEP, Server: dstEP, Start: c.ts, Seq: c.idx, EventKey: &sh.key}
	if sh.ports.serverIsSrc(uint16(tcp.SrcPort), uint16(tcp.DstPort)) {
		// gopacket's "client to server" is the direction of this first packet.
		s.flip = true
		info.Client, info.Server = dstEP, srcEP
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
	if nextSeq == invalidSequence && !tcp.SYN {
		*start = true
		s.noSYN[s.dir(d)] = true
	}
	if tcp.RST {
		if c := ctxOf(ac); c != nil {
			s.rst, s.rstIdx = true, c.idx
		}
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
		if t := sg.CaptureInfo(avail - 1).Timestamp; t.After(ts) {
			ts = t
		}
	}
	var p []byte
	if avail > 0 {
		p = sg.Fetch(avail)
		if skip < -1 {
			// The chunk starts before bytes already delivered: drop the
			// overlap instead of delivering bytes twice.
			if -skip >= len(p) {
				p = nil
			} else {
				p = p[-skip:]
			}
			skip = 0
		}
	}
	if len(p) > 0 {
		switch {
		case !s.started[d] && (s.noSYN[d] || skip == -1):
			s.conn.Gap(d, ts, -1)
			s.sh.stats.MidStream++
		case skip > 0:
			s.conn.Gap(d, ts, skip)
			s.sh.stats.Gaps++
			s.sh.stats.GapBytes += int64(skip)
		}
		s.started[d] = true
		s.conn.Data(d, ts, p)
	} else if skip > 0 && s.started[d] {
		// Lost bytes right before a FIN: still a gap.
		s.conn.Gap(d, ts, skip)
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
	return true // remove from the pool
}

// finish calls End once.
func (s *stream) finish(ts time.Time, closed bool) {
	if s.ended {
		return
	}
	s.sh.open--
	s.ended = true
	if ts.Before(s.lastTs) {
		ts = s.lastTs
	}
	s.conn.End(ts, closed)
	s.conn = nil
}
