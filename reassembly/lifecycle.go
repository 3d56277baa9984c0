package reassembly

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TCP connection lifecycle as the endpoints see it. gopacket keys a
// connection by its 4-tuple for as long as it stays in the pool, so a new
// connection on the same 4-tuple (NAT and fixed-port clients reuse ports;
// a stack retries a SYN with a fresh ISN) would be glued to the old one, or
// dropped when the old one has ended. The shard therefore numbers the
// connections of each 4-tuple: a SYN that starts a new connection moves the
// 4-tuple to its next generation, and packets are handed to gopacket under
// a flow whose endpoint type carries the generation (the addresses stay the
// real ones). A 4-tuple is in the table while any of its connections is in
// gopacket's pool; a lookup is made for every SYN, and for every packet
// only while some 4-tuple is past generation 0.

// genEndpointBase is the endpoint type of generation 1 flows; generation n
// uses genEndpointBase+n-1. Far above gopacket's registered types.
const genEndpointBase gopacket.EndpointType = 1 << 40

// tupleKey is a 4-tuple, the lower endpoint first so that both directions
// give the same key.
type tupleKey struct {
	a, b   [16]byte
	pa, pb uint16
}

// tupleState is what the shard knows of one 4-tuple.
type tupleState struct {
	gen  uint32  // generation of the current connection
	cur  *stream // the current connection's stream, nil if gopacket refused it
	live int     // connections of the 4-tuple in gopacket's pool
}

func makeTupleKey(netFlow gopacket.Flow, tcp *layers.TCP) tupleKey {
	var k tupleKey
	src, dst := netFlow.Src().Raw(), netFlow.Dst().Raw()
	sp, dp := uint16(tcp.SrcPort), uint16(tcp.DstPort)
	var a, b [16]byte
	copy(a[:], src)
	copy(b[:], dst)
	if string(a[:]) > string(b[:]) || (a == b && sp > dp) {
		a, b, sp, dp = b, a, dp, sp
	}
	k.a, k.b, k.pa, k.pb = a, b, sp, dp
	return k
}

// generation returns the flow under which gopacket sees the packet, after
// deciding whether a SYN starts a new connection on its 4-tuple.
func (sh *shard) generation(netFlow gopacket.Flow, tcp *layers.TCP, ts time.Time) gopacket.Flow {
	k := makeTupleKey(netFlow, tcp)
	st := sh.tuples[k]
	if st == nil {
		return netFlow
	}
	if tcp.SYN && st.cur != nil {
		s := st.cur
		d := s.dirOf(netFlow, tcp)
		switch s.synVerdict(d, tcp) {
		case synNewConn:
			s.finish(ts, false)
			sh.nextGen(st)
		case synRetry:
			// Nothing was exchanged yet: the new connection takes over the
			// old one's Conn (same session, the retry's ISN).
			sh.adopt = s.conn
			s.conn, s.ended = nil, true
			sh.open--
			sh.nextGen(st)
		}
	}
	if st.gen == 0 {
		return netFlow
	}
	return gopacket.NewFlow(genEndpointBase+gopacket.EndpointType(st.gen-1), netFlow.Src().Raw(), netFlow.Dst().Raw())
}

func (sh *shard) nextGen(st *tupleState) {
	if st.gen == 0 {
		sh.reused++
	}
	st.gen++
	st.cur = nil
	sh.stats.Reused++
}

// synVerdict says what a SYN in direction d means for the connection.
type synVerdict uint8

const (
	synSame    synVerdict = iota // part of this connection (or a retransmission)
	synNewConn                   // a new connection: the old one is over
	synRetry                     // the handshake restarted with a new ISN
)

func (s *stream) synVerdict(d Direction, tcp *layers.TCP) synVerdict {
	if s.synSeen[d] {
		if tcp.Seq == s.isn[d] {
			return synSame
		}
		if !s.ended && !s.started[0] && !s.started[1] {
			return synRetry
		}
		return synNewConn
	}
	if s.ended || s.started[d] {
		// A SYN after the end, or after data that began without one
		// (a connection never seen to end): a new connection.
		return synNewConn
	}
	return synSame
}

// dirOf returns the direction of a packet of this connection.
func (s *stream) dirOf(netFlow gopacket.Flow, tcp *layers.TCP) Direction {
	src, _ := netip.AddrFromSlice(netFlow.Src().Raw())
	if netip.AddrPortFrom(src.Unmap(), uint16(tcp.SrcPort)) == s.client {
		return FromClient
	}
	return FromServer
}

// register notes a new stream of the 4-tuple (called from New).
func (sh *shard) register(s *stream, netFlow gopacket.Flow, tcp *layers.TCP) {
	k := makeTupleKey(netFlow, tcp)
	st := sh.tuples[k]
	if st == nil {
		if n := len(sh.tupleFree); n > 0 {
			st = sh.tupleFree[n-1]
			sh.tupleFree = sh.tupleFree[:n-1]
		} else {
			st = &tupleState{}
		}
		sh.tuples[k] = st
	}
	st.cur = s
	st.live++
	s.tuple = st
	s.tkey = k
}

// unregister notes that gopacket removed the stream from its pool.
func (sh *shard) unregister(s *stream) {
	st := s.tuple
	if st == nil {
		return
	}
	s.tuple = nil
	st.live--
	if st.cur == s {
		st.cur = nil
	}
	if st.live <= 0 {
		if st.gen > 0 {
			sh.reused--
		}
		delete(sh.tuples, s.tkey)
		*st = tupleState{}
		sh.tupleFree = append(sh.tupleFree, st)
	}
}
