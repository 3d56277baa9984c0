package reassembly

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Encapsulations decoded down to the inner TCP connection (the inner flow
// is the connection; outer headers are not reported):
//
//   - 802.1Q / 802.1ad VLAN tags with TPID 0x8100, 0x88a8 or 0x9100, stacked;
//   - MPLS label stacks (0x8847, 0x8848) carrying IPv4, IPv6 or, after a
//     pseudowire control word, Ethernet;
//   - PPPoE session (0x8864) carrying PPP IPv4 or IPv6;
//   - IP in IP (4, 41), GRE (47: IPv4, IPv6, MPLS, transparent Ethernet
//     bridging 0x6558, ERSPAN type I/II 0x88be and type III 0x22eb),
//     EtherIP (97);
//   - VXLAN (UDP 4789) and GENEVE (UDP 6081).
//
// gopacket's GRE, VXLAN, GENEVE, ERSPAN II and EtherIP layers are used as
// they are. Its MPLS and PPPoE layers are not DecodingLayers (they cannot
// run in the allocation-free decoder) and it has no ERSPAN III layer, so
// those three are decoded here.

// Ethernet and GRE protocol types gopacket does not map to a layer.
const (
	ethernetTypeVLAN9100  layers.EthernetType = 0x9100 // old QinQ TPID
	ethernetTypeMPLSMulti layers.EthernetType = 0x8848
	greTypeERSPAN3        layers.EthernetType = 0x22eb
)

// layerTypeERSPAN3 is the layer type of erspan3Layer. It is not registered
// with gopacket: it only keys the decoder's container, which is a slice
// indexed by layer type, so it is a small number gopacket leaves unused
// (TestERSPAN3LayerTypeFree); a large one made every decoder 500 KB.
const layerTypeERSPAN3 gopacket.LayerType = 200

// PPP protocol numbers carried in PPPoE sessions.
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// nextEtherType maps the EtherTypes gopacket lacks to their layers.
func nextEtherType(t layers.EthernetType) gopacket.LayerType {
	switch t {
	case ethernetTypeVLAN9100:
		return layers.LayerTypeDot1Q
	case ethernetTypeMPLSMulti:
		return layers.LayerTypeMPLS
	case greTypeERSPAN3:
		return layerTypeERSPAN3
	}
	return t.LayerType()
}

var errShortTunnel = errors.New("reassembly: tunnel header too short")

// mplsLayer decodes an MPLS label stack (RFC 3032) down to its bottom entry.
type mplsLayer struct {
	layers.BaseLayer
}

func (m *mplsLayer) LayerType() gopacket.LayerType  { return layers.LayerTypeMPLS }
func (m *mplsLayer) CanDecode() gopacket.LayerClass { return layers.LayerTypeMPLS }

// maxMPLSLabels bounds the labels read from one stack.
const maxMPLSLabels = 16

func (m *mplsLayer) DecodeFromBytes(data []byte, _ gopacket.DecodeFeedback) error {
	for i := 0; i < maxMPLSLabels; i++ {
		off := 4 * i
		if len(data) < off+4 {
			return errShortTunnel
		}
		if data[off+2]&1 != 0 { // bottom of stack
			m.Contents, m.Payload = data[:off+4], data[off+4:]
			return nil
		}
	}
	return errors.New("reassembly: MPLS label stack too deep")
}

// NextLayerType guesses the payload from its first nibble, as routers
// do: 4 IPv4, 6 IPv6, 0 a pseudowire control word before Ethernet.
func (m *mplsLayer) NextLayerType() gopacket.LayerType {
	if len(m.Payload) == 0 {
		return gopacket.LayerTypeZero
	}
	switch m.Payload[0] >> 4 {
	case 4:
		return layers.LayerTypeIPv4
	case 6:
		return layers.LayerTypeIPv6
	case 0:
		if len(m.Payload) >= 4 {
			m.Payload = m.Payload[4:] // RFC 4448 control word
			return layers.LayerTypeEthernet
		}
	}
	return gopacket.LayerTypeZero
}

// pppoeLayer decodes a PPPoE session header (RFC 2516) and the PPP
// protocol field after it.
type pppoeLayer struct {
	layers.BaseLayer
	proto uint16
}

func (p *pppoeLayer) LayerType() gopacket.LayerType  { return layers.LayerTypePPPoE }
func (p *pppoeLayer) CanDecode() gopacket.LayerClass { return layers.LayerTypePPPoE }

func (p *pppoeLayer) DecodeFromBytes(data []byte, _ gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return errShortTunnel
	}
	if data[0] != 0x11 || data[1] != 0 {
		return errors.New("reassembly: not a PPPoE session packet")
	}
	n := int(binary.BigEndian.Uint16(data[4:6])) // PPP frame length
	end := min(6+n, len(data))
	if n < 2 {
		return errShortTunnel
	}
	p.proto = binary.BigEndian.Uint16(data[6:8])
	p.Contents, p.Payload = data[:8], data[8:end]
	return nil
}

func (p *pppoeLayer) NextLayerType() gopacket.LayerType {
	switch p.proto {
	case pppIPv4:
		return layers.LayerTypeIPv4
	case pppIPv6:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypeZero
}

// erspan3Layer decodes an ERSPAN type III header (12 bytes, and an 8-byte
// platform subheader when its O flag is set) before the mirrored frame.
type erspan3Layer struct {
	layers.BaseLayer
	frameType uint8
}

func (e *erspan3Layer) LayerType() gopacket.LayerType  { return layerTypeERSPAN3 }
func (e *erspan3Layer) CanDecode() gopacket.LayerClass { return layerTypeERSPAN3 }

func (e *erspan3Layer) DecodeFromBytes(data []byte, _ gopacket.DecodeFeedback) error {
	if len(data) < 12 {
		return errShortTunnel
	}
	if data[0]>>4 != 2 {
		return errors.New("reassembly: ERSPAN type III header of another version")
	}
	n := 12
	if data[11]&1 != 0 {
		n += 8
	}
	if len(data) < n {
		return errShortTunnel
	}
	e.frameType = (data[10] >> 2) & 0x1f
	e.Contents, e.Payload = data[:n], data[n:]
	return nil
}

// NextLayerType: frame type 0 is Ethernet; others (IP) are guessed from
// the version nibble.
func (e *erspan3Layer) NextLayerType() gopacket.LayerType {
	if e.frameType == 0 {
		return layers.LayerTypeEthernet
	}
	if len(e.Payload) > 0 {
		switch e.Payload[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4
		case 6:
			return layers.LayerTypeIPv6
		}
	}
	return gopacket.LayerTypeZero
}
