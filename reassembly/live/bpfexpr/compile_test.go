package bpfexpr

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// expressions cover every primitive and operator of the subset.
var expressions = []string{
	"tcp", "udp", "ip", "ip6", "not ip",
	"port 143", "tcp port 143", "udp port 53", "src port 143", "dst port 993", "tcp dst port 143",
	"portrange 140-150", "tcp portrange 990-1000", "src portrange 1-1024",
	"host 10.0.0.1", "src host 10.0.0.2", "dst host 10.0.0.1", "ip host 10.0.0.1",
	"net 10.0.0.0/8", "src net 192.168.0.0/16", "net 0.0.0.0/0",
	"host 2001:db8::1", "dst host 2001:db8::2", "net 2001:db8::/32", "src net 2001:db8:0:1::/64", "ip6 net fe80::/10",
	"vlan", "vlan 5", "vlan 5 and tcp port 143", "vlan and host 10.0.0.1", "not vlan and port 143",
	"tcp and (port 143 or port 993)", "host 10.0.0.1 && !port 22", "(tcp || udp) and not src net 10.0.0.0/24",
	"port 143 and not host 10.0.0.9 or udp", "not (ip6 or vlan)",
	"10.0.0.0/8.bad", "port", "host example.org", "port 143 or 993", "tcp host 10.0.0.1", "(port 1",
}

// frames are Ethernet frames covering the cases the expressions separate.
func frames() [][]byte {
	v4 := func(src, dst string, proto byte, sport, dport uint16, frag uint16) []byte {
		ip := make([]byte, 20+8)
		ip[0], ip[9] = 0x45, proto
		binary.BigEndian.PutUint16(ip[6:], frag)
		s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		binary.BigEndian.PutUint16(ip[20:], sport)
		binary.BigEndian.PutUint16(ip[22:], dport)
		return ip
	}
	v6 := func(src, dst string, nh byte, sport, dport uint16) []byte {
		ip := make([]byte, 40+8)
		ip[0], ip[6] = 0x60, nh
		s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
		binary.BigEndian.PutUint16(ip[40:], sport)
		binary.BigEndian.PutUint16(ip[42:], dport)
		return ip
	}
	eth := func(et uint16, payload []byte, tags ...uint16) []byte {
		b := make([]byte, 12)
		for _, tag := range tags { // outer first: TPID then TCI
			b = binary.BigEndian.AppendUint16(b, 0x8100)
			b = binary.BigEndian.AppendUint16(b, tag)
		}
		b = binary.BigEndian.AppendUint16(b, et)
		return append(b, payload...)
	}
	arp := make([]byte, 28)
	copy(arp[14:], []byte{10, 0, 0, 1})
	copy(arp[24:], []byte{10, 0, 0, 2})
	out := [][]byte{
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 143, 0)),
		eth(0x0800, v4("10.0.0.2", "10.0.0.1", 6, 143, 40000, 0)),
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 993, 0)),
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 17, 5353, 53, 0)),
		eth(0x0800, v4("192.168.1.5", "10.0.0.9", 6, 22, 145, 0)),
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 143, 0x0010)), // a later fragment
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 143, 0x2000)), // first fragment, MF
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 1, 0, 0, 0)),
		eth(0x0800, v4("10.0.1.7", "172.16.0.1", 132, 143, 9, 0)),
		eth(0x0806, arp),
		eth(0x86dd, v6("2001:db8::1", "2001:db8::2", 6, 40000, 143)),
		eth(0x86dd, v6("2001:db8:0:1::5", "2001:db9::2", 17, 53, 1000)),
		eth(0x86dd, v6("fe80::1", "fe80::2", 6, 993, 50000)),
		eth(0x86dd, v6("2001:db8::1", "2001:db8::2", 44, 40000, 143)),
		eth(0x86dd, v6("::1", "::2", 58, 0, 0)),
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 143, 0), 5),
		eth(0x0800, v4("10.0.0.1", "10.0.0.2", 6, 40000, 143, 0), 7),
		eth(0x86dd, v6("2001:db8::1", "2001:db8::2", 6, 40000, 143), 5),
		eth(0x0800, v4("10.0.0.3", "10.0.0.4", 17, 1, 2, 0), 5, 9),
	}
	// A fragment-header IPv6 packet carrying TCP: the byte after the fixed header is the next header.
	out[13][14+40] = 6
	return out
}

// realFrames are the first packets of a real capture.
func realFrames(t *testing.T) [][]byte {
	f, err := os.Open("../../../pcaps/dovecot/demo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(out) < 60 {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, data)
	}
	return out
}

// tcpdumpProgram compiles expr with tcpdump -ddd for Ethernet (the link
// type of the capture it is given), or returns an error tcpdump reported.
func tcpdumpProgram(t *testing.T, tcpdump, expr string) ([]bpf.RawInstruction, error) {
	out, err := exec.Command(tcpdump, "-r", "../../../pcaps/dovecot/demo.pcap", "-ddd", expr).Output()
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var prog []bpf.RawInstruction
	for _, l := range lines[1:] {
		var v [4]uint64
		for i, f := range strings.Fields(l) {
			v[i], _ = strconv.ParseUint(f, 10, 32)
		}
		prog = append(prog, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	return prog, nil
}

func run(t *testing.T, raw []bpf.RawInstruction, frame []byte) bool {
	t.Helper()
	ins, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("program does not disassemble")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return n > 0
}

// TestMatchesTcpdump compiles every expression with Compile and with
// tcpdump -ddd and runs both over crafted and real frames: the verdicts
// must agree, and what tcpdump refuses or this subset does not take must
// be an error here.
func TestMatchesTcpdump(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed: BPF programs not compared (apt-get install tcpdump)")
	}
	fs := append(frames(), realFrames(t)...)
	for _, expr := range expressions {
		ours, oerr := Compile(expr)
		theirs, terr := tcpdumpProgram(t, tcpdump, expr)
		if oerr != nil {
			if !errors.Is(oerr, ErrSyntax) {
				t.Errorf("%q: error %v does not wrap ErrSyntax", expr, oerr)
			}
			t.Logf("%q: refused (%v); tcpdump: %v", expr, oerr, terr)
			continue
		}
		if terr != nil {
			t.Errorf("%q: compiled here, tcpdump refuses it: %v", expr, terr)
			continue
		}
		accepted := 0
		for i, fr := range fs {
			a, b := run(t, ours, fr), run(t, theirs, fr)
			if a != b {
				t.Errorf("%q: frame %d: ours %v, tcpdump %v", expr, i, a, b)
			}
			if a {
				accepted++
			}
		}
		t.Logf("%q: %d instructions (tcpdump %d), accepts %d of %d frames", expr, len(ours), len(theirs), accepted, len(fs))
	}
}
