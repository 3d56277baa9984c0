package reassembly

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// imapConn adds a small IMAP conversation to cp.
func imapConn(cp *capture, cli, srv string, cport uint16) {
	k := cp.conn(cli, srv, cport, 143)
	k.add(handshake()...)
	k.add(sv(0, "* OK ready\r\n"), cl(0, "a1 LOGOUT\r\n"), sv(12, "* BYE\r\na1 OK\r\n"),
		seg{client: true, flags: "FA", off: 11}, seg{flags: "FA", off: 26})
}

func checkIMAPConn(t *testing.T, f *recFactory) {
	t.Helper()
	if len(f.conns) != 1 {
		t.Fatalf("got %d conns, want 1", len(f.conns))
	}
	c := f.conns[0]
	if got := c.stream(FromServer); got != "* OK ready\r\n* BYE\r\na1 OK\r\n" {
		t.Errorf("server stream %q", got)
	}
	if got := c.stream(FromClient); got != "a1 LOGOUT\r\n" {
		t.Errorf("client stream %q", got)
	}
	if _, closed := c.ends(); !closed {
		t.Error("not closed")
	}
}

func TestLinkTypes(t *testing.T) {
	cases := []struct {
		name  string
		link  layers.LinkType
		vlans []uint16
		v6    bool
	}{
		{"ethernet", layers.LinkTypeEthernet, nil, false},
		{"ethernet ipv6", layers.LinkTypeEthernet, nil, true},
		{"vlan", layers.LinkTypeEthernet, []uint16{42}, false},
		{"qinq ipv6", layers.LinkTypeEthernet, []uint16{100, 42}, true},
		{"sll", layers.LinkTypeLinuxSLL, nil, false},
		{"sll ipv6", layers.LinkTypeLinuxSLL, nil, true},
		{"sll2", layers.LinkTypeLinuxSLL2, nil, false},
		{"sll2 ipv6", layers.LinkTypeLinuxSLL2, nil, true},
		{"raw", layers.LinkTypeRaw, nil, false},
		{"raw ipv6", layers.LinkTypeRaw, nil, true},
		{"ipv4", layers.LinkTypeIPv4, nil, false},
		{"ipv6", layers.LinkTypeIPv6, nil, true},
		{"null", layers.LinkTypeNull, nil, false},
		{"null ipv6", layers.LinkTypeNull, nil, true},
		{"openbsd loop", layers.LinkTypeLoop, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := newCapture(t, tc.link)
			cp.vlans = tc.vlans
			cli, srv := "192.0.2.1", "192.0.2.2"
			if tc.v6 {
				cli, srv = "2001:db8::1", "2001:db8::2"
			}
			imapConn(cp, cli, srv, 51000)
			f, st, err := runBytes(t, cp.pcap(), Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkIMAPConn(t, f)
			if got := f.conns[0].info.Client.Addr().String(); got != cli {
				t.Errorf("client addr %s", got)
			}
			if st.Packets != 8 || st.IMAPPackets != 8 || st.DecodeErrors != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestFileFormats(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeLinuxSLL2)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	cases := map[string][]byte{
		"pcap nanoseconds":  cp.pcap(),
		"pcap microseconds": cp.pcapMicro(),
		"pcapng":            cp.pcapng(),
		"pcap gzip":         gz(t, cp.pcap()),
		"pcapng gzip":       gz(t, cp.pcapng()),
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			f, st, err := runBytes(t, file, Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkIMAPConn(t, f)
			if st.Truncated || st.Damage != "" {
				t.Errorf("damage on a good file: %q", st.Damage)
			}
		})
	}
}

func TestPcapngMixedLinkTypes(t *testing.T) {
	// Two interfaces: Ethernet and SLL2, one connection on each.
	eth := newCapture(t, layers.LinkTypeEthernet)
	imapConn(eth, "192.0.2.1", "192.0.2.2", 51000)
	sll := newCapture(t, layers.LinkTypeLinuxSLL2)
	imapConn(sll, "192.0.2.3", "192.0.2.2", 51001)
	var b bytes.Buffer
	w, err := newNgWriter2(&b, layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range eth.pkts {
		w.write(t, 0, eth.pkts[i])
		w.write(t, 1, sll.pkts[i])
	}
	w.flush(t)
	f, _, err := runBytes(t, b.Bytes(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.conns) != 2 {
		t.Fatalf("got %d conns, want 2", len(f.conns))
	}
	for _, c := range f.conns {
		if got := c.stream(FromClient); got != "a1 LOGOUT\r\n" {
			t.Errorf("%v: client stream %q", c.info.Client, got)
		}
	}
}

func TestTruncatedAndCorrupt(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	k := cp.conn("192.0.2.9", "192.0.2.2", 52000, 143)
	k.add(handshake()...)
	k.add(cl(0, "a1 NOOP and a long line that the truncation will cut\r\n"))
	full := cp.pcap()
	for name, file := range map[string][]byte{
		"pcap cut":        full[:len(full)-20],
		"pcapng cut":      cp.pcapng()[:len(cp.pcapng())-30],
		"gzip cut":        gz(t, full)[:len(gz(t, full))-60],
		"pcap bad length": append(append([]byte(nil), full...), badRecord()...),
	} {
		t.Run(name, func(t *testing.T) {
			f, st, err := runBytes(t, file, Options{Workers: 1})
			if err != nil {
				t.Fatalf("damage must not be an error: %v", err)
			}
			if !st.Truncated || st.Damage == "" {
				t.Fatalf("no damage reported: %+v", st)
			}
			if !strings.Contains(st.Damage, "test:") {
				t.Errorf("damage does not name the input: %q", st.Damage)
			}
			if len(f.conns) < 1 || f.sorted()[0].stream(FromClient) != "a1 LOGOUT\r\n" {
				t.Errorf("earlier connection lost:\n%s", f.summary())
			}
		})
	}
}

// badRecord is a pcap record header claiming an impossible length.
func badRecord() []byte {
	return []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f}
}

func TestNotCapture(t *testing.T) {
	for name, file := range map[string][]byte{
		"garbage":        []byte("this is not a capture file at all\n"),
		"empty":          nil,
		"short":          {0xd4, 0xc3},
		"header cut":     newCapture(t, layers.LinkTypeEthernet).pcap()[:10],
		"gzip garbage":   gz(t, []byte("hello world")),
		"bad gzip":       {0x1f, 0x8b, 0, 0, 0},
		"pcapng garbage": {0x0a, 0x0d, 0x0d, 0x0a, 1, 2, 3},
	} {
		t.Run(name, func(t *testing.T) {
			_, st, err := runBytes(t, file, Options{Workers: 1})
			if !errors.Is(err, ErrNotCapture) {
				t.Fatalf("err = %v, want ErrNotCapture", err)
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Name != "test" || !strings.HasPrefix(err.Error(), "reassembly: test: ") {
				t.Errorf("error %q", err)
			}
			if st.Packets != 0 {
				t.Errorf("packets %d", st.Packets)
			}
		})
	}
}

func TestRunFilesAndStdinLikeReader(t *testing.T) {
	dir := t.TempDir()
	cp := newCapture(t, layers.LinkTypeEthernet)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	good := filepath.Join(dir, "a.pcap.gz")
	if err := os.WriteFile(good, gz(t, cp.pcap()), 0o644); err != nil {
		t.Fatal(err)
	}
	var progress int64
	f := &recFactory{}
	st, err := Run(context.Background(), []string{good}, Options{Workers: 1, Progress: func(n int64) { progress = n }}, f)
	if err != nil {
		t.Fatal(err)
	}
	checkIMAPConn(t, f)
	size, ok := InputSize([]string{good})
	if !ok || progress != size || st.Inputs != 1 {
		t.Errorf("progress %d, size %d %v, inputs %d", progress, size, ok, st.Inputs)
	}
	if _, ok := InputSize([]string{good, StdinName}); ok {
		t.Error("stdin size known")
	}

	// A missing input is an error; what came before is still delivered.
	f = &recFactory{}
	_, err = Run(context.Background(), []string{good, filepath.Join(dir, "missing.pcap")}, Options{Workers: 1}, f)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
	checkIMAPConn(t, f)

	// A directory is not a capture.
	if _, err := Run(context.Background(), []string{dir}, Options{Workers: 1}, &recFactory{}); !errors.Is(err, ErrNotCapture) {
		t.Errorf("dir: err = %v", err)
	}

	// Stdin: a pipe, read through ReadFrom like the CLI does with "-".
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		pw.Write(cp.pcapng())
		pw.Close()
	}()
	f = &recFactory{}
	e := NewEngine(Options{Workers: 2}, f)
	if err := e.ReadFrom(context.Background(), StdinName, pr); err != nil {
		t.Fatal(err)
	}
	e.Close()
	checkIMAPConn(t, f)
}

func TestCancel(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &recFactory{}
	e := NewEngine(Options{Workers: 2}, f)
	if err := e.ReadFrom(ctx, "x", bytes.NewReader(cp.pcap())); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if st := e.Close(); st.Packets != 0 {
		t.Errorf("read %d packets after cancel", st.Packets)
	}
}

func TestFragmentsAndNoise(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	// An IPv4 fragment (MF set) of a TCP packet to port 143.
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0x20, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
		0xc7, 0x38, 0, 143, 0, 0, 0, 1}
	cp.addIP(ip, false, 0)
	// A truncated TCP header, and a non-IP frame (ARP ethertype).
	short := append([]byte(nil), ip[:24]...)
	short[6] = 0 // not a fragment
	cp.addIP(short, false, 0)
	cp.addFrame(append([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06}, make([]byte, 28)...), 0)
	f, st, err := runBytes(t, cp.pcap(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkIMAPConn(t, f)
	if st.Fragments != 1 || st.DecodeErrors != 1 || st.Skipped != 1 {
		t.Errorf("fragments %d decode errors %d skipped %d", st.Fragments, st.DecodeErrors, st.Skipped)
	}
}
