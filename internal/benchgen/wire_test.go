package benchgen

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// flowSide is one direction of a reassembled connection.
type flowSide struct {
	isn     uint32
	nxt     uint32
	syn     bool
	fin     bool
	stream  bytes.Buffer
	packets int
}

// flow is one reassembled connection, keyed by the client address.
type flow struct {
	side [2]flowSide // indexed by dir
	v6   bool
}

// TestWire decodes every packet with gopacket, checks checksums, segment
// sizes, time order and exact sequence/acknowledgement numbers, reassembles
// both directions and checks the IMAP conversation against the Summary.
func TestWire(t *testing.T) {
	sum := checkWire(t, Options{Sessions: 120, Concurrency: 40, IPv6Share: 0.3, Seed: 11})
	if sum.IPv6Sessions == 0 || sum.IPv6Sessions == sum.Sessions {
		t.Errorf("IPv6 share not mixed: %d of %d", sum.IPv6Sessions, sum.Sessions)
	}
}

// checkWire generates a capture for opts and checks it as TestWire
// describes, returning its Summary.
func checkWire(t *testing.T, opts Options) Summary {
	t.Helper()
	b, sum, err := Capture(opts)
	if err != nil {
		t.Fatal(err)
	}
	flows := map[netip.AddrPort]*flow{}
	var order []netip.AddrPort
	var last int64
	for i, rec := range readPcap(t, b) {
		if rec.ts < last {
			t.Fatalf("packet %d: time goes back", i)
		}
		last = rec.ts
		p := gopacket.NewPacket(rec.data, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("packet %d: %v", i, el.Error())
		}
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || p.Layer(layers.LayerTypeEthernet) == nil {
			t.Fatalf("packet %d: not Ethernet/IP/TCP: %v", i, p)
		}
		if err := tcp.SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if err, bad := p.VerifyChecksums(); err != nil || len(bad) > 0 {
			t.Fatalf("packet %d: checksum: %v %v", i, err, bad)
		}
		var src, dst netip.Addr
		v6 := false
		if ip, ok := p.NetworkLayer().(*layers.IPv4); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		} else if ip, ok := p.NetworkLayer().(*layers.IPv6); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
			v6 = true
		} else {
			t.Fatalf("packet %d: no IP layer", i)
		}
		if len(tcp.Payload) > MaxSegment {
			t.Fatalf("packet %d: payload %d > %d", i, len(tcp.Payload), MaxSegment)
		}
		d, key := client, netip.AddrPortFrom(src, uint16(tcp.SrcPort))
		if tcp.SrcPort == ServerPort {
			d, key = server, netip.AddrPortFrom(dst, uint16(tcp.DstPort))
		} else if tcp.DstPort != ServerPort {
			t.Fatalf("packet %d: ports %d -> %d", i, tcp.SrcPort, tcp.DstPort)
		}
		f := flows[key]
		if f == nil {
			if !tcp.SYN || tcp.ACK || d != client {
				t.Fatalf("packet %d: flow %v does not start with a SYN", i, key)
			}
			f = &flow{v6: v6}
			flows[key] = f
			order = append(order, key)
		}
		if err := f.add(d, tcp); err != nil {
			t.Fatalf("packet %d (flow %v): %v", i, key, err)
		}
	}
	if len(flows) != sum.Sessions {
		t.Fatalf("%d flows, summary says %d sessions", len(flows), sum.Sessions)
	}
	var got Summary
	got.CommandsByKind = map[string]int{}
	for _, key := range order {
		f := flows[key]
		if f.v6 {
			got.IPv6Sessions++
		}
		for d := range f.side {
			if !f.side[d].fin {
				t.Fatalf("flow %v: side %d never sent FIN", key, d)
			}
		}
		if err := checkIMAP(f, &got); err != nil {
			t.Fatalf("flow %v: %v", key, err)
		}
	}
	if got.IPv6Sessions != sum.IPv6Sessions || got.Commands != sum.Commands || got.Literals != sum.Literals || got.LiteralBytes != sum.LiteralBytes {
		t.Fatalf("wire has %d IPv6, %d commands, %d literals (%d bytes); summary %d, %d, %d (%d)",
			got.IPv6Sessions, got.Commands, got.Literals, got.LiteralBytes, sum.IPv6Sessions, sum.Commands, sum.Literals, sum.LiteralBytes)
	}
	for _, k := range commandKinds {
		if got.CommandsByKind[k] != sum.CommandsByKind[k] {
			t.Errorf("%s: wire %d, summary %d", k, got.CommandsByKind[k], sum.CommandsByKind[k])
		}
	}
	return sum
}

// add checks one segment's sequence and acknowledgement numbers against
// the flow and appends its payload.
func (f *flow) add(d dir, tcp *layers.TCP) error {
	s, peer := &f.side[d], &f.side[1-d]
	if tcp.SYN {
		if s.syn {
			return fmt.Errorf("second SYN")
		}
		s.syn, s.isn, s.nxt = true, tcp.Seq, tcp.Seq+1
		if tcp.ACK && tcp.Ack != peer.nxt {
			return fmt.Errorf("SYN-ACK acks %d, want %d", tcp.Ack, peer.nxt)
		}
		return nil
	}
	if !s.syn || s.fin && (tcp.FIN || len(tcp.Payload) > 0) {
		return fmt.Errorf("segment before SYN or data after FIN")
	}
	if tcp.Seq != s.nxt {
		return fmt.Errorf("seq %d, want %d (gap or overlap)", tcp.Seq, s.nxt)
	}
	if !tcp.ACK || tcp.Ack != peer.nxt {
		return fmt.Errorf("ack %d, want %d", tcp.Ack, peer.nxt)
	}
	s.stream.Write(tcp.Payload)
	s.nxt += uint32(len(tcp.Payload))
	s.packets++
	if tcp.FIN {
		s.fin = true
		s.nxt++
	}
	return nil
}

// scanLines splits an IMAP stream into logical lines, skipping literals:
// a line ending in {n} is followed by exactly n octets, then the line goes
// on. fn gets the first physical line (without CRLF) and the literal
// contents; after skips the bytes that must follow each literal.
func scanLines(s []byte, after string, sum *Summary, fn func(line []byte, lits [][]byte) error) error {
	for len(s) > 0 {
		var first []byte
		var lits [][]byte
		for {
			i := bytes.Index(s, []byte("\r\n"))
			if i < 0 {
				return fmt.Errorf("unterminated line %q", s[:min(len(s), 60)])
			}
			line := s[:i]
			s = s[i+2:]
			if first == nil {
				first = line
			}
			j := bytes.LastIndexByte(line, '{')
			if j < 0 || !bytes.HasSuffix(line, []byte("}")) {
				break
			}
			n, err := strconv.Atoi(string(line[j+1 : len(line)-1]))
			if err != nil || n > len(s) {
				return fmt.Errorf("bad literal %q (%d bytes left)", line, len(s))
			}
			lit := s[:n]
			if !bytes.HasPrefix(lit, []byte("Return-Path: <")) || !bytes.HasSuffix(lit, []byte("\r\n")) {
				return fmt.Errorf("literal of %d bytes is not a message", n)
			}
			lits = append(lits, lit)
			sum.Literals++
			sum.LiteralBytes += int64(n)
			s = s[n:]
			if !bytes.HasPrefix(s, []byte(after)) {
				return fmt.Errorf("literal of %d bytes followed by %q", n, s[:min(len(s), 20)])
			}
		}
		if err := fn(first, lits); err != nil {
			return err
		}
	}
	return nil
}

// checkIMAP checks both streams of a flow and counts its commands.
func checkIMAP(f *flow, sum *Summary) error {
	cs, ss := f.side[client].stream.Bytes(), f.side[server].stream.Bytes()
	if !bytes.HasPrefix(ss, []byte("* OK [CAPABILITY IMAP4rev1 ")) {
		return fmt.Errorf("server stream starts %q", ss[:min(len(ss), 40)])
	}
	tags := map[string]bool{}
	err := scanLines(cs, "\r\n", sum, func(line []byte, lits [][]byte) error {
		if string(line) == "DONE" {
			return nil
		}
		f := bytes.SplitN(line, []byte(" "), 4)
		if len(f) < 2 {
			return fmt.Errorf("client line %q", line)
		}
		tag, kind := string(f[0]), string(f[1])
		if kind == "UID" && len(f) > 2 {
			kind += " " + string(f[2])
		}
		if tags[tag] {
			return fmt.Errorf("tag %s reused", tag)
		}
		tags[tag] = true
		if (kind == "APPEND") != (len(lits) == 1) {
			return fmt.Errorf("%s with %d literals", kind, len(lits))
		}
		sum.Commands++
		sum.CommandsByKind[kind]++
		return nil
	})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	completed := 0
	err = scanLines(ss, ")\r\n", sum, func(line []byte, lits [][]byte) error {
		tag, _, _ := bytes.Cut(line, []byte(" "))
		switch string(tag) {
		case "*", "+":
		default:
			if !tags[string(tag)] {
				return fmt.Errorf("completion %q for an unknown tag", line)
			}
			completed++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if completed != len(tags) {
		return fmt.Errorf("%d commands, %d completions", len(tags), completed)
	}
	if !bytes.HasSuffix(ss, []byte("OK Logout completed (0.001 + 0.000 secs).\r\n")) {
		return fmt.Errorf("server stream does not end with the LOGOUT completion")
	}
	return nil
}
