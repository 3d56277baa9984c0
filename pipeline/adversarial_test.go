package pipeline_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
)

// halfOpenCapture returns a classic pcap with n connections to port 143,
// each one client data segment carrying a command (no SYN: a capture that
// began mid-connection), never answered and never closed; one packet per
// millisecond of capture time.
func halfOpenCapture(t testing.TB, n int) []byte {
	var out bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	out.Write(hdr)
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	k := 0
	write := func(src net.IP, sport uint16, syn bool, payload []byte) {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: net.IP{10, 0, 0, 1}}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: 143, Seq: 1000, SYN: syn, Window: 65535}
		if !syn {
			tcp.Seq, tcp.ACK, tcp.PSH, tcp.Ack = 1001, true, true, 1
		}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		ts := base.Add(time.Duration(k) * time.Millisecond)
		k++
		var rh [16]byte
		binary.LittleEndian.PutUint32(rh[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rh[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(buf.Bytes())))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(buf.Bytes())))
		out.Write(rh[:])
		out.Write(buf.Bytes())
	}
	for i := 0; i < n; i++ {
		src := net.IP{10, byte(1 + i>>16), byte(i >> 8), byte(i)}
		sport := uint16(20000 + i%40000)
		write(src, sport, false, []byte("a1 LOGIN user pass\r\n"))
	}
	return out.Bytes()
}

// TestHalfOpenConnections opens 100,000 connections (10,000 with -short)
// that never complete and checks that they are all reported, each with its
// pending command, and that memory stays under a documented bound: the
// peak live heap, sampled while reading, under 12 KiB per connection plus
// 64 MiB. Each open connection holds reassembly state, a dissect.Session
// and its report until the idle timeout or the end of the input: nothing
// caps the number of open connections, so this bound is per connection
// (measured about 8.5 KiB, most of it the dissector's first transaction
// slab; see dissect/txn.go newTxn).
func TestHalfOpenConnections(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 10000
	}
	file := halfOpenCapture(t, n)
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	peak := int64(0)
	sample := func(int64) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if d := int64(m.HeapAlloc) - int64(base.HeapAlloc); d > peak {
			peak = d
		}
	}
	col := pipeline.NewCollector(dissect.Options{}, pipeline.Stream{})
	e := reassembly.NewEngine(reassembly.Options{Workers: 1, Ports: testPorts, Progress: sample}, col)
	if err := e.ReadFrom(context.Background(), "halfopen.pcap", bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	st := e.Close()
	sample(0)
	sessions := col.Sessions()
	limit := int64(n)*12<<10 + 64<<20
	t.Logf("%d connections (%d packets, %d bytes): peak heap %.1f MiB (%.0f B/connection), limit %.1f MiB",
		n, st.Packets, len(file), float64(peak)/(1<<20), float64(peak)/float64(n), float64(limit)/(1<<20))
	if peak > limit {
		t.Errorf("peak heap %d bytes over the limit %d", peak, limit)
	}
	if len(sessions) != n {
		t.Fatalf("%d sessions, want %d", len(sessions), n)
	}
	for _, s := range sessions[:10] {
		if len(s.Transactions) != 1 || s.Transactions[0].Command != "LOGIN" || s.Transactions[0].Status != "" {
			t.Fatalf("session %s: %+v", s.Client, s.Transactions)
		}
	}
}
