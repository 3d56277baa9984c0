package secretshapes

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Damage is what the capture does to a conversation's client stream at
// client byte offset At.
type Damage uint8

const (
	// Whole: every segment captured.
	Whole Damage = iota
	// Lost: the capture missed LostBytes client bytes from At (a dropped
	// packet: the next segment's sequence number jumps).
	Lost
	// Snapped: the segment holding At is captured only up to At (a snap
	// length shorter than the packet; its original length stays).
	Snapped
	// Ended: the capture stops at At (tcpdump killed, ring buffer rotated):
	// nothing of the connection after it, no FIN.
	Ended
)

// LostBytes is how many client bytes a Lost damage drops.
const LostBytes = 4

// Shape is one conversation of a crafted capture with its damage.
type Shape struct {
	Conv
	Damage Damage
	At     int // client byte offset the damage applies at
}

// Capture addresses: one client host per shape, one server.
var (
	serverIP  = net.IP{10, 99, 1, 1}
	serverMAC = net.HardwareAddr{0x02, 0x42, 0x0a, 0x63, 0x01, 0x01}
	clientMAC = net.HardwareAddr{0x02, 0x42, 0x0a, 0x63, 0x00, 0x01}
)

// captureStart is the capture time of the first packet.
var captureStart = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// pcapWriter writes a classic little-endian microsecond pcap with Ethernet
// frames. snapLen is the file's snap length.
type pcapWriter struct {
	w   io.Writer
	err error
}

const snapLen = 65535

func (p *pcapWriter) header() {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snapLen)
	binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
	p.write(h[:])
}

func (p *pcapWriter) write(b []byte) {
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
}

// packet writes one frame captured at ts, keeping only caplen bytes.
func (p *pcapWriter) packet(ts time.Time, frame []byte, caplen int) {
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(caplen))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(frame)))
	p.write(h[:])
	p.write(frame[:caplen])
}

// conn writes one TCP connection's packets.
type conn struct {
	p       *pcapWriter
	cliIP   net.IP
	cliPort uint16
	seq     [2]uint32 // next sequence number: client, server
	ipID    [2]uint16
	ts      time.Time
	buf     gopacket.SerializeBuffer
}

// send writes one segment from the client (fromServer false) or server.
// caplen < 0 captures it whole; lost segments advance seq without a packet.
func (c *conn) send(fromServer bool, flags string, payload []byte, caplen int, lost bool) error {
	d := 0
	if fromServer {
		d = 1
	}
	c.ts = c.ts.Add(200 * time.Microsecond)
	tcp := &layers.TCP{Seq: c.seq[d], Ack: c.seq[1-d], Window: 502, SrcPort: layers.TCPPort(c.cliPort), DstPort: 143}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: c.cliIP, DstIP: serverIP, Id: c.ipID[d], Flags: layers.IPv4DontFragment}
	eth := &layers.Ethernet{SrcMAC: clientMAC, DstMAC: serverMAC, EthernetType: layers.EthernetTypeIPv4}
	if fromServer {
		tcp.SrcPort, tcp.DstPort = 143, layers.TCPPort(c.cliPort)
		ip.SrcIP, ip.DstIP = serverIP, c.cliIP
		eth.SrcMAC, eth.DstMAC = serverMAC, clientMAC
	}
	c.ipID[d]++
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'P':
			tcp.PSH = true
		case 'F':
			tcp.FIN = true
		}
	}
	if !tcp.ACK {
		tcp.Ack = 0
	}
	c.seq[d] += uint32(len(payload))
	if tcp.SYN || tcp.FIN {
		c.seq[d]++
	}
	if lost {
		return nil
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(c.buf, opts, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		return err
	}
	frame := c.buf.Bytes()
	if caplen < 0 {
		caplen = len(frame)
	} else {
		caplen += len(frame) - len(payload)
	}
	c.p.packet(c.ts, frame, caplen)
	return c.p.err
}

// WritePcap writes the shapes as one capture: each shape is a connection
// of its own (client 10.99.0.N, server 10.99.1.1:143), opened with a
// handshake, greeted, run step by step (one segment per step), damaged as
// the shape says and closed with FIN unless the capture ends inside it.
// Connections follow one another, 10 ms apart.
func WritePcap(w io.Writer, shapes []Shape) error {
	p := &pcapWriter{w: w}
	p.header()
	for i, sh := range shapes {
		c := &conn{p: p, cliIP: net.IP{10, 99, byte(i >> 8), byte(i + 1)}, cliPort: uint16(40000 + i),
			seq: [2]uint32{1000000 * uint32(i+1), 2000000 * uint32(i+1)}, ts: captureStart.Add(time.Duration(i) * 10 * time.Millisecond),
			buf: gopacket.NewSerializeBuffer()}
		if err := c.run(sh); err != nil {
			return fmt.Errorf("secretshapes: shape %d (%s): %w", i, sh.Name, err)
		}
	}
	return p.err
}

// run writes one shape's connection.
func (c *conn) run(sh Shape) error {
	steps := []error{
		c.send(false, "S", nil, -1, false), c.send(true, "SA", nil, -1, false), c.send(false, "A", nil, -1, false),
		c.send(true, "PA", []byte(Greeting), -1, false),
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	pos := 0
	for _, st := range sh.Steps {
		p := []byte(st.Data)
		if st.Server {
			if err := c.send(true, "PA", p, -1, false); err != nil {
				return err
			}
			continue
		}
		if sh.Damage != Whole && sh.At >= pos && sh.At < pos+len(p) {
			k := sh.At - pos
			if err := c.damaged(sh.Damage, p, k); err != nil || sh.Damage == Ended {
				return err
			}
		} else if err := c.send(false, "PA", p, -1, false); err != nil {
			return err
		}
		pos += len(p)
	}
	for _, fin := range []struct {
		server bool
		flags  string
	}{{false, "FA"}, {true, "FA"}, {false, "A"}} {
		if err := c.send(fin.server, fin.flags, nil, -1, false); err != nil {
			return err
		}
	}
	return nil
}

// damaged writes a client step p damaged at offset k.
func (c *conn) damaged(d Damage, p []byte, k int) error {
	switch d {
	case Lost:
		n := min(LostBytes, len(p)-k)
		for _, seg := range []struct {
			b    []byte
			lost bool
		}{{p[:k], false}, {p[k : k+n], true}, {p[k+n:], false}} {
			if len(seg.b) == 0 {
				continue
			}
			if err := c.send(false, "PA", seg.b, -1, seg.lost); err != nil {
				return err
			}
		}
		return nil
	case Snapped:
		return c.send(false, "PA", p, k, false)
	case Ended:
		if k == 0 {
			return nil
		}
		return c.send(false, "PA", p[:k], -1, false)
	}
	return c.send(false, "PA", p, -1, false)
}
