package reassembly

import (
	"encoding/binary"
	"math/bits"

	"github.com/gopacket/gopacket/layers"
)

// TCP checksum verification. gopacket can compute a TCP checksum only by
// serializing, which allocates; this sums the segment in place, 32 bytes a
// step with carry chains (BenchmarkTCPChecksum): a 32-bit big-endian
// version cost 20% of --no-dissect on make bench's capture.

// sumState is what a checksum check found.
type sumState uint8

const (
	sumUnknown sumState = iota // cannot tell: a truncated segment, IPv6 extension headers
	sumGood
	sumBad
	// sumLater: not verified before assembly. Only a segment's payload can
	// be held back or lose to another copy; the sum of a segment without
	// payload matters only to mark its direction as having shown a good
	// checksum, so stream.Accept verifies it when that is still unknown
	// (about half the packets of a capture are bare ACKs).
	sumLater
)

// tcpChecksum checks the TCP checksum of the segment last decoded by d.
//
// The ones' complement sum does not depend on byte order (RFC 1071 2.B):
// everything is summed as native little-endian 64-bit words with end-around
// carries, and the pseudo-header's protocol and length words are swapped
// to match. A good segment sums to 0xffff either way.
func tcpChecksum(d *decoder) sumState {
	tcp := &d.tcp
	n := len(tcp.Contents) + len(tcp.Payload)
	if cap(tcp.Contents) < n {
		return sumUnknown
	}
	seg := tcp.Contents[:n]
	var acc uint64
	if d.v6 {
		ip := &d.ip6
		if ip.NextHeader != layers.IPProtocolTCP || int(ip.Length) != n || len(ip.SrcIP) != 16 || len(ip.DstIP) != 16 {
			return sumUnknown
		}
		acc = addLE(0, ip.SrcIP)
		acc = addLE(acc, ip.DstIP)
	} else {
		ip := &d.ip4
		if int(ip.Length)-4*int(ip.IHL) != n || len(ip.SrcIP) != 4 || len(ip.DstIP) != 4 {
			return sumUnknown
		}
		acc = uint64(binary.LittleEndian.Uint32(ip.SrcIP)) + uint64(binary.LittleEndian.Uint32(ip.DstIP))
	}
	acc += uint64(bits.ReverseBytes16(uint16(layers.IPProtocolTCP))) + uint64(bits.ReverseBytes16(uint16(n)))
	acc = addLE(acc, seg)
	if fold(acc) == 0xffff {
		return sumGood
	}
	return sumBad
}

// addLE adds b, as little-endian 64-bit words (a last partial word padded
// with zeros), to the ones' complement accumulator acc.
//
// One carry chain: the compiler fuses consecutive bits.Add64 calls whose
// carry feeds the next into ADC instructions, and materialises the carry
// only between blocks of 64 bytes (eight words: all fit in registers;
// 128 spilled). Two interleaved chains, as before, made it save and
// restore the carry at every add: about twice the instructions per byte.
func addLE(acc uint64, b []byte) uint64 {
	var c uint64
	for len(b) >= 64 {
		w := (*[64]byte)(b)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[0:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[24:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[32:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[40:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[48:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[56:]), c)
		b = b[64:]
	}
	for len(b) >= 32 {
		w := (*[32]byte)(b)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[0:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(w[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	if len(b) > 0 {
		var last [8]byte
		copy(last[:], b)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(last[:]), c)
	}
	acc, c = bits.Add64(acc, c, 0)
	return acc + c // end-around carry (cannot carry again)
}

// fold reduces a 64-bit ones' complement sum to 16 bits.
func fold(acc uint64) uint16 {
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}
