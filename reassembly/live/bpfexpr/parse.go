// Package bpfexpr compiles a subset of tcpdump's filter language to classic
// BPF for Ethernet frames, in pure Go: host, net (CIDR), port, portrange
// (with src or dst), ip, ip6, tcp, udp and vlan [ID], combined with and, or,
// not (&&, ||, !) and parentheses. The programs accept and reject what
// libpcap's accept and reject (TestMatchesTcpdump runs both over the same
// frames). github.com/packetcap/go-pcap's compiler was evaluated first: it
// has no vlan primitive, so this subset is compiled here with x/net/bpf.
package bpfexpr

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrSyntax wraps every error of an expression outside the subset.
var ErrSyntax = errors.New("bpfexpr: unsupported or malformed expression")

// node is a parsed expression.
type node struct {
	op   string // "and", "or", "not", or "" for a primitive
	a, b *node
	p    primitive
}

// primitive is one test, with the link offsets in force where it appears
// (each vlan before it in the text shifts them by 4 bytes, as in libpcap).
type primitive struct {
	kind   string // ip, ip6, tcp, udp, host, net, port, portrange, vlan
	proto  string // tcp, udp, ip, ip6 or "" (qualifier)
	dir    string // src, dst or ""
	prefix netip.Prefix
	lo, hi uint16 // port or port range
	vlanID int    // -1: any
	off    uint32 // offset of the EtherType
}

// parser is a recursive-descent parser over tokens.
type parser struct {
	toks []string
	i    int
	off  uint32 // current EtherType offset
}

// etherTypeOffset is where the EtherType of an untagged Ethernet frame is.
const etherTypeOffset = 12

// vlanTagLen is how far an 802.1Q tag shifts what follows.
const vlanTagLen = 4

func tokenize(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ", "&&", " and ", "||", " or ").Replace(s)
	var out []string
	for _, t := range strings.Fields(s) {
		if t == "!" {
			t = "not"
		} else if strings.HasPrefix(t, "!") {
			out = append(out, "not")
			t = t[1:]
		}
		out = append(out, t)
	}
	return out
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	p.i++
	return t
}

func syntaxErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, a...)...)
}

// parse parses a whole expression.
func parse(s string) (*node, error) {
	p := &parser{toks: tokenize(s), off: etherTypeOffset}
	if len(p.toks) == 0 {
		return nil, syntaxErr("empty expression")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, syntaxErr("unexpected %q", p.peek())
	}
	return n, nil
}

func (p *parser) expr() (*node, error) {
	n, err := p.term()
	for err == nil && p.peek() == "or" {
		p.next()
		var b *node
		if b, err = p.term(); err == nil {
			n = &node{op: "or", a: n, b: b}
		}
	}
	return n, err
}

func (p *parser) term() (*node, error) {
	n, err := p.factor()
	for err == nil && p.peek() == "and" {
		p.next()
		var b *node
		if b, err = p.factor(); err == nil {
			n = &node{op: "and", a: n, b: b}
		}
	}
	return n, err
}

func (p *parser) factor() (*node, error) {
	switch p.peek() {
	case "not":
		p.next()
		a, err := p.factor()
		return &node{op: "not", a: a}, err
	case "(":
		p.next()
		n, err := p.expr()
		if err == nil && p.next() != ")" {
			err = syntaxErr("missing )")
		}
		return n, err
	}
	return p.primitive()
}

// primitive parses [ip|ip6|tcp|udp] [src|dst] (host|net|port|portrange) VALUE,
// a lone protocol, or vlan [ID].
func (p *parser) primitive() (*node, error) {
	pr := primitive{off: p.off, vlanID: -1}
	t := p.next()
	if t == "vlan" {
		pr.kind = "vlan"
		if n, err := strconv.Atoi(p.peek()); err == nil {
			if n < 0 || n > 4095 {
				return nil, syntaxErr("vlan id %d", n)
			}
			pr.vlanID = n
			p.next()
		}
		p.off += vlanTagLen
		return &node{p: pr}, nil
	}
	switch t {
	case "ip", "ip6", "tcp", "udp":
		pr.proto = t
		t = p.next()
	}
	if t == "src" || t == "dst" {
		pr.dir = t
		t = p.next()
	}
	var err error
	switch t {
	case "host", "net":
		pr.kind = t
		pr.prefix, err = parseAddr(t, p.next())
		if err == nil && (pr.proto == "tcp" || pr.proto == "udp") {
			err = syntaxErr("%s %s: not supported", pr.proto, t)
		}
		if err == nil && (pr.proto == "ip" && !pr.prefix.Addr().Is4() || pr.proto == "ip6" && pr.prefix.Addr().Is4()) {
			err = syntaxErr("%s %s %s: address family", pr.proto, t, pr.prefix)
		}
	case "port", "portrange":
		pr.kind = t
		pr.lo, pr.hi, err = parsePorts(t, p.next())
		if err == nil && (pr.proto == "ip" || pr.proto == "ip6") {
			err = syntaxErr("%s %s: not supported", pr.proto, t)
		}
	default:
		if pr.proto == "" || pr.dir != "" {
			return nil, syntaxErr("expected a primitive, got %q", t)
		}
		p.i-- // a lone protocol: t belongs to what follows
		pr.kind, pr.proto = pr.proto, ""
	}
	if err != nil {
		return nil, err
	}
	return &node{p: pr}, nil
}

func parseAddr(kind, v string) (netip.Prefix, error) {
	if kind == "net" {
		pf, err := netip.ParsePrefix(v)
		if err != nil {
			return pf, syntaxErr("net %q (want a CIDR prefix)", v)
		}
		return pf.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, syntaxErr("host %q (want an IP address; names are not resolved)", v)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func parsePorts(kind, v string) (lo, hi uint16, err error) {
	a, b := v, v
	if kind == "portrange" {
		var ok bool
		if a, b, ok = strings.Cut(v, "-"); !ok {
			return 0, 0, syntaxErr("portrange %q (want LO-HI)", v)
		}
	}
	x, err1 := strconv.ParseUint(a, 10, 16)
	y, err2 := strconv.ParseUint(b, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, syntaxErr("%s %q", kind, v)
	}
	if x > y {
		x, y = y, x
	}
	return uint16(x), uint16(y), nil
}
