package benchgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// baseTime is the capture time of the first SYN.
var baseTime = time.Date(2025, time.June, 2, 9, 0, 0, 0, time.UTC)

// Addresses of the server; clients are numbered from 10.1.0.0/16 and
// 2001:db8:1::/64.
var (
	serverMAC = net.HardwareAddr{0x00, 0x16, 0x3e, 0x12, 0x34, 0x56}
	serverIP4 = net.IP{192, 0, 2, 143}
	serverIP6 = net.IP{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x43}
)

// initialSessionGuess is the expected file size of one session before any
// has finished, used to plan a TargetBytes capture.
const initialSessionGuess = 250 << 10

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// generator holds the state of one Write call.
type generator struct {
	opts Options
	sum  Summary
	cw   countingWriter
	bw   *bufio.Writer
	pw   pcapWriter
	rng  *rand.Rand // session start times

	sbuf gopacket.SerializeBuffer
	sopt gopacket.SerializeOptions
	eth  layers.Ethernet
	ip4  layers.IPv4
	ip6  layers.IPv6
	tcp  layers.TCP
	pl   gopacket.Payload
	ls4  []gopacket.SerializableLayer
	ls6  []gopacket.SerializableLayer

	synOpts []layers.TCPOption
	tsOpts  []layers.TCPOption
	tsData  [8]byte
	synTS   [8]byte
	cliMAC  net.HardwareAddr
	cliIP   net.IP

	heap      []*session
	free      []*session
	started   int
	doneBytes int64
	openBytes int64 // bytes written so far by the open sessions
	done      int
}

// Write generates a capture for opts and writes it to w as a classic pcap
// file (little endian, Ethernet link type, microsecond timestamps, snap
// length 65535). It returns the
// capture's ground truth.
func Write(w io.Writer, opts Options) (Summary, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	g := newGenerator(w, o)
	if err := g.run(); err != nil {
		return g.sum, fmt.Errorf("benchgen: write capture: %w", err)
	}
	return g.sum, nil
}

// Capture generates a capture for opts in memory, for benchmarks and tests.
func Capture(opts Options) ([]byte, Summary, error) {
	var buf bytes.Buffer
	if opts.TargetBytes > 0 {
		buf.Grow(int(opts.TargetBytes + opts.TargetBytes/8))
	}
	sum, err := Write(&buf, opts)
	return buf.Bytes(), sum, err
}

func newGenerator(w io.Writer, o Options) *generator {
	g := &generator{opts: o}
	g.sum.CommandsByKind = make(map[string]int, len(commandKinds))
	g.cw.w = w
	g.bw = bufio.NewWriterSize(&g.cw, 1<<20)
	g.pw.w = g.bw
	g.rng = rand.New(rand.NewPCG(o.Seed, 0))
	g.sbuf = gopacket.NewSerializeBufferExpectedSize(128, MaxSegment)
	g.sopt = gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}
	g.ls4 = []gopacket.SerializableLayer{&g.eth, &g.ip4, &g.tcp, &g.pl}
	g.ls6 = []gopacket.SerializableLayer{&g.eth, &g.ip6, &g.tcp, &g.pl}
	g.synOpts = []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0, 0}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: g.synTS[:]},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
	}
	g.tsOpts = []layers.TCPOption{
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: g.tsData[:]},
	}
	g.cliMAC = make(net.HardwareAddr, 6)
	g.cliIP = make(net.IP, 16)
	g.ip4 = layers.IPv4{Version: 4, IHL: 5, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP}
	g.ip6 = layers.IPv6{Version: 6, NextHeader: layers.IPProtocolTCP}
	return g
}

// wantMore reports whether another session should be started.
func (g *generator) wantMore() bool {
	if g.opts.TargetBytes <= 0 {
		return g.started < g.opts.Sessions
	}
	est := int64(initialSessionGuess)
	if g.done > 0 {
		est = g.doneBytes / int64(g.done)
	}
	// projected size if one more session ran: written bytes plus what the
	// open sessions and the new one are still expected to write
	left := max(int64(len(g.heap)+1)*est-g.openBytes, est)
	return g.cw.n+int64(g.bw.Buffered())+left <= g.opts.TargetBytes+est/2
}

// startSession opens a new session at ts and pushes it on the heap.
func (g *generator) startSession(ts int64) {
	var s *session
	if n := len(g.free); n > 0 {
		s, g.free = g.free[n-1], g.free[:n-1]
	} else {
		s = new(session)
	}
	s.convo.shape, s.convo.commands = g.opts.Shape, g.opts.Commands
	s.reset(g.started, g.opts.Seed, ts, g.opts.IPv6Share, &g.sum)
	g.started++
	g.sum.Sessions++
	if s.v6 {
		g.sum.IPv6Sessions++
	}
	s.fill()
	g.push(s)
	g.sum.MaxConcurrent = max(g.sum.MaxConcurrent, len(g.heap))
}

func (g *generator) run() error {
	if err := g.pw.writeFileHeader(); err != nil {
		return err
	}
	ts := baseTime.UnixNano()
	for i := 0; i < g.opts.Concurrency && g.wantMore(); i++ {
		g.startSession(ts)
		ts += int64(2*time.Millisecond) + g.rng.Int64N(int64(18*time.Millisecond))
	}
	for len(g.heap) > 0 {
		s := g.heap[0]
		before := g.cw.n + int64(g.bw.Buffered())
		if err := g.writePacket(s); err != nil {
			return err
		}
		n := g.cw.n + int64(g.bw.Buffered()) - before
		s.bytes += n
		g.openBytes += n
		if s.fill() {
			g.down(0)
			continue
		}
		end := s.cur.ts
		g.pop()
		g.done++
		g.doneBytes += s.bytes
		g.openBytes -= s.bytes
		g.free = append(g.free, s)
		if g.wantMore() {
			g.startSession(end + g.rng.Int64N(int64(20*time.Millisecond)))
		}
	}
	if err := g.bw.Flush(); err != nil {
		return err
	}
	g.sum.Bytes = g.cw.n
	return nil
}

// writePacket serializes s.cur and writes it to the capture.
func (g *generator) writePacket(s *session) error {
	p := &s.cur
	h := s.host + 1<<16 + 1 // client host number: 10.1.0.1 and up
	g.cliMAC[0], g.cliMAC[1], g.cliMAC[2] = 0x02, 0x42, byte(h>>24)
	g.cliMAC[3], g.cliMAC[4], g.cliMAC[5] = byte(h>>16), byte(h>>8), byte(h)
	cliPort, srvPort := layers.TCPPort(s.port), layers.TCPPort(ServerPort)
	var ls []gopacket.SerializableLayer
	if s.v6 {
		copy(g.cliIP, serverIP6)
		g.cliIP[4], g.cliIP[5] = 0, 1
		g.cliIP[12], g.cliIP[13], g.cliIP[14], g.cliIP[15] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
		g.eth.EthernetType = layers.EthernetTypeIPv6
		g.ip6.FlowLabel = s.flow
		if p.from == client {
			g.ip6.SrcIP, g.ip6.DstIP, g.ip6.HopLimit = g.cliIP, serverIP6, 57
		} else {
			g.ip6.SrcIP, g.ip6.DstIP, g.ip6.HopLimit = serverIP6, g.cliIP, 64
		}
		_ = g.tcp.SetNetworkLayerForChecksum(&g.ip6)
		ls = g.ls6
	} else {
		ip := g.cliIP[:4]
		ip[0], ip[1], ip[2], ip[3] = 10, byte(h>>16), byte(h>>8), byte(h)
		g.eth.EthernetType = layers.EthernetTypeIPv4
		g.ip4.Id = s.ipID[p.from]
		s.ipID[p.from]++
		if p.from == client {
			g.ip4.SrcIP, g.ip4.DstIP, g.ip4.TTL = ip, serverIP4, 57
		} else {
			g.ip4.SrcIP, g.ip4.DstIP, g.ip4.TTL = serverIP4, ip, 64
		}
		_ = g.tcp.SetNetworkLayerForChecksum(&g.ip4)
		ls = g.ls4
	}
	if p.from == client {
		g.eth.SrcMAC, g.eth.DstMAC = g.cliMAC, serverMAC
		g.tcp.SrcPort, g.tcp.DstPort = cliPort, srvPort
	} else {
		g.eth.SrcMAC, g.eth.DstMAC = serverMAC, g.cliMAC
		g.tcp.SrcPort, g.tcp.DstPort = srvPort, cliPort
	}
	g.tcp.Seq, g.tcp.Ack = p.seq, p.ack
	g.tcp.FIN = p.flags&flagFIN != 0
	g.tcp.SYN = p.flags&flagSYN != 0
	g.tcp.PSH = p.flags&flagPSH != 0
	g.tcp.ACK = p.flags&flagACK != 0
	ts := &g.tsData
	if g.tcp.SYN {
		ts = &g.synTS
		mss := s.mss + 12
		g.synOpts[0].OptionData[0], g.synOpts[0].OptionData[1] = byte(mss>>8), byte(mss)
		g.tcp.Options = g.synOpts
		g.tcp.Window = 64240
	} else {
		g.tcp.Options = g.tsOpts
		g.tcp.Window = 501 + 8*uint16(p.from)
	}
	ts[0], ts[1], ts[2], ts[3] = byte(p.tsval>>24), byte(p.tsval>>16), byte(p.tsval>>8), byte(p.tsval)
	ts[4], ts[5], ts[6], ts[7] = byte(p.tsecr>>24), byte(p.tsecr>>16), byte(p.tsecr>>8), byte(p.tsecr)
	g.pl = p.payload
	if err := gopacket.SerializeLayers(g.sbuf, g.sopt, ls...); err != nil {
		return err
	}
	data := g.sbuf.Bytes()
	if err := g.pw.writePacket(p.ts, data); err != nil {
		return err
	}
	if g.sum.Packets == 0 {
		g.sum.First = time.Unix(0, p.ts).UTC()
	}
	g.sum.Last = time.Unix(0, p.ts).UTC()
	g.sum.Packets++
	g.sum.PayloadBytes += int64(len(p.payload))
	return nil
}

// less orders sessions by next packet time, then by session number.
func (g *generator) less(i, j int) bool {
	a, b := g.heap[i], g.heap[j]
	if a.cur.ts != b.cur.ts {
		return a.cur.ts < b.cur.ts
	}
	return a.id < b.id
}

func (g *generator) push(s *session) {
	g.heap = append(g.heap, s)
	for i := len(g.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !g.less(i, p) {
			break
		}
		g.heap[i], g.heap[p] = g.heap[p], g.heap[i]
		i = p
	}
}

func (g *generator) pop() {
	n := len(g.heap) - 1
	g.heap[0] = g.heap[n]
	g.heap[n] = nil
	g.heap = g.heap[:n]
	if n > 0 {
		g.down(0)
	}
}

func (g *generator) down(i int) {
	n := len(g.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && g.less(r, l) {
			m = r
		}
		if !g.less(m, i) {
			return
		}
		g.heap[i], g.heap[m] = g.heap[m], g.heap[i]
		i = m
	}
}
