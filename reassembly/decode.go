package reassembly

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link types read besides those named in gopacket/layers: DLT_RAW as written
// by some BSDs (12 on most, 14 on OpenBSD).
const (
	linkTypeRawBSD     layers.LinkType = 12
	linkTypeRawOpenBSD layers.LinkType = 14
)

// maxLayers bounds how many headers one packet may stack (VLAN tags, IPv6
// extension headers, tunnels) before the decoder gives up on it.
const maxLayers = 24

// decodeResult says what decoder.decode found.
type decodeResult uint8

const (
	decodedTCP     decodeResult = iota // TCP header decoded; d.tcp and d.netFlow are valid
	decodeNotOurs                      // not IP, not TCP: skipped
	decodeFragment                     // an IP fragment: skipped
	decodeBadLink                      // link type not supported
	decodeError                        // a malformed header
)

// decoder turns captured frames into a TCP header and an IP flow, with
// preallocated layers: decoding a packet allocates nothing. Not safe for
// concurrent use: each goroutine owns one.
type decoder struct {
	dlc   gopacket.DecodingLayerContainer
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext6  layers.IPv6ExtensionSkipper
	tcp   layers.TCP
	udp   layers.UDP

	// Tunnels (tunnel.go).
	gre     layers.GRE
	vxlan   layers.VXLAN
	geneve  layers.Geneve
	erspan2 layers.ERSPANII
	erspan3 erspan3Layer
	etherip layers.EtherIP
	mpls    mplsLayer
	pppoe   pppoeLayer

	// tcpHdr is the fixed TCP header decodeTCP hands to gopacket: d.tcp's
	// ports (TransportFlow) point into it until the next decode.
	tcpHdr [20]byte

	// Results of the last decodedTCP.
	netFlow gopacket.Flow
	v6      bool
	netOff  int // offset of the IP header in the frame

	// Results of the last decodeFragment: which IP header (d.ip4 or d.ip6)
	// and, for IPv6, the fragment header and what follows it.
	fragV6  bool
	fragHdr []byte
}

func newDecoder() *decoder {
	d := &decoder{}
	dlc := gopacket.DecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2,
		&d.loop, &d.ip4, &d.ip6, &d.ext6, &d.tcp, &d.udp, &d.gre, &d.vxlan,
		&d.geneve, &d.erspan2, &d.erspan3, &d.etherip, &d.mpls, &d.pppoe} {
		dlc = dlc.Put(l)
	}
	d.dlc = dlc
	return d
}

// SetTruncated implements gopacket.DecodeFeedback. A short capture (snaplen)
// is not an error: reassembly sees the missing bytes as a gap.
func (d *decoder) SetTruncated() {}

// firstLayer returns the layer a frame of link type lt starts with.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4, true
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6, true
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD:
		if len(data) == 0 {
			return 0, true // decode reports the error
		}
		switch data[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4, true
		case 6:
			return layers.LayerTypeIPv6, true
		}
		return gopacket.LayerTypeZero, true
	}
	return 0, false
}

// decode walks the headers of one frame down to TCP. data is borrowed; on
// decodedTCP, d.tcp (including its Payload) points into it.
func (d *decoder) decode(lt layers.LinkType, data []byte) decodeResult {
	if res, ok := d.decodeFast(lt, data); ok {
		return res
	}
	return d.decodeLayers(lt, data)
}

// decodeFast decodes the common frames, those parseFast accepts (Ethernet,
// Linux SLL or raw IP; IPv4 without options, not a fragment, or IPv6 with
// TCP right after its header), by calling the IP and TCP decoders
// directly: the generic walk's layer lookups, Ethernet decoding and
// NextLayerType calls cost about 130 instructions a packet. The same
// layers decode the same bytes, so the results are decodeLayers' own
// (TestDecodeFastMatchesLayers). ok is false for every other frame.
func (d *decoder) decodeFast(lt layers.LinkType, data []byte) (res decodeResult, ok bool) {
	var fp fastPacket
	if !parseFast(lt, data, &fp) {
		return 0, false
	}
	ip := data[fp.ipOff:]
	var seg []byte
	if fp.v6 {
		if d.ip6.DecodeFromBytes(ip, d) != nil {
			return decodeError, true
		}
		d.netFlow, d.v6, seg = d.ip6.NetworkFlow(), true, d.ip6.Payload
	} else {
		if d.ip4.DecodeFromBytes(ip, d) != nil {
			return decodeError, true
		}
		d.netFlow, d.v6, seg = d.ip4.NetworkFlow(), false, d.ip4.Payload
	}
	if d.decodeTCP(seg) != nil {
		return decodeError, true
	}
	d.netOff = fp.ipOff
	return decodedTCP, true
}

// decodeLayers is decode's generic walk, for every kind of frame.
func (d *decoder) decodeLayers(lt layers.LinkType, data []byte) decodeResult {
	typ, ok := firstLayer(lt, data)
	if !ok {
		return decodeBadLink
	}
	if typ == gopacket.LayerTypeZero {
		return decodeNotOurs
	}
	if len(data) == 0 {
		return decodeError
	}
	frame := data
	var net []byte // contents of the IP header, to locate it in the frame
	for range maxLayers {
		if typ == layers.LayerTypeIPv6Fragment {
			d.fragV6, d.fragHdr = true, data
			return decodeFragment
		}
		dec, ok := d.dlc.Decoder(typ)
		if !ok {
			return decodeNotOurs
		}
		var err error
		if typ == layers.LayerTypeTCP {
			err = d.decodeTCP(data)
		} else {
			err = dec.DecodeFromBytes(data, d)
		}
		if err != nil {
			return decodeError
		}
		switch typ {
		case layers.LayerTypeIPv4:
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				d.fragV6, d.fragHdr = false, nil
				return decodeFragment
			}
			d.netFlow, d.v6, net = d.ip4.NetworkFlow(), false, d.ip4.Contents
		case layers.LayerTypeIPv6:
			d.netFlow, d.v6, net = d.ip6.NetworkFlow(), true, d.ip6.Contents
		case layers.LayerTypeTCP:
			if net == nil {
				return decodeError // TCP without IP: cannot happen with our layers
			}
			d.netOff = cap(frame) - cap(net)
			return decodedTCP
		}
		typ = d.nextLayer(typ, dec)
		data = dec.LayerPayload()
	}
	return decodeError
}

// nextLayer is dec.NextLayerType, with the EtherTypes gopacket does not map
// (tunnel.go) mapped.
func (d *decoder) nextLayer(typ gopacket.LayerType, dec gopacket.DecodingLayer) gopacket.LayerType {
	switch typ {
	case layers.LayerTypeEthernet:
		if d.eth.EthernetType >= 0x0600 { // below: an 802.3 length
			return nextEtherType(d.eth.EthernetType)
		}
	case layers.LayerTypeDot1Q:
		if d.dot1q.Type >= 0x0600 {
			return nextEtherType(d.dot1q.Type)
		}
	case layers.LayerTypeGRE:
		switch d.gre.Protocol {
		case greTypeERSPAN3, ethernetTypeMPLSMulti:
			return nextEtherType(d.gre.Protocol)
		}
	}
	return dec.NextLayerType()
}

// decodeTCP decodes the TCP segment seg into d.tcp as
// layers.TCP.DecodeFromBytes does, without its options: nothing reads them
// (reassembly needs ports, numbers, flags and payload; gopacket's
// Assembler does not look at options either), and building d.tcp.Options
// was most of the decoder's cost, about 200 instructions a segment that
// carries timestamps. A header with options is decoded from a copy of its
// fixed 20 bytes whose data offset says 5, and Contents, Payload and
// DataOffset are then set from the real header; d.tcp.Options stays
// empty. Options never make gopacket fail (it stops at one it cannot
// follow), so the errors are the same: those of the fixed header and data
// offset, which gopacket checks on seg itself (TestDecodeTCPMatchesGopacket).
func (d *decoder) decodeTCP(seg []byte) error {
	if len(seg) < 20 || seg[12]>>4 <= 5 || int(seg[12]>>4)*4 > len(seg) {
		return d.tcp.DecodeFromBytes(seg, d) // no options, or an error
	}
	doff := int(seg[12]>>4) * 4
	h := &d.tcpHdr
	copy(h[:], seg[:20])
	h[12] = 5<<4 | h[12]&0x0f
	if err := d.tcp.DecodeFromBytes(h[:], d); err != nil {
		return err // cannot happen: 20 bytes, data offset 5
	}
	d.tcp.DataOffset = seg[12] >> 4
	d.tcp.Contents, d.tcp.Payload = seg[:doff], seg[doff:]
	return nil
}
