package transportgen

import (
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Frame is one captured record: its time, the bytes captured and the
// length the packet had on the wire (Orig 0: the captured length).
type Frame struct {
	TS   time.Time
	Data []byte
	Orig int
}

// Capture is a named capture: a link type and its frames, in order.
type Capture struct {
	Name     string
	LinkType layers.LinkType
	Frames   []Frame
	// What says which real condition the capture reproduces.
	What string
}

// base is the capture time of the first packet of every capture.
var base = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// Flow is one TCP connection being written: the two endpoints, their next
// sequence numbers and the clock.
type Flow struct {
	Cli, Srv     net.IP
	CPort, SPort uint16
	CSeq, SSeq   uint32 // next sequence number of each side
	v6           bool
	// Wrap, if set, turns the IP packet (its layers) into the frame's
	// layers, for encapsulations; nil means plain Ethernet.
	Wrap func(ip []gopacket.SerializableLayer, fromServer bool) []gopacket.SerializableLayer
	// BadSum, when set for a direction (0 client, 1 server), writes that
	// direction's TCP checksums wrong, as a capture on a host with checksum
	// offload shows its own outbound segments.
	BadSum [2]bool
}

// NewFlow4 returns an IPv4 flow client:cport -> server:143.
func NewFlow4(cli, srv string, cport uint16, cseq, sseq uint32) *Flow {
	return &Flow{Cli: net.ParseIP(cli).To4(), Srv: net.ParseIP(srv).To4(), CPort: cport, SPort: 143, CSeq: cseq, SSeq: sseq}
}

// NewFlow6 returns an IPv6 flow client:cport -> server:143.
func NewFlow6(cli, srv string, cport uint16, cseq, sseq uint32) *Flow {
	return &Flow{Cli: net.ParseIP(cli), Srv: net.ParseIP(srv), CPort: cport, SPort: 143, CSeq: cseq, SSeq: sseq, v6: true}
}

// Seg describes one TCP segment to write.
type Seg struct {
	FromServer              bool
	SYN, ACK, FIN, RST, PSH bool
	Seq                     uint32 // used when SetSeq
	SetSeq                  bool
	Payload                 []byte
	NoAdvance               bool // do not move the sender's sequence number
	BadSum                  bool // write a wrong TCP checksum
	Ack                     uint32
	SetAck                  bool
	IPID                    uint16
}

var (
	macCli = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	macSrv = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

// Layers returns the IP and TCP layers of seg and advances the flow.
func (f *Flow) Layers(seg Seg) (ip gopacket.SerializableLayer, tcp *layers.TCP) {
	src, dst, sp, dp := f.Cli, f.Srv, f.CPort, f.SPort
	seq, ack := &f.CSeq, f.SSeq
	if seg.FromServer {
		src, dst, sp, dp = f.Srv, f.Cli, f.SPort, f.CPort
		seq, ack = &f.SSeq, f.CSeq
	}
	s := *seq
	if seg.SetSeq {
		s = seg.Seq
	}
	if seg.SetAck {
		ack = seg.Ack
	}
	tcp = &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: s,
		SYN: seg.SYN, ACK: seg.ACK || !seg.SYN, FIN: seg.FIN, RST: seg.RST, PSH: len(seg.Payload) > 0, Window: 65535}
	if tcp.ACK {
		tcp.Ack = ack
	}
	if !seg.NoAdvance {
		n := uint32(len(seg.Payload))
		if seg.SYN || seg.FIN {
			n++
		}
		*seq = s + n
	}
	if f.v6 {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		_ = tcp.SetNetworkLayerForChecksum(ip6)
		return ip6, tcp
	}
	ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst, Id: seg.IPID, Flags: layers.IPv4DontFragment}
	_ = tcp.SetNetworkLayerForChecksum(ip4)
	return ip4, tcp
}

// Packet serializes seg as a frame (Ethernet unless the flow wraps it).
func (f *Flow) Packet(seg Seg) []byte {
	ip, tcp := f.Layers(seg)
	ls := []gopacket.SerializableLayer{ip, tcp, gopacket.Payload(seg.Payload)}
	bad := seg.BadSum || f.BadSum[b2i(seg.FromServer)]
	return f.frame(ls, seg.FromServer, bad)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// frame wraps the IP layers and serializes them with correct lengths and
// checksums (the TCP checksum broken when bad is set).
func (f *Flow) frame(ip []gopacket.SerializableLayer, fromServer, bad bool) []byte {
	var ls []gopacket.SerializableLayer
	if f.Wrap != nil {
		ls = f.Wrap(ip, fromServer)
	} else {
		ls = append([]gopacket.SerializableLayer{Ether(fromServer, ethType(f.v6))}, ip...)
	}
	b := Serialize(ls...)
	if bad {
		corruptTCPSum(b, len(b)-tcpLen(ip))
	}
	return b
}

// tcpLen is the length of the TCP header and payload in ip (the layers
// after the IP header).
func tcpLen(ip []gopacket.SerializableLayer) int {
	n := 0
	for _, l := range ip[1:] {
		switch x := l.(type) {
		case *layers.TCP:
			n += 20 + len(x.Options)*0
		case gopacket.Payload:
			n += len(x)
		}
	}
	return n
}

// corruptTCPSum flips the TCP checksum of the segment starting at off.
func corruptTCPSum(b []byte, off int) {
	b[off+16] ^= 0x5a
	b[off+17] ^= 0xa5
}

func ethType(v6 bool) layers.EthernetType {
	if v6 {
		return layers.EthernetTypeIPv6
	}
	return layers.EthernetTypeIPv4
}

// Ether returns an Ethernet header from the client's or the server's MAC.
func Ether(fromServer bool, t layers.EthernetType) *layers.Ethernet {
	e := &layers.Ethernet{SrcMAC: macCli, DstMAC: macSrv, EthernetType: t}
	if fromServer {
		e.SrcMAC, e.DstMAC = macSrv, macCli
	}
	return e
}

// Serialize serializes layers with lengths and checksums computed.
func Serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		panic(fmt.Sprintf("transportgen: serialize: %v", err))
	}
	return append([]byte(nil), buf.Bytes()...)
}
