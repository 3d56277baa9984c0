package reassembly

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// rawIPv4 builds an IPv4 packet by hand, to make headers the serializer
// would refuse: first is the version/IHL byte, total the length field (-1:
// the real length), flags the flags/fragment word.
func rawIPv4(first byte, total int, flags uint16, proto byte, opts, tcp []byte) []byte {
	ihl := 20 + len(opts)
	p := make([]byte, ihl, ihl+len(tcp))
	p[0] = first
	if total < 0 {
		total = ihl + len(tcp)
	}
	binary.BigEndian.PutUint16(p[2:], uint16(total))
	binary.BigEndian.PutUint16(p[6:], flags)
	p[8], p[9] = 64, proto
	copy(p[12:], []byte{10, 0, 0, 1})
	copy(p[16:], []byte{10, 0, 0, 2})
	copy(p[20:], opts)
	return append(p, tcp...)
}

// rawTCP builds a TCP header with the given data offset field and options,
// then the payload.
func rawTCP(sp, dp uint16, doff byte, opts []byte, payload string) []byte {
	t := make([]byte, 20, 20+len(opts)+len(payload))
	binary.BigEndian.PutUint16(t[0:], sp)
	binary.BigEndian.PutUint16(t[2:], dp)
	binary.BigEndian.PutUint32(t[4:], 77)
	t[12] = doff << 4
	t[13] = 0x18 // PSH ACK
	t = append(t, opts...)
	return append(t, payload...)
}

// TestFastPathMatchesDecoder runs frames that the reader's fixed-offset
// parser accepts and frames it must leave to the full decoder, on every
// link type it knows, and checks that one worker (full decoding on the
// reader) and several (parseFast on the reader) count and deliver the same.
func TestFastPathMatchesDecoder(t *testing.T) {
	badOpt := []byte{2, 0, 0, 0}  // MSS with length 0: gopacket stops reading options there
	goodOpt := []byte{1, 1, 1, 0} // NOPs and EOL
	ipOpt := []byte{1, 1, 1, 0}   // IPv4 NOPs
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeNull} {
		c := newCapture(t, link)
		k4 := c.conn("10.0.0.1", "10.0.0.2", 40000, 143)
		k6 := c.conn("2001:db8::1", "2001:db8::2", 40001, 143)
		for _, k := range []*conn{k4, k6} {
			k.add(handshake()...)
			k.add(sv(0, "* OK ready\r\n"), cl(0, "a1 NOOP\r\n"), sv(12, "a1 OK done\r\n"))
		}
		if link != layers.LinkTypeIPv4 {
			// Odd packets, each to the IMAP port and to another port.
			for _, dp := range []uint16{143, 80} {
				for _, p := range [][]byte{
					rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, dp, 6, badOpt, "x")),               // bad TCP option
					rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, dp, 6, goodOpt, "x")),              // good TCP option
					rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, dp, 4, nil, "x")),                  // data offset < 5
					rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, dp, 15, nil, "x")),                 // data offset past the end
					rawIPv4(0x45, -1, 0x2000, 6, nil, rawTCP(1234, dp, 5, nil, "x")),             // first fragment
					rawIPv4(0x45, -1, 0x0010, 6, nil, rawTCP(1234, dp, 5, nil, "x")),             // later fragment
					rawIPv4(0x46, -1, 0, 6, ipOpt, rawTCP(1234, dp, 5, nil, "x")),                // IP options
					rawIPv4(0x45, 0, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")),                   // length 0 (TSO)
					rawIPv4(0x45, 200, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")),                 // truncated
					rawIPv4(0x45, 30, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")),                  // too short for TCP
					rawIPv4(0x44, -1, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")),                  // IHL 4
					rawIPv4(0x55, -1, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")),                  // version 5
					rawIPv4(0x45, -1, 0, 17, nil, rawTCP(1234, dp, 5, nil, "x")),                 // UDP
					append(rawIPv4(0x45, 41, 0, 6, nil, rawTCP(1234, dp, 5, nil, "x")), 0, 0, 0), // trailer
				} {
					c.addIP(p, false, 0)
				}
			}
		}
		file := c.pcap()
		f1, st1, err := runBytes(t, file, Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3} {
			fw, stw, err := runBytes(t, file, Options{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if stw != st1 {
				t.Errorf("%v workers=%d stats\n%+v\nwant (workers=1)\n%+v", link, w, stw, st1)
			}
			if fw.summary() != f1.summary() {
				t.Errorf("%v workers=%d delivered\n%s\nwant (workers=1)\n%s", link, w, fw.summary(), f1.summary())
			}
		}
		if st1.IMAPPackets == 0 || (link != layers.LinkTypeIPv4 && (st1.DecodeErrors == 0 || st1.Fragments == 0 || st1.Skipped == 0)) {
			t.Errorf("%v: the capture should exercise every counter: %+v", link, st1)
		}
	}
}

// TestFlowHashSymmetric checks both directions of a connection meet on one
// worker, and that the hash of the fast parser equals the decoder's.
func TestFlowHashSymmetric(t *testing.T) {
	a4, b4 := []byte{10, 0, 0, 1}, []byte{192, 168, 1, 7}
	a6 := []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	b6 := []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}
	for _, c := range []struct{ a, b []byte }{{a4, b4}, {a6, b6}, {a4, a4}} {
		if flowHash(c.a, c.b, 40000, 143) != flowHash(c.b, c.a, 143, 40000) {
			t.Errorf("%v:%d <-> %v:%d hashes differ by direction", c.a, 40000, c.b, 143)
		}
	}
	if flowHash(a4, b4, 40000, 143) == flowHash(a4, b4, 40001, 143) {
		t.Error("ports do not change the hash")
	}
}

// TestDecodeFastMatchesLayers: on every frame decodeFast takes, the
// generic walk gives the same result, flow, offsets, TCP header, payload
// and checksum verdict.
func TestDecodeFastMatchesLayers(t *testing.T) {
	badOpt := []byte{2, 0, 0, 0}
	goodOpt := []byte{1, 1, 1, 0}
	fast := 0
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6} {
		c := newCapture(t, link)
		k := c.conn("10.0.0.1", "10.0.0.2", 40000, 143)
		if link == layers.LinkTypeIPv6 {
			k = c.conn("2001:db8::1", "2001:db8::2", 40001, 143)
		}
		k.add(handshake()...)
		k.add(sv(0, "* OK ready\r\n"), cl(0, "a1 NOOP\r\n"), seg{flags: "FA", off: 12})
		if link != layers.LinkTypeIPv6 {
			for _, p := range [][]byte{
				rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, 143, 6, badOpt, "x")),
				rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, 143, 6, goodOpt, "x")),
				rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, 143, 4, nil, "x")),
				rawIPv4(0x45, -1, 0, 6, nil, rawTCP(1234, 143, 15, nil, "x")),
				rawIPv4(0x45, 30, 0, 6, nil, rawTCP(1234, 143, 5, nil, "x")),
				append(rawIPv4(0x45, 41, 0, 6, nil, rawTCP(1234, 143, 5, nil, "x")), 0, 0, 0),
			} {
				c.addIP(p, false, 0)
			}
		}
		for i, p := range c.pkts {
			a, b := newDecoder(), newDecoder()
			ra, ok := a.decodeFast(link, p.data)
			if !ok {
				continue
			}
			fast++
			rb := b.decodeLayers(link, p.data)
			if ra != rb {
				t.Errorf("%v packet %d: decodeFast %d, decodeLayers %d", link, i, ra, rb)
				continue
			}
			if ra != decodedTCP {
				continue
			}
			ta, tb := &a.tcp, &b.tcp
			if a.netFlow != b.netFlow || a.v6 != b.v6 || a.netOff != b.netOff ||
				ta.TransportFlow() != tb.TransportFlow() || ta.Seq != tb.Seq || ta.Ack != tb.Ack ||
				ta.SYN != tb.SYN || ta.ACK != tb.ACK || ta.FIN != tb.FIN || ta.RST != tb.RST ||
				string(ta.Contents) != string(tb.Contents) || string(ta.Payload) != string(tb.Payload) ||
				tcpChecksum(a) != tcpChecksum(b) {
				t.Errorf("%v packet %d: decodeFast and decodeLayers differ:\n%+v\n%+v", link, i, ta, tb)
			}
		}
	}
	if fast < 30 {
		t.Errorf("decodeFast took only %d frames", fast)
	}
}

// FuzzDecodeTCP: on any bytes, decodeTCP fails exactly when gopacket does
// and otherwise agrees with it on every field the reassembly reads.
func FuzzDecodeTCP(f *testing.F) {
	f.Add(rawTCP(40000, 143, 8, []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, "x"))
	f.Add(rawTCP(40000, 143, 6, []byte{2, 0, 0, 0}, ""))
	f.Add(rawTCP(40000, 143, 5, nil, "a1 NOOP\r\n"))
	f.Fuzz(func(t *testing.T, seg []byte) {
		d := newDecoder()
		var g layers.TCP
		errA, errB := d.decodeTCP(seg), g.DecodeFromBytes(seg, gopacket.NilDecodeFeedback)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("decodeTCP error %v, gopacket %v", errA, errB)
		}
		if errA != nil {
			return
		}
		a := &d.tcp
		if a.SrcPort != g.SrcPort || a.DstPort != g.DstPort || a.Seq != g.Seq || a.Ack != g.Ack ||
			a.DataOffset != g.DataOffset || a.SYN != g.SYN || a.ACK != g.ACK || a.FIN != g.FIN || a.RST != g.RST ||
			a.TransportFlow() != g.TransportFlow() || string(a.Contents) != string(g.Contents) ||
			string(a.Payload) != string(g.Payload) || cap(a.Contents) != cap(g.Contents) {
			t.Fatalf("decodeTCP %+v\ngopacket  %+v", a, &g)
		}
	})
}

// TestDecodeTCPMatchesGopacket: decodeTCP gives gopacket's result, header
// fields, flow, contents and payload on segments with and without options
// (good, malformed, MPTCP, end-of-list padding) and on broken headers.
func TestDecodeTCPMatchesGopacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	opts := [][]byte{
		nil,
		{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2},   // NOP NOP timestamps
		{2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0}, // MSS, WS, SACK-permitted, EOL padding
		{2, 0, 0, 0},                            // length 0: gopacket stops there
		{30, 12, 0x20, 0x81, 1, 2, 3, 4, 5, 6, 7, 8}, // MPTCP MP_CAPABLE
		{5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1},        // SACK block
		{8, 40, 0, 0},                                // length past the option area
	}
	n := 0
	for _, o := range opts {
		for _, payload := range []string{"", "a1 NOOP\r\n"} {
			seg := rawTCP(40000, 143, byte(5+len(o)/4), o, payload)
			for i := 4; i < 20; i++ {
				if i != 12 {
					seg[i] = byte(rng.UintN(256)) // numbers, flags, window, checksum, urgent
				}
			}
			seg[12] |= byte(rng.UintN(2)) // NS
			cases := [][]byte{seg, seg[:len(seg)-len(payload)], seg[:19], seg[:20+len(o)/2]}
			bad := append([]byte(nil), seg...)
			bad[12] = 4<<4 | bad[12]&0x0f // data offset < 5
			cases = append(cases, bad)
			for _, c := range cases {
				n++
				d := newDecoder()
				var g layers.TCP
				errA, errB := d.decodeTCP(c), g.DecodeFromBytes(c, gopacket.NilDecodeFeedback)
				if (errA == nil) != (errB == nil) {
					t.Fatalf("% x: decodeTCP error %v, gopacket %v", c, errA, errB)
				}
				if errA != nil {
					continue
				}
				a := &d.tcp
				if a.SrcPort != g.SrcPort || a.DstPort != g.DstPort || a.Seq != g.Seq || a.Ack != g.Ack ||
					a.DataOffset != g.DataOffset || a.FIN != g.FIN || a.SYN != g.SYN || a.RST != g.RST ||
					a.PSH != g.PSH || a.ACK != g.ACK || a.URG != g.URG || a.ECE != g.ECE || a.CWR != g.CWR ||
					a.NS != g.NS || a.Window != g.Window || a.Checksum != g.Checksum || a.Urgent != g.Urgent ||
					a.TransportFlow() != g.TransportFlow() ||
					string(a.Contents) != string(g.Contents) || string(a.Payload) != string(g.Payload) ||
					cap(a.Contents) != cap(g.Contents) {
					t.Fatalf("% x:\ndecodeTCP %+v\ngopacket  %+v", c, a, &g)
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d segments", n)
	}
}
