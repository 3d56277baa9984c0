package bpfexpr

import (
	"encoding/binary"

	"golang.org/x/net/bpf"
)

// Values the generated programs test.
const (
	etherIPv4, etherIPv6, etherARP, etherRARP = 0x0800, 0x86dd, 0x0806, 0x8035
	etherVLAN, etherQinQ, etherVLAN9100       = 0x8100, 0x88a8, 0x9100
	protoTCP, protoUDP, protoSCTP, ip6Frag    = 6, 17, 132, 44
	ipFragOffsetMask                          = 0x1fff
	vlanIDMask                                = 0x0fff
	// Snaplen is what an accepting program returns (as libpcap's do).
	Snaplen = 262144
	// maxSkip is the farthest a conditional jump reaches.
	maxSkip = 255
)

// label is a jump target resolved once the program is laid out.
type label int

// Reserved labels: accept and reject, the program's two ends.
const (
	accept label = -1
	reject label = -2
)

// insn is an instruction whose jumps are labels.
type insn struct {
	in       bpf.Instruction // a plain instruction, or nil for a jump
	cond     bpf.JumpTest
	val      uint32
	t, f     label
	isJump   bool
	at       label // set when this slot is the position of label at (no code)
	isMarker bool
}

// gen accumulates a program.
type gen struct {
	code   []insn
	labels int
}

func (g *gen) newLabel() label { g.labels++; return label(g.labels) }
func (g *gen) place(l label)   { g.code = append(g.code, insn{at: l, isMarker: true}) }
func (g *gen) emit(in bpf.Instruction) {
	g.code = append(g.code, insn{in: in})
}

// jump emits "if A cond val goto t else goto f".
func (g *gen) jump(cond bpf.JumpTest, val uint32, t, f label) {
	g.code = append(g.code, insn{isJump: true, cond: cond, val: val, t: t, f: f})
}

// Compile compiles expr for Ethernet frames.
func Compile(expr string) ([]bpf.RawInstruction, error) {
	n, err := parse(expr)
	if err != nil {
		return nil, err
	}
	g := &gen{}
	g.node(n, accept, reject)
	ins, err := g.assemble()
	if err != nil {
		return nil, err
	}
	return bpf.Assemble(ins)
}

// node generates n: control goes to t when it holds, else to f.
func (g *gen) node(n *node, t, f label) {
	switch n.op {
	case "and":
		m := g.newLabel()
		g.node(n.a, m, f)
		g.place(m)
		g.node(n.b, t, f)
	case "or":
		m := g.newLabel()
		g.node(n.a, t, m)
		g.place(m)
		g.node(n.b, t, f)
	case "not":
		g.node(n.a, f, t)
	default:
		g.primitive(n.p, t, f)
	}
}

// ethertype tests the EtherType at off against v.
func (g *gen) ethertype(off uint32, v uint32, t, f label) {
	g.emit(bpf.LoadAbsolute{Off: off, Size: 2})
	g.jump(bpf.JumpEqual, v, t, f)
}

// either generates "a or b" from two generator functions.
func (g *gen) either(a, b func(t, f label), t, f label) {
	m := g.newLabel()
	a(t, m)
	g.place(m)
	b(t, f)
}

// both generates "a and b".
func (g *gen) both(a, b func(t, f label), t, f label) {
	m := g.newLabel()
	a(m, f)
	g.place(m)
	b(t, f)
}

func (g *gen) primitive(p primitive, t, f label) {
	l3 := p.off + 2 // the network header follows the EtherType
	switch p.kind {
	case "vlan":
		g.vlan(p, t, f)
	case "ip":
		g.ethertype(p.off, etherIPv4, t, f)
	case "ip6":
		g.ethertype(p.off, etherIPv6, t, f)
	case "tcp", "udp":
		proto := uint32(protoTCP)
		if p.kind == "udp" {
			proto = protoUDP
		}
		g.either(func(t, f label) { g.ip4Proto(p.off, l3, []uint32{proto}, t, f) },
			func(t, f label) { g.ip6ProtoOrFrag(p.off, l3, proto, t, f) }, t, f)
	case "host", "net":
		g.address(p, l3, t, f)
	case "port", "portrange":
		g.ports(p, l3, t, f)
	}
}

// vlan tests for an 802.1Q/802.1ad tag (and its VLAN ID).
func (g *gen) vlan(p primitive, t, f label) {
	tagged := g.newLabel()
	g.emit(bpf.LoadAbsolute{Off: p.off, Size: 2})
	m1, m2 := g.newLabel(), g.newLabel()
	g.jump(bpf.JumpEqual, etherVLAN, tagged, m1)
	g.place(m1)
	g.jump(bpf.JumpEqual, etherQinQ, tagged, m2)
	g.place(m2)
	g.jump(bpf.JumpEqual, etherVLAN9100, tagged, f)
	g.place(tagged)
	if p.vlanID < 0 {
		g.jump(bpf.JumpEqual, 0, t, t) // assembled as an unconditional jump
		return
	}
	g.emit(bpf.LoadAbsolute{Off: p.off + 2, Size: 2})
	g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: vlanIDMask})
	g.jump(bpf.JumpEqual, uint32(p.vlanID), t, f)
}

// ip4Proto tests for IPv4 carrying one of protos.
func (g *gen) ip4Proto(et, l3 uint32, protos []uint32, t, f label) {
	m := g.newLabel()
	g.ethertype(et, etherIPv4, m, f)
	g.place(m)
	g.emit(bpf.LoadAbsolute{Off: l3 + 9, Size: 1})
	g.oneOf(protos, t, f)
}

// oneOf jumps to t when A is one of vals.
func (g *gen) oneOf(vals []uint32, t, f label) {
	for i, v := range vals {
		if i == len(vals)-1 {
			g.jump(bpf.JumpEqual, v, t, f)
			return
		}
		m := g.newLabel()
		g.jump(bpf.JumpEqual, v, t, m)
		g.place(m)
	}
}

// ip6ProtoOrFrag tests for IPv6 whose next header is proto, directly or
// after a fragment header (libpcap's "ip6 proto" for tcp and udp).
func (g *gen) ip6ProtoOrFrag(et, l3, proto uint32, t, f label) {
	m, frag := g.newLabel(), g.newLabel()
	g.ethertype(et, etherIPv6, m, f)
	g.place(m)
	g.emit(bpf.LoadAbsolute{Off: l3 + 6, Size: 1})
	g.jump(bpf.JumpEqual, proto, t, frag)
	g.place(frag)
	m2 := g.newLabel()
	g.jump(bpf.JumpEqual, ip6Frag, m2, f)
	g.place(m2)
	g.emit(bpf.LoadAbsolute{Off: l3 + 40, Size: 1})
	g.jump(bpf.JumpEqual, proto, t, f)
}

// address generates host and net for IPv4 (also ARP and RARP, as libpcap
// does) or IPv6.
func (g *gen) address(p primitive, l3 uint32, t, f label) {
	a := p.prefix.Addr()
	if !a.Is4() {
		g.both(func(t, f label) { g.ethertype(p.off, etherIPv6, t, f) },
			func(t, f label) {
				g.dirs(p.dir, l3+8, l3+24, func(off uint32, t, f label) { g.ip6Match(off, p, t, f) }, t, f)
			}, t, f)
		return
	}
	b := a.As4()
	want := binary.BigEndian.Uint32(b[:])
	mask := ^uint32(0) << (32 - p.prefix.Bits())
	if p.prefix.Bits() == 0 {
		mask = 0
	}
	match := func(off uint32, t, f label) {
		g.emit(bpf.LoadAbsolute{Off: off, Size: 4})
		if mask != ^uint32(0) {
			g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
		}
		g.jump(bpf.JumpEqual, want&mask, t, f)
	}
	family := func(et uint32, src, dst uint32) func(t, f label) {
		return func(t, f label) {
			g.both(func(t, f label) { g.ethertype(p.off, et, t, f) },
				func(t, f label) { g.dirs(p.dir, src, dst, match, t, f) }, t, f)
		}
	}
	ip := family(etherIPv4, l3+12, l3+16)
	if p.proto == "ip" {
		ip(t, f)
		return
	}
	arp := family(etherARP, l3+14, l3+24)
	rarp := family(etherRARP, l3+14, l3+24)
	g.either(ip, func(t, f label) { g.either(arp, rarp, t, f) }, t, f)
}

// ip6Match compares the 16-byte address at off with p's prefix.
func (g *gen) ip6Match(off uint32, p primitive, t, f label) {
	b := p.prefix.Addr().As16()
	bits := p.prefix.Bits()
	for w := 0; w < 4; w++ {
		n := min(max(bits-32*w, 0), 32)
		if n == 0 {
			break
		}
		mask := ^uint32(0) << (32 - n)
		want := binary.BigEndian.Uint32(b[4*w:]) & mask
		g.emit(bpf.LoadAbsolute{Off: off + uint32(4*w), Size: 4})
		if mask != ^uint32(0) {
			g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
		}
		last := w == 3 || bits <= 32*(w+1)
		if last {
			g.jump(bpf.JumpEqual, want, t, f)
			return
		}
		m := g.newLabel()
		g.jump(bpf.JumpEqual, want, m, f)
		g.place(m)
	}
	// A /0 prefix matches every address.
	g.jump(bpf.JumpEqual, 0, t, t)
}

// dirs applies match to the source (src), destination (dst) or either.
func (g *gen) dirs(dir string, src, dst uint32, match func(off uint32, t, f label), t, f label) {
	switch dir {
	case "src":
		match(src, t, f)
	case "dst":
		match(dst, t, f)
	default:
		g.either(func(t, f label) { match(src, t, f) }, func(t, f label) { match(dst, t, f) }, t, f)
	}
}

// ports generates port and portrange over TCP, UDP and SCTP (or the one
// protocol named), IPv4 (first fragments only) and IPv6 (next header
// directly, as libpcap).
func (g *gen) ports(p primitive, l3 uint32, t, f label) {
	protos := []uint32{protoTCP, protoUDP, protoSCTP}
	switch p.proto {
	case "tcp":
		protos = []uint32{protoTCP}
	case "udp":
		protos = []uint32{protoUDP}
	}
	inRange := func(t, f label) {
		if p.lo == p.hi {
			g.jump(bpf.JumpEqual, uint32(p.lo), t, f)
			return
		}
		m := g.newLabel()
		g.jump(bpf.JumpGreaterOrEqual, uint32(p.lo), m, f)
		g.place(m)
		g.jump(bpf.JumpGreaterThan, uint32(p.hi), f, t)
	}
	v6 := func(t, f label) {
		m, m2 := g.newLabel(), g.newLabel()
		g.ethertype(p.off, etherIPv6, m, f)
		g.place(m)
		g.emit(bpf.LoadAbsolute{Off: l3 + 6, Size: 1})
		g.oneOf(protos, m2, f)
		g.place(m2)
		g.dirs(p.dir, l3+40, l3+42, func(off uint32, t, f label) {
			g.emit(bpf.LoadAbsolute{Off: off, Size: 2})
			inRange(t, f)
		}, t, f)
	}
	v4 := func(t, f label) {
		m, m2 := g.newLabel(), g.newLabel()
		g.ip4Proto(p.off, l3, protos, m, f)
		g.place(m)
		g.emit(bpf.LoadAbsolute{Off: l3 + 6, Size: 2})
		g.jump(bpf.JumpBitsSet, ipFragOffsetMask, f, m2)
		g.place(m2)
		g.emit(bpf.LoadMemShift{Off: l3})
		g.dirs(p.dir, 0, 2, func(off uint32, t, f label) {
			g.emit(bpf.LoadIndirect{Off: l3 + off, Size: 2})
			inRange(t, f)
		}, t, f)
	}
	g.either(v6, v4, t, f)
}

// assemble lays the program out, resolves labels to relative jumps and
// appends the accept and reject returns.
func (g *gen) assemble() ([]bpf.Instruction, error) {
	pos := map[label]int{}
	n := 0
	for _, c := range g.code {
		if c.isMarker {
			pos[c.at] = n
			continue
		}
		n++
	}
	pos[accept], pos[reject] = n, n+1
	out := make([]bpf.Instruction, 0, n+2)
	i := 0
	for _, c := range g.code {
		if c.isMarker {
			continue
		}
		if !c.isJump {
			out = append(out, c.in)
			i++
			continue
		}
		st, sf := pos[c.t]-(i+1), pos[c.f]-(i+1)
		if st < 0 || sf < 0 || st > maxSkip || sf > maxSkip {
			return nil, syntaxErr("expression too large for classic BPF jumps")
		}
		if st == sf {
			out = append(out, bpf.Jump{Skip: uint32(st)})
		} else {
			out = append(out, bpf.JumpIf{Cond: c.cond, Val: c.val, SkipTrue: uint8(st), SkipFalse: uint8(sf)})
		}
		i++
	}
	return append(out, bpf.RetConstant{Val: Snaplen}, bpf.RetConstant{Val: 0}), nil
}
