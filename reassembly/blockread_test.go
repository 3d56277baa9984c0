package reassembly

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket/pcapgo"
)

// pcapFile builds a classic pcap file: byte order, microsecond or
// nanosecond timestamps, snap length, and records of the given capture
// lengths (original length = capture length unless negative lengths ask
// for a record whose capture length exceeds it).
func pcapFile(big, nano bool, snaplen uint32, caplens []int, seed uint64) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if big {
		bo = binary.BigEndian
	}
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	h := make([]byte, 24)
	bo.PutUint32(h[0:], magic)
	bo.PutUint16(h[4:], 2)
	bo.PutUint16(h[6:], 4)
	bo.PutUint32(h[16:], snaplen)
	bo.PutUint32(h[20:], 1)
	rng := rand.New(rand.NewPCG(seed, 1))
	out := h
	for i, n := range caplens {
		orig := n
		if n < 0 {
			n, orig = -n, -n-1
		}
		r := make([]byte, 16+n)
		bo.PutUint32(r[0:], uint32(1700000000+i))
		bo.PutUint32(r[4:], rng.Uint32()) // any fraction, even out of range
		bo.PutUint32(r[8:], uint32(n))
		bo.PutUint32(r[12:], uint32(orig))
		for j := 16; j < len(r); j++ {
			r[j] = byte(rng.Uint32())
		}
		out = append(out, r...)
	}
	return out
}

// readAll lists what a reader returns, record by record, up to and
// including the first error.
func readAll(next func() ([]byte, string, error)) []string {
	var out []string
	for {
		data, ci, err := next()
		if err != nil {
			return append(out, "error: "+err.Error()+fmt.Sprintf(" eof=%v unexpected=%v",
				errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF)))
		}
		out = append(out, fmt.Sprintf("%s %d %x", ci, len(data), data[:min(len(data), 8)]))
	}
}

// viaPcapgo reads file with pcapgo, as the source does for other inputs.
func viaPcapgo(t *testing.T, file []byte) []string {
	r, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	return readAll(func() ([]byte, string, error) {
		data, ci, err := r.ZeroCopyReadPacketData()
		return data, fmt.Sprint(ci.Timestamp.UnixNano(), ci.CaptureLength, ci.Length), err
	})
}

// viaBlocks reads file with the block reader over r (which wraps file).
func viaBlocks(t *testing.T, r io.Reader) []string {
	src, err := newSource(r)
	if err != nil {
		t.Fatal(err)
	}
	if src.blocks == nil {
		t.Fatal("plain pcap not read in blocks")
	}
	pool := newBlockPool(blocksInline, blockSizeInline)
	src.blocks.start(pool, nil)
	defer src.blocks.close()
	return readAll(func() ([]byte, string, error) {
		data, ci, blk, off, err := src.blocks.next()
		if err == nil && blk != nil && !bytes.Equal(data, blk.data[off:off+len(data)]) {
			t.Fatalf("record not at its offset in the block")
		}
		return data, fmt.Sprint(ci.Timestamp.UnixNano(), ci.CaptureLength, ci.Length), err
	})
}

// TestBlockReaderMatchesPcapgo checks that the block reader returns what
// pcapgo returns, records and errors, over good files, files cut anywhere
// (including across block boundaries), impossible lengths, and records
// longer than a block; reading the input in one-byte or short reads does
// not change anything.
func TestBlockReaderMatchesPcapgo(t *testing.T) {
	var sizes []int
	rng := rand.New(rand.NewPCG(3, 4))
	total := 0
	for total < blockSizeInline+3*firstBlockSize {
		n := rng.IntN(1600)
		if rng.IntN(50) == 0 {
			n = 60000 + rng.IntN(5000)
		}
		sizes = append(sizes, n)
		total += 16 + n
	}
	big := pcapFile(false, false, 262144, sizes, 1)
	small := pcapFile(true, true, 65535, []int{60, 0, 1514, 40, 300}, 2)
	cases := map[string][]byte{
		"many records":        big,
		"cut in a header":     big[:len(big)-sizes[len(sizes)-1]-10],
		"cut in data":         big[:len(big)-1],
		"cut at data start":   big[:len(big)-sizes[len(sizes)-1]],
		"big endian nano":     small,
		"header only":         small[:24],
		"cut after 3 bytes":   small[:27],
		"caplen over snaplen": pcapFile(false, true, 65535, []int{100, 300000}, 5),
		"bad record":          append(append([]byte(nil), small...), badRecord()...),
		"longer than a block": pcapFile(false, false, 16<<20, []int{100, blockSizeInline + 100, 200}, 7),
		"long record cut":     pcapFile(false, false, 16<<20, []int{100, blockSizeInline + 100}, 8)[:blockSizeInline/2],
		"long record no data": pcapFile(false, false, 16<<20, []int{100, blockSizeInline + 100}, 8)[:24+116+16],
	}
	// Cuts at every offset around the first block boundary.
	for cut := firstBlockSize - 40; cut < firstBlockSize+40; cut += 7 {
		cases[fmt.Sprintf("cut at %d", cut)] = big[:cut]
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			want := viaPcapgo(t, file)
			for rname, r := range map[string]io.Reader{
				"whole": bytes.NewReader(file),
				"half":  iotest.HalfReader(bytes.NewReader(file)),
				"bufio": bufio.NewReaderSize(iotest.DataErrReader(bytes.NewReader(file)), 4096),
			} {
				got := viaBlocks(t, r)
				if len(got) != len(want) {
					t.Fatalf("%s: %d results, pcapgo %d: last %q, pcapgo %q", rname, len(got), len(want), got[len(got)-1], want[len(want)-1])
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s: record %d: %q, pcapgo %q", rname, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestCapLenOverLength: a record whose captured length exceeds its original
// length (pcapgo stops there) is read with its captured bytes and counted,
// in plain and gzip-compressed files.
func TestCapLenOverLength(t *testing.T) {
	file := pcapFile(false, false, 65535, []int{100, -200, 50}, 6)
	for name, in := range map[string][]byte{"plain": file, "gzip": gz(t, file)} {
		e := NewEngine(Options{Workers: 1}, &CountingFactory{})
		if err := e.ReadFrom(context.Background(), name, bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		st := e.Close()
		if st.Packets != 3 || st.CapLenOverLength != 1 || st.Truncated || st.Damage != "" {
			t.Errorf("%s: packets %d, caplen over length %d, truncated %v %q; want 3, 1, false", name, st.Packets, st.CapLenOverLength, st.Truncated, st.Damage)
		}
	}
}
