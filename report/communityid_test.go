package report

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// communityFlows are flows whose Community IDs are checked against
// Wireshark's communityid post-dissector: both orders of one flow, IPv6,
// equal addresses (ordered by port), and the example flow of the
// community-id-spec README.
var communityFlows = [][2]string{
	{"128.232.110.120:34855", "66.35.250.204:80"},
	{"66.35.250.204:80", "128.232.110.120:34855"},
	{"10.143.0.1:37062", "10.143.0.2:143"},
	{"10.0.0.1:993", "10.0.0.1:40000"},
	{"[2001:db8::1]:51000", "[2001:db8::2]:143"},
	{"[2001:db8::2]:143", "[2001:db8::1]:51000"},
	{"[fe80::1]:1", "[fe80::1]:65535"},
	{"255.255.255.255:65535", "0.0.0.0:1"},
}

func TestCommunityIDDirectionless(t *testing.T) {
	for _, f := range communityFlows {
		a, b := CommunityID(f[0], f[1]), CommunityID(f[1], f[0])
		if a != b || !regexp.MustCompile(`^1:[A-Za-z0-9+/]{27}=$`).MatchString(a) {
			t.Errorf("%s %s: %q / %q", f[0], f[1], a, b)
		}
	}
	for _, bad := range [][2]string{{"", "1.2.3.4:5"}, {"1.2.3.4", "1.2.3.5:6"}, {"1.2.3.4:1", "[::1]:2"}} {
		if got := CommunityID(bad[0], bad[1]); got != "" {
			t.Errorf("CommunityID(%q, %q) = %q, want empty", bad[0], bad[1], got)
		}
	}
}

// TestCommunityIDMatchesWireshark writes the flows as a pcap of TCP SYNs and
// compares with what tshark's communityid dissector computes for each.
func TestCommunityIDMatchesWireshark(t *testing.T) {
	tshark := lookTshark(t)
	path := filepath.Join(t.TempDir(), "flows.pcap")
	if err := os.WriteFile(path, synPcap(t, communityFlows), 0o600); err != nil {
		t.Fatal(err)
	}
	got := tsharkCommunityIDs(t, tshark, path)
	if len(got) != len(communityFlows) {
		t.Fatalf("tshark gave %d ids for %d flows: %q", len(got), len(communityFlows), got)
	}
	for i, f := range communityFlows {
		if ours := CommunityID(f[0], f[1]); ours != got[i] {
			t.Errorf("%s → %s: ours %q, tshark %q", f[0], f[1], ours, got[i])
		}
	}
	// The example in the community-id-spec README.
	if id := CommunityID(communityFlows[0][0], communityFlows[0][1]); id != "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" {
		t.Errorf("spec example: %q", id)
	}
}

// TestCommunityIDMatchesWiresharkOnCaptures compares every TCP packet of the
// real captures.
func TestCommunityIDMatchesWiresharkOnCaptures(t *testing.T) {
	tshark := lookTshark(t)
	all, _ := filepath.Glob("../pcaps/*/*.pcap")
	var files []string
	dirs := map[string]bool{}
	for _, f := range all {
		// One capture per directory (one tshark start each, ~0.5 s).
		if d := filepath.Dir(f); !dirs[d] {
			dirs[d] = true
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no captures under ../pcaps")
	}
	checked := 0
	for _, f := range files {
		out, err := exec.Command(tshark, "-r", f, "-n", "--enable-protocol", "communityid", "-Y", "tcp",
			"-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport", "-e", "communityid").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", f, err)
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			c := strings.Split(line, "\t")
			if len(c) != 5 || seen[line] {
				continue
			}
			seen[line] = true
			src, dst := c[0]+":"+c[1], c[2]+":"+c[3]
			if ours := CommunityID(src, dst); ours != c[4] {
				t.Errorf("%s: %s → %s: ours %q, tshark %q", f, src, dst, ours, c[4])
			}
			checked++
		}
	}
	t.Logf("%d distinct packet directions checked", checked)
}

func lookTshark(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: Community ID not compared with Wireshark's (apt-get install tshark)")
	}
	return p
}

// tsharkCommunityIDs returns the communityid field of every frame of path.
func tsharkCommunityIDs(t *testing.T, tshark, path string) []string {
	t.Helper()
	out, err := exec.Command(tshark, "-r", path, "-n", "--enable-protocol", "communityid", "-T", "fields", "-e", "communityid").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	return strings.Fields(string(out))
}

// synPcap returns a pcap (link type Ethernet) with one TCP SYN per flow.
func synPcap(t *testing.T, flows [][2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 1) // Ethernet
	b.Write(hdr)
	for i, f := range flows {
		src, dst := netip.MustParseAddrPort(f[0]), netip.MustParseAddrPort(f[1])
		frame := ethernetSYN(src, dst)
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], uint32(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Unix()))
		le.PutUint32(rec[8:], uint32(len(frame)))
		le.PutUint32(rec[12:], uint32(len(frame)))
		b.Write(rec)
		b.Write(frame)
	}
	return b.Bytes()
}

// ethernetSYN builds an Ethernet frame with an IPv4 or IPv6 header and a
// 20-byte TCP SYN (checksums zero: tshark does not verify them by default).
func ethernetSYN(src, dst netip.AddrPort) []byte {
	be := binary.BigEndian
	tcp := make([]byte, 20)
	be.PutUint16(tcp[0:], src.Port())
	be.PutUint16(tcp[2:], dst.Port())
	tcp[12] = 5 << 4
	tcp[13] = 0x02 // SYN
	be.PutUint16(tcp[14:], 65535)
	eth := make([]byte, 14)
	eth[0], eth[6] = 0x02, 0x02
	var ip []byte
	if src.Addr().Is4() {
		be.PutUint16(eth[12:], 0x0800)
		ip = make([]byte, 20)
		ip[0] = 0x45
		be.PutUint16(ip[2:], uint16(20+len(tcp)))
		ip[8], ip[9] = 64, protoTCP
		s, d := src.Addr().As4(), dst.Addr().As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
	} else {
		be.PutUint16(eth[12:], 0x86dd)
		ip = make([]byte, 40)
		ip[0] = 0x60
		be.PutUint16(ip[4:], uint16(len(tcp)))
		ip[6], ip[7] = protoTCP, 64
		s, d := src.Addr().As16(), dst.Addr().As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
	}
	return append(append(eth, ip...), tcp...)
}

func TestSessionUID(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)
	a := SessionUID("10.0.0.1:40000", "10.0.0.2:143", t0)
	if !regexp.MustCompile(`^C[a-z2-7]{16}$`).MatchString(a) {
		t.Fatalf("uid %q", a)
	}
	if b := SessionUID("10.0.0.1:40000", "10.0.0.2:143", t0.In(time.FixedZone("x", 3600))); b != a {
		t.Errorf("same instant in another zone: %q vs %q", b, a)
	}
	others := map[string]string{
		"1 ns later":   SessionUID("10.0.0.1:40000", "10.0.0.2:143", t0.Add(1)),
		"other port":   SessionUID("10.0.0.1:40001", "10.0.0.2:143", t0),
		"other server": SessionUID("10.0.0.1:40000", "10.0.0.3:143", t0),
		"not ip:port":  SessionUID("x", "y", t0),
	}
	for name, u := range others {
		if u == a {
			t.Errorf("%s: same uid %q", name, u)
		}
	}
	s := &Session{Client: "10.0.0.1:40000", Server: "10.0.0.2:143", Start: Time{t0}}
	s.Identify()
	if s.UID != a || s.CommunityID != CommunityID(s.Client, s.Server) {
		t.Errorf("Identify: %q %q", s.UID, s.CommunityID)
	}
}
