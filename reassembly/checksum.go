package reassembly

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// TCP checksum verification. gopacket can compute a TCP checksum only by
// serializing, which allocates; this sums the segment in place, 8 bytes a
// step (BenchmarkTCPChecksum: about 1 ns per 8 bytes, a few percent of the
// cost of reading and reassembling a segment).

// sumState is what a checksum check found.
type sumState uint8

const (
	sumUnknown sumState = iota // cannot tell: a truncated segment, IPv6 extension headers
	sumGood
	sumBad
)

// tcpChecksum checks the TCP checksum of the segment last decoded by d.
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
		acc = sum32(ip.SrcIP, 0)
		acc = sum32(ip.DstIP, acc)
	} else {
		ip := &d.ip4
		if int(ip.Length)-4*int(ip.IHL) != n || len(ip.SrcIP) != 4 || len(ip.DstIP) != 4 {
			return sumUnknown
		}
		acc = uint64(binary.BigEndian.Uint32(ip.SrcIP)) + uint64(binary.BigEndian.Uint32(ip.DstIP))
	}
	acc += uint64(layers.IPProtocolTCP) + uint64(n)
	acc = sum32(seg, acc)
	if fold(acc) == 0xffff {
		return sumGood
	}
	return sumBad
}

// sum32 adds b to acc as big-endian 32-bit words (a last partial word
// padded with zeros); the ones' complement sum folds out of it.
func sum32(b []byte, acc uint64) uint64 {
	for len(b) >= 16 {
		acc += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:])) +
			uint64(binary.BigEndian.Uint32(b[8:])) + uint64(binary.BigEndian.Uint32(b[12:]))
		b = b[16:]
	}
	for len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return acc + uint64(binary.BigEndian.Uint32(last[:]))
}

// fold reduces a sum of 32-bit words to its 16-bit ones' complement sum.
func fold(acc uint64) uint16 {
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}
