package reassembly

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ---- a recording ConnFactory ----

type event struct {
	kind   byte // 'D' data, 'G' gap, 'E' end
	dir    Direction
	data   string
	n      int
	ts     time.Time
	closed bool
}

type recConn struct {
	info   ConnInfo
	events []event
}

func (c *recConn) Data(_ uint64, d Direction, ts time.Time, p []byte) {
	c.events = append(c.events, event{kind: 'D', dir: d, data: string(p), ts: ts})
}
func (c *recConn) Gap(_ uint64, d Direction, ts time.Time, n int) {
	c.events = append(c.events, event{kind: 'G', dir: d, n: n, ts: ts})
}
func (c *recConn) End(_ uint64, ts time.Time, closed bool) {
	c.events = append(c.events, event{kind: 'E', ts: ts, closed: closed})
}

// stream renders one direction: data concatenated, gaps as <gap n>.
func (c *recConn) stream(d Direction) string {
	var b strings.Builder
	for _, e := range c.events {
		if e.dir != d || e.kind == 'E' {
			continue
		}
		if e.kind == 'G' {
			fmt.Fprintf(&b, "<gap %d>", e.n)
			continue
		}
		b.WriteString(e.data)
	}
	return b.String()
}

func (c *recConn) ends() (n int, closed bool) {
	for _, e := range c.events {
		if e.kind == 'E' {
			n++
			closed = e.closed
		}
	}
	return n, closed
}

type recFactory struct {
	mu    sync.Mutex
	conns []*recConn
}

func (f *recFactory) Workers(int)          {}
func (f *recFactory) Progress(int, uint64) {}

func (f *recFactory) NewConn(info ConnInfo) Conn {
	c := &recConn{info: info}
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	return c
}

// sorted returns the connections ordered by Seq.
func (f *recFactory) sorted() []*recConn {
	cs := append([]*recConn(nil), f.conns...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].info.Seq < cs[j].info.Seq })
	return cs
}

// summary renders every connection, for comparisons.
func (f *recFactory) summary() string {
	var b strings.Builder
	for _, c := range f.sorted() {
		n, closed := c.ends()
		fmt.Fprintf(&b, "#%d %v->%v ends=%d closed=%v\n C: %q\n S: %q\n", c.info.Seq, c.info.Client, c.info.Server, n, closed, c.stream(FromClient), c.stream(FromServer))
	}
	return b.String()
}

// ---- synthetic captures ----

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

type rawPkt struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// capture builds frames of one link type.
type capture struct {
	t     testing.TB
	link  layers.LinkType
	vlans []uint16 // 802.1Q tags (Ethernet only); two make QinQ
	pkts  []rawPkt
	ts    time.Time
}

func newCapture(t testing.TB, link layers.LinkType) *capture {
	return &capture{t: t, link: link, ts: t0}
}

// conn is one synthetic TCP connection.
type conn struct {
	c            *capture
	cli, srv     net.IP
	cport, sport uint16
	cisn, sisn   uint32
}

func (c *capture) conn(cli, srv string, cport, sport uint16) *conn {
	return &conn{c: c, cli: net.ParseIP(cli), srv: net.ParseIP(srv), cport: cport, sport: sport, cisn: 1000, sisn: 500000}
}

// seg describes one segment. off is relative to the first data byte of the
// direction (ISN+1); SYN segments ignore it.
type seg struct {
	client  bool
	flags   string // any of S A F R P
	off     int
	payload string
	gap     time.Duration // capture time since the previous packet (default 1ms)
	ack     int           // with flag A: bytes of the peer acknowledged (default 0)
}

func cl(off int, payload string) seg {
	return seg{client: true, flags: "PA", off: off, payload: payload}
}
func sv(off int, payload string) seg {
	return seg{client: false, flags: "PA", off: off, payload: payload}
}

// handshake returns SYN, SYN-ACK, ACK.
func handshake() []seg {
	return []seg{{client: true, flags: "S"}, {flags: "SA"}, {client: true, flags: "A"}}
}

func (k *conn) add(ss ...seg) {
	for _, s := range ss {
		k.c.addSeg(k, s)
	}
}

func (c *capture) addSeg(k *conn, s seg) {
	c.t.Helper()
	src, dst, sp, dp, isn, peer := k.cli, k.srv, k.cport, k.sport, k.cisn, k.sisn
	if !s.client {
		src, dst, sp, dp, isn, peer = k.srv, k.cli, k.sport, k.cport, k.sisn, k.cisn
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Window: 65535}
	tcp.Seq = isn + 1 + uint32(s.off)
	for _, f := range s.flags {
		switch f {
		case 'S':
			tcp.SYN = true
			tcp.Seq = isn
		case 'A':
			tcp.ACK = true
			tcp.Ack = peer + 1 + uint32(s.ack)
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		case 'P':
			tcp.PSH = true
		}
	}
	c.addTCP(src, dst, tcp, []byte(s.payload), s.gap)
}

func (c *capture) addTCP(src, dst net.IP, tcp *layers.TCP, payload []byte, gap time.Duration) {
	c.t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var ip gopacket.SerializableLayer
	if src.To4() != nil {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.To4(), DstIP: dst.To4()}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	if err := gopacket.SerializeLayers(buf, opts, ip, tcp, gopacket.Payload(payload)); err != nil {
		c.t.Fatal(err)
	}
	c.addIP(buf.Bytes(), src.To4() == nil, gap)
}

// addIP frames an IP packet for the capture's link type.
func (c *capture) addIP(ipPkt []byte, v6 bool, gap time.Duration) {
	etype := uint16(layers.EthernetTypeIPv4)
	if v6 {
		etype = uint16(layers.EthernetTypeIPv6)
	}
	var hdr []byte
	switch c.link {
	case layers.LinkTypeEthernet:
		hdr = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		for i, v := range c.vlans {
			tpid := uint16(layers.EthernetTypeDot1Q)
			if i == 0 && len(c.vlans) > 1 {
				tpid = uint16(layers.EthernetTypeQinQ)
			}
			hdr = binary.BigEndian.AppendUint16(hdr, tpid)
			hdr = binary.BigEndian.AppendUint16(hdr, v)
		}
		hdr = binary.BigEndian.AppendUint16(hdr, etype)
	case layers.LinkTypeLinuxSLL:
		hdr = []byte{0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0}
		hdr = binary.BigEndian.AppendUint16(hdr, etype)
	case layers.LinkTypeLinuxSLL2:
		hdr = binary.BigEndian.AppendUint16(nil, etype)
		hdr = append(hdr, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0)
	case layers.LinkTypeNull:
		fam := uint32(layers.ProtocolFamilyIPv4)
		if v6 {
			fam = uint32(layers.ProtocolFamilyIPv6BSD)
		}
		hdr = binary.LittleEndian.AppendUint32(nil, fam)
	case layers.LinkTypeLoop:
		fam := uint32(layers.ProtocolFamilyIPv4)
		if v6 {
			fam = uint32(layers.ProtocolFamilyIPv6BSD)
		}
		hdr = binary.BigEndian.AppendUint32(nil, fam)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
	default:
		c.t.Fatalf("link type %v not supported by the test builder", c.link)
	}
	c.addFrame(append(hdr, ipPkt...), gap)
}

func (c *capture) addFrame(frame []byte, gap time.Duration) {
	if gap == 0 {
		gap = time.Millisecond
	}
	c.ts = c.ts.Add(gap)
	c.pkts = append(c.pkts, rawPkt{
		ci:   gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(frame), Length: len(frame)},
		data: frame,
	})
}

func (c *capture) pcap() []byte {
	c.t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(65536, c.link); err != nil {
		c.t.Fatal(err)
	}
	for _, p := range c.pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			c.t.Fatal(err)
		}
	}
	return b.Bytes()
}

func (c *capture) pcapMicro() []byte {
	c.t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65536, c.link); err != nil {
		c.t.Fatal(err)
	}
	for _, p := range c.pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			c.t.Fatal(err)
		}
	}
	return b.Bytes()
}

func (c *capture) pcapng() []byte {
	c.t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, c.link)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, p := range c.pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runBytes reads one in-memory capture with the given options.
func runBytes(t testing.TB, file []byte, opts Options) (*recFactory, Stats, error) {
	t.Helper()
	f := &recFactory{}
	e := NewEngine(opts, f)
	err := e.ReadFrom(context.Background(), "test", bytes.NewReader(file))
	st := e.Close()
	for _, c := range f.conns {
		if n, _ := c.ends(); n != 1 {
			t.Errorf("conn %d got End %d times", c.info.Seq, n)
		}
		if last := c.events[len(c.events)-1]; last.kind != 'E' {
			t.Errorf("conn %d: event after End", c.info.Seq)
		}
	}
	return f, st, err
}
