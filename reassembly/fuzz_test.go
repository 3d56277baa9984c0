package reassembly

import (
	"bytes"
	"context"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FuzzReadFrom feeds arbitrary bytes as a capture file: no panic may escape,
// none may be recovered either (a recovered panic is a bug to fix), and every
// Conn ends exactly once.
func FuzzReadFrom(f *testing.F) {
	cp := newCapture(f, layers.LinkTypeEthernet)
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	k := cp.conn("2001:db8::1", "2001:db8::2", 40000, 143)
	k.add(cl(5, "world"), cl(0, "hello"), seg{client: true, flags: "R", off: 10})
	f.Add(cp.pcap())
	f.Add(cp.pcapng())
	f.Add(gz(f, cp.pcap()))
	f.Fuzz(func(t *testing.T, file []byte) {
		for _, w := range []int{1, 2} {
			_, st, _ := runBytes(t, file, Options{Workers: w})
			if st.Panics != 0 {
				t.Fatalf("recovered panic: %s", st.Damage)
			}
		}
	})
}

// FuzzPacket feeds arbitrary frames of every supported link type.
func FuzzPacket(f *testing.F) {
	cp := newCapture(f, layers.LinkTypeEthernet)
	cp.vlans = []uint16{1, 2}
	imapConn(cp, "192.0.2.1", "192.0.2.2", 51000)
	for _, p := range cp.pkts {
		f.Add(uint16(layers.LinkTypeEthernet), p.data)
	}
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeRaw, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeIPv4, layers.LinkTypeIPv6}
	f.Fuzz(func(t *testing.T, lt uint16, frame []byte) {
		d := newDecoder()
		_ = d.decode(links[int(lt)%len(links)], frame) // must not panic
		rf := &recFactory{}
		e := NewEngine(Options{Workers: 1}, rf)
		for i := 0; i < 3; i++ {
			e.Packet(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}, frame, links[int(lt)%len(links)])
		}
		if st := e.Close(); st.Panics != 0 {
			t.Fatalf("recovered panic: %s", st.Damage)
		}
	})
}

func TestFuzzSeedsDirect(t *testing.T) {
	// Keeps the decoder honest on short frames of every link type.
	for _, lt := range []layers.LinkType{0, 1, 12, 14, 101, 108, 113, 228, 229, 276} {
		for n := 0; n < 60; n++ {
			frame := bytes.Repeat([]byte{0x45}, n)
			d := newDecoder()
			d.decode(lt, frame)
		}
	}
	e := NewEngine(Options{Workers: 1}, &recFactory{})
	if err := e.ReadFrom(context.Background(), "x", bytes.NewReader(nil)); err == nil {
		t.Error("empty input accepted")
	}
	e.Close()
}
