package transportgen

import (
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// wildSkew is how far ahead the glitching packet is stamped.
const wildSkew = 24 * time.Hour

// udpFrame is an unrelated UDP datagram (a DNS query).
func udpFrame() []byte {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{10, 0, 0, 9}, DstIP: net.IP{10, 0, 0, 53}}
	udp := &layers.UDP{SrcPort: 53000, DstPort: 53}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return Serialize(Ether(false, layers.EthernetTypeIPv4), ip, udp, gopacket.Payload("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04imap\x00\x00\x01\x00\x01"))
}

// WildTimestamp: three sessions in progress when one unrelated UDP packet
// is stamped a day ahead (a capturing host's clock glitch, or a record of
// a file merged from another host).
func WildTimestamp() *Capture {
	c, t := NewCapture("wild-timestamp", "one packet of an unrelated UDP flow stamped a day ahead while sessions are open")
	var convs []*Conv
	for i := range 3 {
		a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", uint16(40100+i), uint32(1000*(i+1)), uint32(5000*(i+1))), Cap: c, T: t}
		a.Handshake()
		a.Greet()
		a.Login("a1", fmt.Sprintf("user%d", i))
		convs = append(convs, a)
	}
	c.Frames = append(c.Frames, Frame{TS: t.Add(wildSkew), Data: udpFrame()})
	for _, a := range convs {
		a.Select("a2")
	}
	for _, a := range convs {
		a.Logout("a3")
		a.Close()
	}
	return c
}

// SYNACKWild: the server's SYN-ACK is stamped a day ahead (a glitch while
// the connection is set up).
func SYNACKWild() *Capture {
	c, t := NewCapture("synack-wild", "a SYN-ACK with a wild timestamp (a day ahead)")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40110, 1000, 5000), Cap: c, T: t}
	a.Emit(Seg{SYN: true})
	b := a.F.Packet(Seg{FromServer: true, SYN: true, ACK: true})
	c.Frames = append(c.Frames, Frame{TS: t.Add(wildSkew), Data: b})
	a.Emit(Seg{})
	a.Greet()
	a.Login("a1", "alice")
	a.Finish()
	return c
}
