package live

import (
	"errors"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// pkt describes a crafted packet.
type pkt struct {
	v6       bool
	vlan     uint16 // 0: untagged; else 802.1Q (or 802.1ad when qinq)
	qinq     bool
	udp      bool
	sp, dp   uint16
	ipOpts   bool // IPv4 header with options (IHL 6)
	fragment uint16
	v6ext    bool // IPv6 hop-by-hop header before TCP
	arp      bool
}

func build(t *testing.T, p pkt, link Link) []byte {
	t.Helper()
	var ls []gopacket.SerializableLayer
	ethType := layers.EthernetTypeIPv4
	if p.v6 {
		ethType = layers.EthernetTypeIPv6
	}
	if p.arp {
		ethType = layers.EthernetTypeARP
	}
	if link == LinkEthernet {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: ethType}
		if p.vlan != 0 {
			eth.EthernetType = layers.EthernetTypeDot1Q
			if p.qinq {
				eth.EthernetType = layers.EthernetTypeQinQ
			}
			ls = append(ls, eth, &layers.Dot1Q{VLANIdentifier: p.vlan, Type: ethType})
		} else {
			ls = append(ls, eth)
		}
	}
	if p.arp {
		ls = append(ls, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
			HwAddressSize: 6, ProtAddressSize: 4, Operation: 1,
			SourceHwAddress: make([]byte, 6), SourceProtAddress: make([]byte, 4),
			DstHwAddress: make([]byte, 6), DstProtAddress: make([]byte, 4)})
		return serialize(t, ls)
	}
	var nl gopacket.NetworkLayer
	proto := layers.IPProtocolTCP
	if p.udp {
		proto = layers.IPProtocolUDP
	}
	if p.v6 {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		ls = append(ls, ip6)
		if p.v6ext {
			ip6.NextHeader = layers.IPProtocolIPv6HopByHop
			hbh := &layers.IPv6HopByHop{}
			hbh.NextHeader = proto
			hbh.Options = []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}
			ls = append(ls, hbh)
		}
		nl = ip6
	} else {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, FragOffset: p.fragment,
			SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(10, 0, 0, 2)}
		if p.ipOpts {
			ip4.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
		}
		ls = append(ls, ip4)
		nl = ip4
	}
	if p.udp {
		u := &layers.UDP{SrcPort: layers.UDPPort(p.sp), DstPort: layers.UDPPort(p.dp)}
		_ = u.SetNetworkLayerForChecksum(nl)
		ls = append(ls, u)
	} else {
		tcp := &layers.TCP{SrcPort: layers.TCPPort(p.sp), DstPort: layers.TCPPort(p.dp), Seq: 1, ACK: true, Window: 512}
		_ = tcp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tcp)
	}
	ls = append(ls, gopacket.Payload("a1 NOOP\r\n"))
	return serialize(t, ls)
}

func serialize(t *testing.T, ls []gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFilterVM(t *testing.T) {
	ports := []uint16{143, 220, 993}
	cases := []struct {
		name string
		p    pkt
		want bool
	}{
		{"v4 to 143", pkt{sp: 40000, dp: 143}, true},
		{"v4 from 143", pkt{sp: 143, dp: 40000}, true},
		{"v4 to 993", pkt{sp: 40000, dp: 993}, true},
		{"v4 from 220", pkt{sp: 220, dp: 5}, true},
		{"v4 to 25", pkt{sp: 40000, dp: 25}, false},
		{"v4 to 144", pkt{sp: 40000, dp: 144}, false},
		{"v4 udp 143", pkt{udp: true, sp: 40000, dp: 143}, false},
		{"v4 options to 143", pkt{ipOpts: true, sp: 40000, dp: 143}, true},
		{"v4 options to 80", pkt{ipOpts: true, sp: 40000, dp: 80}, false},
		{"v4 later fragment", pkt{fragment: 100, sp: 40000, dp: 143}, false},
		{"v6 to 143", pkt{v6: true, sp: 40000, dp: 143}, true},
		{"v6 from 993", pkt{v6: true, sp: 993, dp: 40000}, true},
		{"v6 to 80", pkt{v6: true, sp: 40000, dp: 80}, false},
		{"v6 udp 143", pkt{v6: true, udp: true, sp: 40000, dp: 143}, false},
		{"v6 ext header (not followed)", pkt{v6: true, v6ext: true, sp: 40000, dp: 143}, false},
		{"arp", pkt{arp: true}, false},
	}
	vlanCases := []struct {
		name string
		p    pkt
		want bool
	}{
		{"vlan v4 to 143", pkt{vlan: 7, sp: 40000, dp: 143}, true},
		{"vlan v6 from 143", pkt{vlan: 7, v6: true, sp: 143, dp: 40000}, true},
		{"vlan v4 to 25", pkt{vlan: 7, sp: 40000, dp: 25}, false},
		{"qinq outer v4 to 993", pkt{vlan: 9, qinq: true, sp: 40000, dp: 993}, true},
		{"vlan options to 143", pkt{vlan: 7, ipOpts: true, sp: 40000, dp: 143}, true},
	}
	for _, link := range []Link{LinkEthernet, LinkRaw} {
		ins, err := FilterInstructions(ports, link)
		if err != nil {
			t.Fatal(err)
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatalf("%v: %v", link, err)
		}
		all := cases
		if link == LinkEthernet {
			all = append(all, vlanCases...)
		}
		for _, c := range all {
			if c.p.arp && link == LinkRaw {
				continue
			}
			data := build(t, c.p, link)
			n, err := vm.Run(data)
			if err != nil {
				t.Errorf("%v %s: %v", link, c.name, err)
				continue
			}
			if got := n > 0; got != c.want {
				t.Errorf("%v %s: accepted=%v (returned %d), want %v", link, c.name, got, n, c.want)
			}
			if c.want && n < len(data) {
				t.Errorf("%v %s: returned %d of %d bytes", link, c.name, n, len(data))
			}
		}
		// Truncated packets are rejected, never a VM error.
		data := build(t, pkt{sp: 40000, dp: 143}, link)
		for cut := 0; cut < len(data)-len("a1 NOOP\r\n")-20; cut++ {
			if n, _ := vm.Run(data[:cut]); n != 0 {
				t.Errorf("%v: packet cut at %d accepted", link, cut)
			}
		}
	}
}

func TestFilterPortLimits(t *testing.T) {
	if _, err := Filter(nil, LinkEthernet); !errors.Is(err, ErrFilterPorts) {
		t.Errorf("no ports: %v", err)
	}
	many := make([]uint16, MaxFilterPorts+1)
	for i := range many {
		many[i] = uint16(1000 + i)
	}
	if _, err := Filter(many, LinkEthernet); !errors.Is(err, ErrFilterPorts) {
		t.Errorf("too many ports: %v", err)
	}
	// The largest filter assembles (all jumps in range) and still works
	// for the last port of the list, over VLAN and IPv6.
	for _, link := range []Link{LinkEthernet, LinkRaw} {
		ins, err := FilterInstructions(many[:MaxFilterPorts], link)
		if err != nil {
			t.Fatalf("%v: %v", link, err)
		}
		if _, err := bpf.Assemble(ins); err != nil {
			t.Fatalf("%v: assemble: %v", link, err)
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatal(err)
		}
		last := many[MaxFilterPorts-1]
		p := pkt{v6: true, sp: 40000, dp: last}
		if link == LinkEthernet {
			p.vlan = 3
		}
		if n, err := vm.Run(build(t, p, link)); err != nil || n == 0 {
			t.Errorf("%v: last port rejected (%d, %v)", link, n, err)
		}
	}
}

func TestLoopbackPrefixAssembles(t *testing.T) {
	raw, err := bpf.Assemble(LoopbackPrefix(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 5 {
		t.Fatalf("%d instructions", len(raw))
	}
	// Both jumps must land inside the prefix or on the instruction just
	// after it (the start of the main filter).
	for i, in := range raw {
		if j, ok := in.Disassemble().(bpf.JumpIf); ok {
			if i+1+int(j.SkipFalse) > len(raw) || i+1+int(j.SkipTrue) > len(raw) {
				t.Errorf("jump at %d leaves the prefix: %+v", i, j)
			}
		}
	}
}
