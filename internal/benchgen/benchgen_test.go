package benchgen

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// record is one packet read back from a pcap file.
type record struct {
	ts   int64 // microseconds
	data []byte
}

// readPcap parses a classic little-endian pcap file written by Write.
func readPcap(t testing.TB, b []byte) []record {
	t.Helper()
	if len(b) < pcapFileHdrLen {
		t.Fatalf("capture too short: %d bytes", len(b))
	}
	if m := binary.LittleEndian.Uint32(b); m != pcapMagic {
		t.Fatalf("magic %#x", m)
	}
	if lt := binary.LittleEndian.Uint32(b[20:]); lt != pcapLinkEther {
		t.Fatalf("link type %d", lt)
	}
	var out []record
	for off := pcapFileHdrLen; off < len(b); {
		if off+pcapRecordHdrLn > len(b) {
			t.Fatalf("truncated record header at %d", off)
		}
		h := b[off:]
		sec, usec := binary.LittleEndian.Uint32(h), binary.LittleEndian.Uint32(h[4:])
		capLen, origLen := int(binary.LittleEndian.Uint32(h[8:])), int(binary.LittleEndian.Uint32(h[12:]))
		if capLen != origLen || usec >= 1e6 {
			t.Fatalf("record at %d: caplen %d len %d usec %d", off, capLen, origLen, usec)
		}
		off += pcapRecordHdrLn
		if off+capLen > len(b) {
			t.Fatalf("truncated record at %d", off)
		}
		out = append(out, record{int64(sec)*1e6 + int64(usec), b[off : off+capLen]})
		off += capLen
	}
	return out
}

func TestDeterminism(t *testing.T) {
	opts := Options{Sessions: 40, Concurrency: 15, Seed: 7}
	a, sa, err := Capture(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, sb, err := Capture(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different captures")
	}
	if sa.String() != sb.String() {
		t.Fatalf("same seed gave different summaries:\n%s\n%s", sa, sb)
	}
	opts.Seed = 8
	c, _, err := Capture(opts)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave identical captures")
	}
}

func TestSummaryMatchesFile(t *testing.T) {
	b, sum, err := Capture(Options{Sessions: 30, Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	recs := readPcap(t, b)
	if int64(len(b)) != sum.Bytes || len(recs) != sum.Packets {
		t.Fatalf("file %d bytes %d packets, summary %d bytes %d packets", len(b), len(recs), sum.Bytes, sum.Packets)
	}
	if sum.Sessions != 30 || sum.MaxConcurrent != 10 {
		t.Fatalf("sessions %d max concurrent %d", sum.Sessions, sum.MaxConcurrent)
	}
	total := 0
	for _, n := range sum.CommandsByKind {
		total += n
	}
	if total != sum.Commands || sum.CommandsByKind["LOGIN"] != 30 {
		t.Fatalf("commands %d, by kind %v", sum.Commands, sum.CommandsByKind)
	}
}

func TestTargetBytes(t *testing.T) {
	const target = 20 << 20
	b, sum, err := Capture(Options{TargetBytes: target, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b); n < target*8/10 || n > target*12/10 {
		t.Fatalf("target %d bytes, got %d (%d sessions)", target, n, sum.Sessions)
	}
}

func TestBodySize(t *testing.T) {
	s := new(session)
	var sum Summary
	sum.CommandsByKind = map[string]int{}
	s.reset(0, 1, 0, 0, &sum)
	var total int
	const n = 20000
	for range n {
		v := bodySize(s.r)
		if v < minBody || v > maxBody {
			t.Fatalf("body size %d out of range", v)
		}
		total += v
	}
	if mean := total / n; mean < 24<<10 || mean > 36<<10 {
		t.Fatalf("mean body size %d, want about 30 KB", mean)
	}
	b := appendBody(nil, s.r, 5000, 1)
	if len(b) != 5000 || !bytes.HasPrefix(b, []byte("Return-Path: <")) || !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("body of %d bytes: %q...", len(b), b[:40])
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"100MB": 100 << 20, "1GB": 1 << 30, "1g": 1 << 30,
		"512k": 512 << 10, "12345": 12345, "1.5GiB": 3 << 29} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1MB", "MB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
}

func BenchmarkCapture(b *testing.B) {
	var size int64
	for b.Loop() {
		sum, err := Write(discard{}, Options{Sessions: 300})
		if err != nil {
			b.Fatal(err)
		}
		size = sum.Bytes
	}
	b.SetBytes(size)
}

// discard is io.Discard without the ReadFrom shortcut.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
