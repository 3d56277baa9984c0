package reassembly

import (
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Segments with a wrong TCP checksum. A receiver drops them, so their
// bytes must never win over the good copy the sender retransmits; but a
// capture taken on a host with checksum offload shows every segment that
// host sends with a "wrong" checksum, and those bytes are real. So a bad
// segment of an established direction is held back (one per direction,
// copied) until the connection says which it is:
//
//   - the other side acknowledges its bytes: the receiver took it, the
//     checksum was only wrong in the capture (offload). It is delivered and
//     the direction is marked offloaded: its later bad segments pass.
//   - the sender sends a segment beyond it (data, FIN): the sender went
//     on, as with offload; it is delivered.
//   - a good segment starting at or before it arrives (a retransmission):
//     it is dropped and counted in Stats.Skip.BadChecksum.
//   - the connection ends or the input ends: dropped and counted.
//
// Only segments with payload are held (a FIN or RST without payload has no
// bytes to conflict with), and only in a direction that has shown a good
// checksum: a capture of offloaded traffic then reads in full.

// pendingSeg is a held bad segment of one direction.
type pendingSeg struct {
	ok bool
	// tcp is decoded again from raw, a copy of the segment (header and
	// payload): a copy of the layers.TCP value alone would keep pointing
	// into the packet buffer, which the reader reuses, for the ports
	// gopacket keys the connection by (TCP.TransportFlow), so the segment
	// was later assembled under another packet's ports, as a new
	// connection.
	tcp  layers.TCP
	raw  []byte
	flow gopacket.Flow // the flow it is assembled under
	ts   time.Time
	idx  uint64
}

// end is the sequence number after the segment's bytes.
func (p *pendingSeg) end() uint32 {
	return p.tcp.Seq + uint32(len(p.tcp.Payload))
}

// holdBad decides about a segment with a wrong checksum: it returns true
// when the segment is held (and must not be assembled now).
func (sh *shard) holdBad(netFlow, genFlow gopacket.Flow, tcp *layers.TCP, ts time.Time, idx uint64) bool {
	st := sh.tuples[makeTupleKey(netFlow, tcp)]
	if st == nil || st.cur == nil || st.cur.ended {
		return false // a new connection's first packet, or nothing to protect
	}
	s := st.cur
	d := s.dirOf(netFlow, tcp)
	if s.offload[d] || !s.sumGood[d] || len(tcp.Payload) == 0 {
		return false
	}
	if s.pend == nil {
		s.pend = new([2]pendingSeg)
	}
	p := &s.pend[d]
	if p.ok {
		if p.tcp.Seq == tcp.Seq {
			sh.stats.Skip.BadChecksum++ // a bad copy replaced by another
		} else {
			sh.feedPending(s, d) // the sender went on
		}
	}
	p.raw = append(append(p.raw[:0], tcp.Contents...), tcp.Payload...)
	if p.tcp.DecodeFromBytes(p.raw, gopacket.NilDecodeFeedback) != nil {
		p.ok = false
		return false // cannot happen: the same bytes decoded before
	}
	p.ok, p.flow, p.ts, p.idx = true, genFlow, ts, idx
	if !s.held {
		s.held = true
		sh.held++
	}
	return true
}

// resolvePending looks at a packet of a connection with a held segment.
func (sh *shard) resolvePending(netFlow gopacket.Flow, tcp *layers.TCP, good bool) {
	st := sh.tuples[makeTupleKey(netFlow, tcp)]
	if st == nil || st.cur == nil || !st.cur.held {
		return
	}
	s := st.cur
	d := s.dirOf(netFlow, tcp)
	if p := &s.pend[d]; p.ok {
		switch ahead := seqDiff(tcp.Seq, p.tcp.Seq); {
		case ahead <= 0 && good && len(tcp.Payload) > 0:
			p.ok = false // the good retransmission wins
			sh.stats.Skip.BadChecksum++
		case ahead > 0:
			sh.feedPending(s, d) // the sender went on
		}
	}
	if p := &s.pend[d^1]; p.ok && tcp.ACK && seqDiff(tcp.Ack, p.end()) >= 0 {
		s.offload[d^1] = true // the receiver took it
		sh.feedPending(s, d^1)
	}
	sh.unhold(s)
}

// feedPending assembles the held segment of direction d.
func (sh *shard) feedPending(s *stream, d Direction) {
	p := &s.pend[d]
	if !p.ok {
		return
	}
	p.ok = false
	cur := sh.curSum
	sh.curSum = sumBad // what Accept is to know of this segment
	sh.asm.AssembleWithContext(p.flow, &p.tcp, sh.nextCtx(p.ts, p.idx))
	sh.curSum = cur
}

// dropPending drops what a stream still holds (at its end).
func (sh *shard) dropPending(s *stream) {
	if s.pend == nil {
		return
	}
	for d := range s.pend {
		if s.pend[d].ok {
			s.pend[d].ok = false
			sh.stats.Skip.BadChecksum++
		}
	}
	sh.unhold(s)
}

// unhold updates the held counts once nothing is held.
func (sh *shard) unhold(s *stream) {
	if s.held && (s.pend == nil || !s.pend[0].ok && !s.pend[1].ok) {
		s.held = false
		sh.held--
	}
}

// seqDiff is a - b in sequence space.
func seqDiff(a, b uint32) int32 { return int32(a - b) }
