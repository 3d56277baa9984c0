package transportgen

import (
	"encoding/binary"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ipPacket serializes seg as a bare IP packet (no link header).
func (f *Flow) ipPacket(seg Seg) []byte {
	ip, tcp := f.Layers(seg)
	if ip4, ok := ip.(*layers.IPv4); ok {
		ip4.Flags = 0 // may be fragmented
	}
	return Serialize(ip, tcp, gopacket.Payload(seg.Payload))
}

// Fragments writes seg as IP fragments whose payloads have the given sizes
// (multiples of 8 but the last; the rest goes in a last fragment), in the
// order given by order (indexes; nil: in order), with identification id.
func (c *Conv) Fragments(seg Seg, sizes []int, order []int, id uint32) {
	pkt := c.F.ipPacket(seg)
	frames := c.F.fragment(pkt, sizes, id, seg.FromServer)
	if order == nil {
		for i := range frames {
			order = append(order, i)
		}
	}
	for _, i := range order {
		c.Raw(frames[i])
	}
}

// fragment cuts an IP packet into fragments framed in Ethernet.
func (f *Flow) fragment(pkt []byte, sizes []int, id uint32, fromServer bool) [][]byte {
	hl, payload := 20, pkt[20:]
	if f.v6 {
		hl, payload = 40, pkt[40:]
	}
	var cuts [][2]int
	off := 0
	for _, n := range sizes {
		cuts = append(cuts, [2]int{off, off + n})
		off += n
	}
	if off < len(payload) {
		cuts = append(cuts, [2]int{off, len(payload)})
	}
	var out [][]byte
	for i, cut := range cuts {
		more := i < len(cuts)-1
		out = append(out, f.fragFrame(pkt[:hl], payload[cut[0]:cut[1]], cut[0], more, id, fromServer))
	}
	return out
}

// fragFrame builds one fragment: the header adjusted, the chunk at off.
func (f *Flow) fragFrame(hdr, chunk []byte, off int, more bool, id uint32, fromServer bool) []byte {
	var ip []byte
	if f.v6 {
		ip = append(append([]byte(nil), hdr...), make([]byte, 8)...)
		next := ip[6]
		ip[6] = 44 // Fragment
		binary.BigEndian.PutUint16(ip[4:6], uint16(8+len(chunk)))
		fh := ip[40:48]
		fh[0] = next
		fo := uint16(off/8) << 3
		if more {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], fo)
		binary.BigEndian.PutUint32(fh[4:8], id)
		ip = append(ip, chunk...)
	} else {
		ip = append(append([]byte(nil), hdr...), chunk...)
		binary.BigEndian.PutUint16(ip[2:4], uint16(len(ip)))
		binary.BigEndian.PutUint16(ip[4:6], uint16(id))
		fo := uint16(off / 8)
		if more {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(ip[6:8], fo)
		ip[10], ip[11] = 0, 0
		binary.BigEndian.PutUint16(ip[10:12], ipv4Sum(ip[:20]))
	}
	return append(Serialize(Ether(fromServer, ethType(f.v6)))[:14], ip...)
}

// AtomicFragment writes seg as an IPv6 atomic fragment (RFC 6946: a
// fragment header with offset 0 and M clear), as stacks sent after an ICMPv6
// Packet Too Big below 1280 bytes.
func (c *Conv) AtomicFragment(seg Seg, id uint32) {
	pkt := c.F.ipPacket(seg)
	c.Raw(c.F.fragFrame(pkt[:40], pkt[40:], 0, false, id, seg.FromServer))
}

func ipv4Sum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// IPv4Frag: a session over a path with a small MTU where the sender does
// not set DF (tunnels, some VPN clients): the LOGIN and the SELECT response
// arrive as IPv4 fragments, the response's out of order.
func IPv4Frag() *Capture {
	c, t := NewCapture("ipv4-frag", "IPv4 fragments (LOGIN in two fragments, a response in three, out of order)")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40300, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	a.Fragments(Seg{Payload: []byte("a1 LOGIN alice secret-alice\r\n")}, []int{24}, nil, 101)
	a.Emit(Seg{FromServer: true})
	a.Server("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n")
	a.Client("a2 SELECT INBOX\r\n")
	a.Fragments(Seg{FromServer: true, Payload: []byte("* 3 EXISTS\r\n* 0 RECENT\r\na2 OK [READ-WRITE] Select completed\r\n")}, []int{32, 32}, []int{2, 0, 1}, 202)
	a.Emit(Seg{})
	a.Logout("a3")
	a.Close()
	return c
}

// IPv6Frag: an IPv6 session whose LOGIN is fragmented (a sender behind a
// tunnel with a small path MTU) and whose SELECT response is an atomic
// fragment (RFC 6946).
func IPv6Frag() *Capture {
	c, t := NewCapture("ipv6-frag", "IPv6 fragments and an atomic fragment (RFC 6946)")
	a := &Conv{F: NewFlow6("2001:db8::1", "2001:db8::2", 40301, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	a.Fragments(Seg{Payload: []byte("a1 LOGIN alice secret-alice\r\n")}, []int{16}, []int{1, 0}, 0x1001)
	a.Emit(Seg{FromServer: true})
	a.Server("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n")
	a.Client("a2 SELECT INBOX\r\n")
	a.AtomicFragment(Seg{FromServer: true, Payload: []byte("* 3 EXISTS\r\n* 0 RECENT\r\na2 OK [READ-WRITE] Select completed\r\n")}, 0x2002)
	a.Emit(Seg{})
	a.Logout("a3")
	a.Close()
	return c
}

// FragOverlap: a fragmented SELECT whose second fragment is followed by an
// overlapping fragment with different bytes (a fragmentation-overlap
// evasion attempt); the receiver drops the datagram and the client
// retransmits the segment unfragmented.
func FragOverlap() *Capture {
	c, t := NewCapture("frag-overlap", "overlapping IPv4 fragments with different bytes (evasion attempt): the datagram is dropped, the retransmission used")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40302, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	sel := Seg{Payload: []byte("a2 SELECT INBOX\r\n"), NoAdvance: true}
	pkt := a.F.ipPacket(sel)
	fr := a.F.fragment(pkt, []int{24}, 303, false)
	evil := append([]byte(nil), pkt...)
	copy(evil[20+20+3:], "DELETE")
	ev := a.F.fragment(evil, []int{16}, 303, false)
	a.Raw(fr[0])
	a.Raw(ev[1]) // offset 16: overlaps the first fragment's last 8 bytes
	a.Raw(fr[1])
	a.Select("a2") // the retransmission, unfragmented
	a.Logout("a3")
	a.Close()
	return c
}

// FragFlood: thousands of first fragments that never complete (a
// fragment flood, or a capture point that sees only one path of an ECMP
// pair), around one normal session: memory stays bounded, the session is
// intact and the dropped fragments are counted.
func FragFlood() *Capture {
	c, t := NewCapture("frag-flood", "a flood of 1100 incomplete IPv4 fragments around a normal session")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40303, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	junk := &Flow{Cli: net.IP{10, 9, 9, 9}.To4(), Srv: net.IP{10, 0, 0, 2}.To4(), CPort: 40999, SPort: 143, CSeq: 1}
	for i := range 1100 {
		fr := junk.fragment(junk.ipPacket(Seg{Payload: make([]byte, 64), NoAdvance: true}), []int{16}, uint32(i), false)
		c.Frames = append(c.Frames, Frame{TS: *t, Data: fr[0]})
	}
	a.Login("a1", "alice")
	a.Finish()
	return c
}
