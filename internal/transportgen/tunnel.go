package transportgen

import (
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Tunnels: one whole IMAP session (alice's LOGIN, SELECT, LOGOUT) seen
// through an encapsulation, as a mirror port, a cloud traffic mirror, a
// provider core or a DSL access line delivers it to the capturing host.

// outerIP returns the outer IPv4 header between the two tunnel endpoints.
func outerIP(fromServer bool, proto layers.IPProtocol) *layers.IPv4 {
	a, b := net.IP{192, 0, 2, 1}, net.IP{192, 0, 2, 2}
	if fromServer {
		a, b = b, a
	}
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: a, DstIP: b}
}

// outerUDP returns the outer IPv4 and UDP headers to dport.
func outerUDP(fromServer bool, dport layers.UDPPort) []gopacket.SerializableLayer {
	ip := outerIP(fromServer, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: 49152, DstPort: dport}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return []gopacket.SerializableLayer{Ether(fromServer, layers.EthernetTypeIPv4), ip, udp}
}

func cat(a []gopacket.SerializableLayer, b ...gopacket.SerializableLayer) []gopacket.SerializableLayer {
	return append(append([]gopacket.SerializableLayer(nil), a...), b...)
}

// innerEther is the mirrored frame's own Ethernet header.
func innerEther(fromServer bool) *layers.Ethernet { return Ether(fromServer, layers.EthernetTypeIPv4) }

// tunnelCase is one encapsulation: its capture name, what it reproduces
// and how it wraps an IP packet.
type tunnelCase struct {
	name, what string
	wrap       func(ip []gopacket.SerializableLayer, fromServer bool) []gopacket.SerializableLayer
}

var tunnelCases = []tunnelCase{
	{"gre", "IPv4 in GRE (a GRE tunnel between sites, mirrored at the tunnel endpoint)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeIPv4), outerIP(s, layers.IPProtocolGRE),
				&layers.GRE{Protocol: layers.EthernetTypeIPv4}}, ip...)
		}},
	{"gre-teb", "Ethernet in GRE, transparent Ethernet bridging 0x6558 (a bridged GRE tap)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeIPv4), outerIP(s, layers.IPProtocolGRE),
				&layers.GRE{Protocol: layers.EthernetTypeTransparentEthernetBridging}, innerEther(s)}, ip...)
		}},
	{"erspan2", "ERSPAN type II (a Cisco/Arista remote mirror session, GRE with sequence numbers)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeIPv4), outerIP(s, layers.IPProtocolGRE),
				&layers.GRE{Protocol: layers.EthernetTypeERSPAN, SeqPresent: true, Seq: 7},
				&layers.ERSPANII{Version: 1, SessionID: 3}, innerEther(s)}, ip...)
		}},
	{"erspan3", "ERSPAN type III (GRE protocol 0x22eb, with the optional platform subheader)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			// Version 2, VLAN 0, session 3; timestamp; SGT 0; FT 0
			// (Ethernet), O set; then 8 bytes of platform subheader.
			hdr := gopacket.Payload{0x20, 0x00, 0x00, 0x03, 0, 0, 0x12, 0x34, 0, 0, 0x00, 0x01,
				0x08, 0, 0, 0, 0, 0, 0, 0}
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeIPv4), outerIP(s, layers.IPProtocolGRE),
				&layers.GRE{Protocol: 0x22eb, SeqPresent: true, Seq: 9}, hdr, innerEther(s)}, ip...)
		}},
	{"vxlan", "VXLAN, UDP 4789 (cloud traffic mirroring, e.g. AWS VPC Traffic Mirroring)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat(cat(outerUDP(s, 4789), &layers.VXLAN{ValidIDFlag: true, VNI: 42}, innerEther(s)), ip...)
		}},
	{"geneve", "GENEVE, UDP 6081 (Azure/GCP packet mirroring, OVN overlays)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat(cat(outerUDP(s, 6081), &layers.Geneve{Protocol: layers.EthernetTypeTransparentEthernetBridging, VNI: 42}, innerEther(s)), ip...)
		}},
	{"mpls", "an MPLS label stack of two labels over Ethernet (a provider core link)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeMPLSUnicast),
				&layers.MPLS{Label: 100, TTL: 64}, &layers.MPLS{Label: 200, StackBottom: true, TTL: 64}}, ip...)
		}},
	{"pppoe", "a PPPoE session (a DSL access line, captured at the BRAS)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypePPPoESession),
				&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: 0x1234},
				&layers.PPP{PPPType: layers.PPPTypeIPv4}}, ip...)
		}},
	{"vlan-9100", "802.1Q inside an outer tag with TPID 0x9100 (pre-802.1ad QinQ switches)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, 0x9100),
				&layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeDot1Q},
				&layers.Dot1Q{VLANIdentifier: 20, Type: layers.EthernetTypeIPv4}}, ip...)
		}},
	{"qinq-88a8", "802.1ad QinQ: an 0x88a8 service tag over an 0x8100 customer tag (a carrier Ethernet hand-off)",
		func(ip []gopacket.SerializableLayer, s bool) []gopacket.SerializableLayer {
			return cat([]gopacket.SerializableLayer{Ether(s, layers.EthernetTypeQinQ),
				&layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeDot1Q},
				&layers.Dot1Q{VLANIdentifier: 20, Type: layers.EthernetTypeIPv4}}, ip...)
		}},
}

// Tunnels returns one capture per encapsulation.
func Tunnels() []*Capture {
	var out []*Capture
	for i, tc := range tunnelCases {
		c, t := NewCapture("tunnel-"+tc.name, tc.what)
		f := NewFlow4("10.1.0.1", "10.1.0.2", uint16(41000+i), 1000, 5000)
		f.Wrap = tc.wrap
		a := &Conv{F: f, Cap: c, T: t}
		a.Session("alice")
		out = append(out, c)
	}
	return out
}
