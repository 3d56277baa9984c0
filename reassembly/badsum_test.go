package reassembly

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// breakSum zeroes the TCP checksum of the capture's last packet (Ethernet,
// no VLAN tag), as receive offload (Windows RSC, Linux GRO) leaves the
// segments it coalesces.
func breakSum(c *capture) {
	f := c.pkts[len(c.pkts)-1].data
	ip := f[14:]
	tcp := ip[4*int(ip[0]&0x0f):]
	tcp[16], tcp[17] = 0, 0
}

// rscCapture is the shape of browsers-x509.pcapng's stream
// 172.27.7.31:54603 > 103.42.133.15:443: the capturing host's own
// segments all carry bad checksums (transmit offload), and one inbound
// segment, coalesced by the capturing host, carries checksum 0 between
// good ones. When acked is set, the client acknowledges it before the
// server sends more (the capture); otherwise the server's next segment
// comes first.
func rscCapture(t *testing.T, acked bool) *capture {
	c := newCapture(t, layers.LinkTypeEthernet)
	k := c.conn("172.27.7.31", "103.42.133.15", 54603, 143)
	for _, s := range handshake() {
		k.add(s)
		if s.client {
			breakSum(c)
		}
	}
	hello := "a1 LOGIN x y\r\n"
	big := "* " + strings.Repeat("x", 1396) + "\r\n"
	k.add(cl(0, hello))
	breakSum(c)
	k.add(seg{flags: "A", ack: len(hello)})
	k.add(seg{flags: "PA", off: 0, payload: big, ack: len(hello)})
	breakSum(c)
	if acked {
		k.add(seg{client: true, flags: "A", ack: len(big)})
		breakSum(c)
	}
	k.add(seg{flags: "PA", off: len(big), payload: "a1 OK\r\n", ack: len(hello)})
	k.add(seg{client: true, flags: "A", ack: len(big) + 7})
	breakSum(c)
	return c
}

// TestBadSumHeldSegmentKeepsItsConnection: a bad-checksum segment is held
// back until the connection says it was real (badsum.go); it must then be
// delivered on its own connection. It used to be assembled under the ports
// of whatever packet had since overwritten the reader's buffer (the held
// copy still pointed into it), so with pcapng input, or Packet called with
// one reused buffer, its bytes became a second, midstream connection and
// the first had a gap instead (the lost ServerHello of browsers-x509).
func TestBadSumHeldSegmentKeepsItsConnection(t *testing.T) {
	big := "* " + strings.Repeat("x", 1396) + "\r\n"
	want := "a1 LOGIN x y\r\n|" + big + "a1 OK\r\n"
	for _, acked := range []bool{true, false} {
		c := rscCapture(t, acked)
		inputs := map[string]func() (*recFactory, Stats){
			"pcap": func() (*recFactory, Stats) {
				f, st, _ := runBytes(t, c.pcap(), Options{Workers: 1})
				return f, st
			},
			"pcapng": func() (*recFactory, Stats) {
				f, st, _ := runBytes(t, c.pcapng(), Options{Workers: 1})
				return f, st
			},
			"pcapng-2-workers": func() (*recFactory, Stats) {
				f, st, _ := runBytes(t, c.pcapng(), Options{Workers: 2})
				return f, st
			},
			"Packet-reused-buffer": func() (*recFactory, Stats) {
				f := &recFactory{}
				e := NewEngine(Options{Workers: 1}, f)
				buf := make([]byte, 0, 1<<16)
				for _, p := range c.pkts {
					buf = append(buf[:0], p.data...)
					e.Packet(p.ci, buf, c.link)
					clear(buf) // the caller may reuse its buffer at once
				}
				return f, e.Close()
			},
		}
		for name, run := range inputs {
			f, st := run()
			if len(f.conns) != 1 {
				t.Errorf("acked=%v %s: %d connections, want 1:\n%s", acked, name, len(f.conns), f.summary())
				continue
			}
			k := f.conns[0]
			if got := k.stream(FromClient) + "|" + k.stream(FromServer); got != want {
				t.Errorf("acked=%v %s: streams\n%q\nwant\n%q", acked, name, got, want)
			}
			if st.Skip.BadChecksum != 0 || st.Gaps != 0 {
				t.Errorf("acked=%v %s: Skip.BadChecksum=%d Gaps=%d, want 0 0 (the receiver took the segment)", acked, name, st.Skip.BadChecksum, st.Gaps)
			}
		}
	}
}

// TestBadSumRetransmissionWins: a bad copy followed by the good
// retransmission of the same bytes: the good bytes are delivered once and
// the bad copy is counted.
func TestBadSumRetransmissionWins(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	k := c.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	k.add(cl(0, "a1 DELETE INBOX\r\n"))
	breakSum(c)
	k.add(cl(0, "a1 SELECT INBOX\r\n"))
	k.add(sv(0, "a1 OK\r\n"))
	f, st, _ := runBytes(t, c.pcapng(), Options{Workers: 1})
	if len(f.conns) != 1 {
		t.Fatalf("%d connections, want 1:\n%s", len(f.conns), f.summary())
	}
	if got := f.conns[0].stream(FromClient); got != "a1 SELECT INBOX\r\n" {
		t.Errorf("client stream %q, want the good copy only", got)
	}
	if st.Skip.BadChecksum != 1 {
		t.Errorf("Skip.BadChecksum = %d, want 1", st.Skip.BadChecksum)
	}
	if !bytes.Contains(c.pkts[3].data, []byte("DELETE")) {
		t.Fatal("test capture not built as intended")
	}
}
