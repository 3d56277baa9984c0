package live

import (
	"errors"
	"fmt"

	"golang.org/x/net/bpf"
)

// Link says where the network header starts in the frames a socket reads.
type Link uint8

const (
	// LinkEthernet frames start with a 14-byte Ethernet header, possibly
	// followed by one 802.1Q/802.1ad tag.
	LinkEthernet Link = iota
	// LinkRaw frames start with the IPv4 or IPv6 header (cooked sockets).
	LinkRaw
)

func (l Link) String() string {
	if l == LinkRaw {
		return "raw"
	}
	return "ethernet"
}

// Filter limits.
const (
	// MaxFilterPorts is the most ports Filter accepts: each port costs two
	// comparisons per block and classic BPF jumps reach 255 instructions.
	MaxFilterPorts = 32
	// Snaplen is what an accepting filter returns: the most bytes of one
	// packet copied to user space.
	Snaplen = 262144
)

// Ethernet and IP constants used by the filter.
const (
	etherTypeIPv4  = 0x0800
	etherTypeIPv6  = 0x86dd
	etherType8021Q = 0x8100
	etherTypeQinQ  = 0x88a8
	ipProtoTCP     = 6
	ethHeaderLen   = 14
	vlanTagLen     = 4
	ipv6HeaderLen  = 40
)

// ErrFilterPorts is returned by Filter for an empty or too long port list.
var ErrFilterPorts = errors.New("live: filter needs 1 to 32 ports")

// Filter returns the classic BPF program that accepts TCP segments whose
// source or destination port is in ports, over IPv4 (first fragments and
// unfragmented packets) or IPv6 (TCP as the first next header), for frames
// of the given link. Everything else is rejected in the kernel.
func Filter(ports []uint16, link Link) ([]bpf.RawInstruction, error) {
	ins, err := FilterInstructions(ports, link)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return nil, fmt.Errorf("live: assembling filter: %w", err)
	}
	return raw, nil
}

// FilterInstructions is Filter before assembly, for bpf.NewVM in tests.
func FilterInstructions(ports []uint16, link Link) ([]bpf.Instruction, error) {
	if len(ports) == 0 || len(ports) > MaxFilterPorts {
		return nil, fmt.Errorf("%w (got %d)", ErrFilterPorts, len(ports))
	}
	p := &prog{labels: map[string]int{}}
	switch link {
	case LinkRaw:
		// The version nibble tells IPv4 from IPv6.
		p.add(bpf.LoadAbsolute{Off: 0, Size: 1})
		p.add(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
		p.jeq(0x40, "ip4@0", "")
		p.jeq(0x60, "ip6@0", "reject")
		p.reject()
		p.ipBlocks(0, ports)
	default:
		p.add(bpf.LoadAbsolute{Off: 12, Size: 2})
		p.jeq(etherTypeIPv4, "ip4@14", "")
		p.jeq(etherTypeIPv6, "ip6@14", "")
		p.jeq(etherType8021Q, "vlan", "")
		p.jeq(etherTypeQinQ, "vlan", "reject")
		p.label("vlan")
		p.add(bpf.LoadAbsolute{Off: 16, Size: 2})
		p.jeq(etherTypeIPv4, "ip4@18", "")
		p.jeq(etherTypeIPv6, "ip6@18", "reject")
		p.reject()
		p.ipBlocks(ethHeaderLen, ports)
		p.ipBlocks(ethHeaderLen+vlanTagLen, ports)
	}
	return p.resolve()
}

// reject emits the shared "reject" return, early so jumps to it are short.
func (p *prog) reject() {
	p.label("reject")
	p.add(bpf.RetConstant{Val: 0})
}

// ipBlocks emits the IPv4 and IPv6 checks for a network header at base.
// Each check ends with its own return instructions so that no jump is
// longer than about 2*len(ports).
func (p *prog) ipBlocks(base uint32, ports []uint16) {
	// IPv4: protocol TCP, fragment offset 0, then ports after the options.
	v4 := fmt.Sprintf("ip4@%d", base)
	p.label(v4)
	p.add(bpf.LoadAbsolute{Off: base + 9, Size: 1})
	p.jeq(ipProtoTCP, "", v4+"-no")
	p.add(bpf.LoadAbsolute{Off: base + 6, Size: 2})
	p.jset(0x1fff, v4+"-no", "")
	p.add(bpf.LoadMemShift{Off: base})
	p.portChecks(v4, bpf.LoadIndirect{Off: base, Size: 2}, bpf.LoadIndirect{Off: base + 2, Size: 2}, ports)
	// IPv6: next header TCP, fixed 40-byte header.
	v6 := fmt.Sprintf("ip6@%d", base)
	p.label(v6)
	p.add(bpf.LoadAbsolute{Off: base + 6, Size: 1})
	p.jeq(ipProtoTCP, "", v6+"-no")
	p.portChecks(v6, bpf.LoadAbsolute{Off: base + ipv6HeaderLen, Size: 2},
		bpf.LoadAbsolute{Off: base + ipv6HeaderLen + 2, Size: 2}, ports)
}

// portChecks loads the source and then the destination port and returns
// accept on a match, reject otherwise. Its returns are labelled name+"-no"
// and name+"-yes".
func (p *prog) portChecks(name string, src, dst bpf.Instruction, ports []uint16) {
	for _, load := range []bpf.Instruction{src, dst} {
		p.add(load)
		for _, port := range ports {
			p.jeq(uint32(port), name+"-yes", "")
		}
	}
	p.label(name + "-no")
	p.add(bpf.RetConstant{Val: 0})
	p.label(name + "-yes")
	p.add(bpf.RetConstant{Val: Snaplen})
}

// prog is a tiny assembler with symbolic jump targets; "" means the next
// instruction.
type prog struct {
	ins    []bpf.Instruction
	jumps  []pendingJump
	labels map[string]int
}

type pendingJump struct {
	at   int
	t, f string
}

func (p *prog) add(i bpf.Instruction) { p.ins = append(p.ins, i) }

func (p *prog) label(name string) { p.labels[name] = len(p.ins) }

func (p *prog) jeq(v uint32, t, f string) {
	p.add(bpf.JumpIf{Cond: bpf.JumpEqual, Val: v})
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins) - 1, t: t, f: f})
}

func (p *prog) jset(v uint32, t, f string) {
	p.add(bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: v})
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins) - 1, t: t, f: f})
}

// resolve turns labels into skips.
func (p *prog) resolve() ([]bpf.Instruction, error) {
	skip := func(from int, name string) (int, error) {
		if name == "" {
			return 0, nil
		}
		to, ok := p.labels[name]
		if !ok {
			return 0, fmt.Errorf("live: filter: no label %q", name)
		}
		return to - from - 1, nil
	}
	for _, j := range p.jumps {
		t, err := skip(j.at, j.t)
		if err != nil {
			return nil, err
		}
		f, err := skip(j.at, j.f)
		if err != nil {
			return nil, err
		}
		if t < 0 || f < 0 || t > 255 || f > 255 {
			return nil, fmt.Errorf("live: filter: jump out of range at %d", j.at)
		}
		ji := p.ins[j.at].(bpf.JumpIf)
		ji.SkipTrue, ji.SkipFalse = uint8(t), uint8(f)
		p.ins[j.at] = ji
	}
	return p.ins, nil
}

// packetOutgoing is PACKET_OUTGOING, the skb pkt_type of a packet seen as
// it is sent.
const packetOutgoing = 4

// LoopbackPrefix returns instructions to put in front of a filter on the
// loopback interface or on "any": they reject packets sent on the
// interface with index loIndex, because each of them is seen a second time
// as it is received (libpcap drops the same copy). The kernel provides the
// packet type and interface through ancillary loads, which bpf.VM does not
// emulate.
func LoopbackPrefix(loIndex int) []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipFalse: 3},
		bpf.LoadExtension{Num: bpf.ExtInterfaceIndex},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(loIndex), SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	}
}
