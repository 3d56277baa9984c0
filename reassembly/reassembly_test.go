package reassembly

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

func TestSegmentSequences(t *testing.T) {
	hs := handshake()
	fin := func(client bool, off int) seg { return seg{client: client, flags: "FA", off: off} }
	cases := []struct {
		name       string
		segs       []seg
		c, s       string
		closed     bool
		gaps       int64
		midStreams int64
	}{
		{
			name:   "in order with close",
			segs:   append(hs, sv(0, "* OK hi\r\n"), cl(0, "a1 NOOP\r\n"), sv(9, "a1 OK\r\n"), fin(true, 9), fin(false, 16)),
			c:      "a1 NOOP\r\n",
			s:      "* OK hi\r\na1 OK\r\n",
			closed: true,
		},
		{
			name: "out of order",
			segs: append(hs, cl(5, "world"), cl(0, "hello"), cl(10, "!")),
			c:    "helloworld!",
		},
		{
			name: "retransmission and duplicate",
			segs: append(hs, cl(0, "hello"), cl(0, "hello"), cl(5, "world"), cl(5, "world"), cl(0, "hello")),
			c:    "helloworld",
		},
		{
			name: "overlap with delivered data",
			segs: append(hs, cl(0, "hello"), cl(3, "loworld")),
			c:    "helloworld",
		},
		{
			name: "overlap between queued segments",
			segs: append(hs, cl(5, "wor"), cl(7, "rld"), cl(0, "hello")),
			c:    "helloworld",
		},
		{
			name: "lost segment then FIN",
			segs: append(hs, cl(0, "hello"), seg{client: true, flags: "FPA", off: 10, payload: "after"}),
			c:    "hello<gap 5>after",
			gaps: 1,
		},
		{
			name: "lost segment in both directions",
			segs: append(hs, sv(0, "* OK\r\n"), sv(16, "tail"), cl(0, "ab"), cl(4, "ef")),
			c:    "ab<gap 2>ef",
			s:    "* OK\r\n<gap 10>tail",
			gaps: 2,
		},
		{
			name:       "no SYN",
			segs:       []seg{sv(0, "* OK\r\n"), cl(0, "a1 NOOP\r\n"), sv(6, "a1 OK\r\n")},
			c:          "<gap -1>a1 NOOP\r\n",
			s:          "<gap -1>* OK\r\na1 OK\r\n",
			midStreams: 2,
		},
		{
			name:       "no SYN, pure ACK first does not open",
			segs:       []seg{{client: true, flags: "A", off: 0}, cl(0, "x"), sv(0, "y")},
			c:          "<gap -1>x",
			s:          "<gap -1>y",
			midStreams: 2,
		},
		{
			name:   "RST ends both directions",
			segs:   append(hs, cl(0, "a1 NOOP\r\n"), seg{client: true, flags: "R", off: 9}, sv(0, "late")),
			c:      "a1 NOOP\r\n",
			closed: true,
		},
		{
			name: "FIN one way only",
			segs: append(hs, cl(0, "bye"), fin(true, 3), sv(0, "* BYE\r\n")),
			c:    "bye",
			s:    "* BYE\r\n",
		},
		{
			name:   "FIN then RST from the other side",
			segs:   append(hs, cl(0, "a1 LOGOUT\r\n"), sv(0, "* BYE\r\n"), fin(true, 11), seg{client: false, flags: "R", off: 7}),
			c:      "a1 LOGOUT\r\n",
			s:      "* BYE\r\n",
			closed: true,
		},
		{
			name:   "FIN then RST from the same side",
			segs:   append(hs, cl(0, "a1 LOGOUT\r\n"), sv(0, "* BYE\r\n"), fin(false, 7), seg{client: false, flags: "R", off: 8}),
			c:      "a1 LOGOUT\r\n",
			s:      "* BYE\r\n",
			closed: true,
		},
		{
			name:   "ACK after close does not reopen",
			segs:   append(hs, cl(0, "q"), fin(true, 1), fin(false, 0), seg{client: true, flags: "A", off: 2}),
			c:      "q",
			closed: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := newCapture(t, layers.LinkTypeEthernet)
			k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
			k.add(tc.segs...)
			f, st, err := runBytes(t, cp.pcap(), Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.conns) != 1 {
				t.Fatalf("got %d conns, want 1:\n%s", len(f.conns), f.summary())
			}
			c := f.conns[0]
			if got := c.stream(FromClient); got != tc.c {
				t.Errorf("client stream %q, want %q", got, tc.c)
			}
			if got := c.stream(FromServer); got != tc.s {
				t.Errorf("server stream %q, want %q", got, tc.s)
			}
			if _, closed := c.ends(); closed != tc.closed {
				t.Errorf("closed=%v, want %v", closed, tc.closed)
			}
			if st.Gaps != tc.gaps || st.MidStream != tc.midStreams {
				t.Errorf("gaps %d midstream %d, want %d %d", st.Gaps, st.MidStream, tc.gaps, tc.midStreams)
			}
			if c.info.Client.Port() != 40000 || c.info.Server.Port() != 143 || c.info.Client.Addr().String() != "10.0.0.1" {
				t.Errorf("endpoints %v -> %v", c.info.Client, c.info.Server)
			}
			// Data is never glued across a gap: the event before a gap and
			// the one after it are separate Data calls.
			for i, e := range c.events {
				if e.kind == 'G' && e.n > 0 && (i+1 >= len(c.events) || c.events[i+1].kind != 'D') {
					t.Errorf("gap not followed by data: %+v", c.events)
				}
			}
		})
	}
}

func TestServerFirstAndBothPortsIMAP(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	// Capture starts with the SYN-ACK: the first packet is from the server.
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(seg{flags: "SA"}, sv(0, "* OK\r\n"), cl(0, "a NOOP\r\n"))
	// Both ports configured: 143 < 220, so 143 is the server even though
	// the 220 side sends the SYN.
	k2 := cp.conn("10.0.0.3", "10.0.0.4", 220, 143)
	k2.add(handshake()...)
	k2.add(cl(0, "c"), sv(0, "s"))
	f, _, err := runBytes(t, cp.pcap(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := f.sorted()
	if len(cs) != 2 {
		t.Fatalf("%d conns", len(cs))
	}
	if got := cs[0].stream(FromServer); got != "* OK\r\n" {
		t.Errorf("server-first: server stream %q", got)
	}
	if got := cs[0].stream(FromClient); got != "<gap -1>a NOOP\r\n" {
		t.Errorf("server-first: client stream %q", got)
	}
	if cs[0].info.Server.Port() != 143 || cs[0].info.Seq != 0 {
		t.Errorf("server-first info %+v", cs[0].info)
	}
	if cs[1].info.Server.Port() != 143 || cs[1].info.Client.Port() != 220 {
		t.Errorf("both-IMAP info %+v", cs[1].info)
	}
	// The 220 side is the client here, so its bytes are FromServer... no:
	// the 143 side is the server, so what the 220 side sends is client data.
	if cs[1].stream(FromClient) != "c" || cs[1].stream(FromServer) != "s" {
		t.Errorf("both-IMAP streams %q %q", cs[1].stream(FromClient), cs[1].stream(FromServer))
	}
	if cs[1].info.Seq != 3 {
		t.Errorf("Seq %d, want 3 (index of the first packet)", cs[1].info.Seq)
	}
}

func TestTimestamps(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	k.add(cl(0, "aaa"))
	tIn := cp.ts
	k.add(cl(6, "ccc"))
	k.add(cl(3, "bbb"))
	tFill := cp.ts
	f, _, err := runBytes(t, cp.pcap(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var data []event
	for _, e := range f.conns[0].events {
		if e.kind == 'D' {
			data = append(data, e)
		}
	}
	if len(data) != 2 || data[0].data != "aaa" || data[1].data != "bbbccc" {
		t.Fatalf("data events %+v", data)
	}
	if !data[0].ts.Equal(tIn) {
		t.Errorf("in-order ts %v, want %v", data[0].ts, tIn)
	}
	if !data[1].ts.Equal(tFill) {
		t.Errorf("filled ts %v, want %v (the packet that filled the hole)", data[1].ts, tFill)
	}
	if f.conns[0].info.Start != t0.Add(time.Millisecond) {
		t.Errorf("start %v", f.conns[0].info.Start)
	}
}

func TestIdleTimeoutAndPortFilter(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	k.add(cl(0, "first"))
	other := cp.conn("10.0.0.1", "10.0.0.9", 40001, 80)
	other.add(handshake()...)
	other.add(seg{client: true, flags: "PA", payload: "GET /", gap: 20 * time.Minute})
	// Same 4-tuple, after the idle timeout: a new connection.
	k.add(cl(5, "second"))
	f, st, err := runBytes(t, cp.pcap(), Options{Workers: 1, IdleTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	cs := f.sorted()
	if len(cs) != 2 {
		t.Fatalf("got %d conns\n%s", len(cs), f.summary())
	}
	if cs[0].stream(FromClient) != "first" || cs[1].stream(FromClient) != "<gap -1>second" {
		t.Errorf("streams:\n%s", f.summary())
	}
	if n, closed := cs[0].ends(); n != 1 || closed {
		t.Errorf("idle conn ends=%d closed=%v", n, closed)
	}
	end := cs[0].events[len(cs[0].events)-1]
	if !end.ts.Equal(t0.Add(4 * time.Millisecond)) {
		t.Errorf("idle End ts %v, want the last packet's", end.ts)
	}
	if st.Skipped != 4 || st.IMAPPackets != 5 {
		t.Errorf("skipped %d imap %d", st.Skipped, st.IMAPPackets)
	}
}

func TestPageTimeoutFlushesGap(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	k.add(cl(0, "ab"), cl(4, "ef"))
	k2 := cp.conn("10.0.0.5", "10.0.0.2", 40000, 143)
	k2.add(seg{client: true, flags: "S", gap: time.Minute})
	f, _, err := runBytes(t, cp.pcap(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := f.sorted()[0]
	// The gap must have been delivered by the capture-time flush, before the
	// second connection opened, not at the end of input.
	var gapTs time.Time
	for _, e := range c.events {
		if e.kind == 'G' {
			gapTs = e.ts
		}
	}
	if c.stream(FromClient) != "ab<gap 2>ef" {
		t.Fatalf("stream %q", c.stream(FromClient))
	}
	if !gapTs.Equal(t0.Add(5 * time.Millisecond)) {
		t.Errorf("gap ts %v", gapTs)
	}
	if !strings.Contains(f.summary(), "ends=1") {
		t.Error("no end")
	}
}

// TestCaptureLossGivenUpOnAck: when the server acknowledges client bytes the
// capture never saw, the hole is a capture loss, not a network one; it is
// given up a few packets later instead of after the page timeout, so the
// client's data behind it comes out in step with the server's answers.
func TestCaptureLossGivenUpOnAck(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	k.add(cl(0, "a1 NOOP\r\n"), cl(18, "a3 NOOP\r\n")) // a2 (bytes 9-17) never captured
	s := sv(0, "a1 OK done\r\n")
	s.ack = 27 // the server got all three commands
	k.add(s)
	for i := 0; i < 8; i++ {
		k.add(sv(12+12*i, "* 1 EXISTS\r\n"))
	}
	f, _, err := runBytes(t, cp.pcap(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := f.sorted()[0]
	if got := c.stream(FromClient); got != "a1 NOOP\r\n<gap 9>a3 NOOP\r\n" {
		t.Fatalf("client stream %q", got)
	}
	gapAt, lastServer := -1, -1
	for i, e := range c.events {
		if e.kind == 'G' && e.dir == FromClient {
			gapAt = i
		}
		if e.kind == 'D' && e.dir == FromServer {
			lastServer = i
		}
	}
	if gapAt < 0 || gapAt > lastServer {
		t.Errorf("the gap came after all the server's data (event %d of %d): not given up on the ACK", gapAt, lastServer)
	}
}

// TestMaxConnections: beyond the limit a new connection is not followed
// (counted instead); once one ends, room is made for the next.
func TestMaxConnections(t *testing.T) {
	cp := newCapture(t, layers.LinkTypeEthernet)
	a := cp.conn("10.0.0.1", "10.0.0.2", 40001, 143)
	b := cp.conn("10.0.0.1", "10.0.0.2", 40002, 143)
	c := cp.conn("10.0.0.1", "10.0.0.2", 40003, 143)
	d := cp.conn("10.0.0.1", "10.0.0.2", 40004, 143)
	a.add(handshake()...)
	b.add(handshake()...)
	c.add(handshake()...) // a third while two are open: not followed
	a.add(sv(0, "* OK a\r\n"))
	a.add(seg{client: true, flags: "RA"}) // a ends
	d.add(handshake()...)                 // room again
	d.add(sv(0, "* OK d\r\n"))
	f, st, err := runBytes(t, cp.pcap(), Options{Workers: 1, MaxConnections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Conns != 3 || st.PacketsOverConnLimit == 0 {
		t.Errorf("conns %d over limit %d, want 3 and >0", st.Conns, st.PacketsOverConnLimit)
	}
	var ports []uint16
	for _, k := range f.sorted() {
		ports = append(ports, k.info.Client.Port())
	}
	if fmt.Sprint(ports) != "[40001 40002 40004]" {
		t.Errorf("followed %v", ports)
	}
}
