package reassembly

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// IP defragmentation (IPv4, RFC 791; IPv6, RFC 8200 4.5), on the reading
// goroutine, before packets are routed to workers (only the first fragment
// carries the ports). gopacket's ip4defrag and ip6defrag are not used: they
// bound neither the datagrams in flight nor the bytes held, and ip6defrag
// ages datagrams by the wall clock, which makes the output of a capture
// depend on when it is read. Here:
//
//   - at most maxFragDatagrams datagrams and maxFragBytes fragment bytes
//     are held; beyond, the oldest datagram is dropped (a fragment flood
//     costs bounded memory);
//   - a datagram not complete fragTimeout (capture time) after its first
//     fragment is dropped;
//   - fragments that overlap with different bytes, or contradict the end of
//     the datagram, drop the whole datagram, as Linux does (RFC 5722 for
//     IPv6; Linux for IPv4 since 4.19); an exact repeat is ignored;
//   - an IPv6 atomic fragment (offset 0, no more fragments, RFC 6946) is
//     processed on its own, never mixed with other fragments.
//
// Dropped fragments are counted in Stats.Skip.FragmentsNotReassembled,
// overlaps also in Stats.FragmentOverlaps.
const (
	maxFragDatagrams = 1024
	maxFragBytes     = 4 << 20
	fragTimeout      = 30 * time.Second
	maxDatagramLen   = 65535
	fragUnit         = 8
	ipv6FragHdrLen   = 8
	ipv6HdrLen       = 40
)

// fragKey identifies the datagram a fragment belongs to.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

// fragPiece is the bytes [off, off+len(data)) of a datagram's payload.
type fragPiece struct {
	off  int
	data []byte
}

// fragDatagram is a datagram being reassembled.
type fragDatagram struct {
	first  time.Time // capture time of its first fragment
	header []byte    // the IP header of the offset-0 fragment (nil until seen)
	pieces []fragPiece
	total  int   // payload length, known from the last fragment (-1 before)
	proto  uint8 // the first header of the fragmentable part (IPv6)
	frags  int   // fragments held
	bytes  int
}

// defragmenter holds the datagrams being reassembled.
type defragmenter struct {
	m     map[fragKey]*fragDatagram
	bytes int
	out   []byte // the last datagram built, reused
}

// fragment is one fragment as the decoder found it.
type fragment struct {
	key    fragKey
	off    int
	more   bool
	proto  uint8  // IPv6: the fragment header's next header
	header []byte // IP header (IPv4 with options; the IPv6 fixed header)
	data   []byte // fragment payload
}

// fragOf describes the fragment d just decoded; frag is the IPv6 fragment
// header and what follows (nil for IPv4). It returns false when the
// fragment header is malformed.
func fragOf(d *decoder, frag []byte, v6 bool) (fragment, bool) {
	var f fragment
	if v6 {
		ip := &d.ip6
		if len(frag) < ipv6FragHdrLen || len(ip.Contents) < ipv6HdrLen {
			return f, false
		}
		copy(f.key.src[:], ip.SrcIP)
		copy(f.key.dst[:], ip.DstIP)
		f.key.v6, f.proto = true, frag[0]
		fo := binary.BigEndian.Uint16(frag[2:4])
		f.off, f.more = int(fo>>3)*fragUnit, fo&1 != 0
		f.key.id = binary.BigEndian.Uint32(frag[4:8])
		f.header, f.data = ip.Contents[:ipv6HdrLen], frag[ipv6FragHdrLen:]
		return f, true
	}
	ip := &d.ip4
	copy(f.key.src[:], ip.SrcIP)
	copy(f.key.dst[:], ip.DstIP)
	f.key.id, f.key.proto = uint32(ip.Id), uint8(ip.Protocol)
	f.off, f.more = int(ip.FragOffset)*fragUnit, ip.Flags&layers.IPv4MoreFragments != 0
	f.header, f.data = ip.Contents, ip.Payload
	return f, true
}

// add files a fragment; it returns the whole datagram (an IP packet,
// valid until the next call) once the fragment completes it.
func (df *defragmenter) add(f fragment, ts time.Time, st *Stats) []byte {
	end := f.off + len(f.data)
	if end > maxDatagramLen || (f.more && len(f.data)%fragUnit != 0) || len(f.data) == 0 {
		st.Skip.FragmentsNotReassembled++ // a receiver discards it
		return nil
	}
	if df.m == nil {
		df.m = make(map[fragKey]*fragDatagram)
	}
	dg := df.m[f.key]
	if dg == nil {
		for len(df.m) >= maxFragDatagrams || df.bytes+len(f.data) > maxFragBytes {
			if !df.dropOldest(st) {
				break
			}
		}
		if df.bytes+len(f.data) > maxFragBytes {
			st.Skip.FragmentsNotReassembled++
			return nil
		}
		dg = &fragDatagram{first: ts, total: -1}
		df.m[f.key] = dg
	}
	switch r := dg.insert(f, end); r {
	case fragRepeat:
		return nil
	case fragConflict:
		st.FragmentOverlaps++
		st.Skip.FragmentsNotReassembled++
		df.drop(f.key, dg, st)
		return nil
	}
	dg.frags++
	dg.bytes += len(f.data)
	df.bytes += len(f.data)
	if f.off == 0 {
		dg.header = append([]byte(nil), f.header...)
		dg.proto = f.proto
	}
	if dg.header == nil || dg.total < 0 || !dg.complete() {
		return nil
	}
	out := dg.build(f.key.v6, df.out[:0])
	df.out = out
	df.bytes -= dg.bytes
	delete(df.m, f.key)
	st.Defragmented++
	return out
}

// insertResult says what insert did.
type insertResult uint8

const (
	fragStored insertResult = iota
	fragRepeat
	fragConflict
)

// insert adds the fragment's bytes, keeping pieces sorted and disjoint.
func (dg *fragDatagram) insert(f fragment, end int) insertResult {
	if !f.more {
		if dg.total >= 0 && dg.total != end {
			return fragConflict
		}
		for _, p := range dg.pieces {
			if p.off+len(p.data) > end {
				return fragConflict
			}
		}
		dg.total = end
	} else if dg.total >= 0 && end > dg.total {
		return fragConflict
	}
	i, _ := slices.BinarySearchFunc(dg.pieces, f.off, func(p fragPiece, off int) int { return p.off - off })
	// Any piece overlapping [f.off, end)?
	for j := max(i-1, 0); j < len(dg.pieces) && dg.pieces[j].off < end; j++ {
		p := dg.pieces[j]
		if p.off+len(p.data) <= f.off {
			continue
		}
		if p.off == f.off && len(p.data) == len(f.data) && string(p.data) == string(f.data) {
			return fragRepeat
		}
		return fragConflict
	}
	dg.pieces = slices.Insert(dg.pieces, i, fragPiece{off: f.off, data: append([]byte(nil), f.data...)})
	return fragStored
}

// complete says whether the pieces tile [0, total).
func (dg *fragDatagram) complete() bool {
	at := 0
	for _, p := range dg.pieces {
		if p.off != at {
			return false
		}
		at += len(p.data)
	}
	return at == dg.total
}

// build appends the datagram as one unfragmented IP packet to out.
func (dg *fragDatagram) build(v6 bool, out []byte) []byte {
	h := len(dg.header)
	out = append(out, dg.header...)
	for _, p := range dg.pieces {
		out = append(out, p.data...)
	}
	if v6 {
		binary.BigEndian.PutUint16(out[4:6], uint16(dg.total))
		out[6] = dg.proto // the fragmentable part's first header
		return out
	}
	binary.BigEndian.PutUint16(out[2:4], uint16(h+dg.total))
	binary.BigEndian.PutUint16(out[6:8], 0) // no flags, offset 0
	return out
}

// expire drops datagrams whose first fragment is older than before.
func (df *defragmenter) expire(before time.Time, st *Stats) {
	for k, dg := range df.m {
		if dg.first.Before(before) {
			df.drop(k, dg, st)
		}
	}
}

// dropOldest drops the datagram with the oldest first fragment.
func (df *defragmenter) dropOldest(st *Stats) bool {
	var ok bool
	var oldest fragKey
	var t time.Time
	for k, dg := range df.m {
		if !ok || dg.first.Before(t) {
			ok, oldest, t = true, k, dg.first
		}
	}
	if ok {
		df.drop(oldest, df.m[oldest], st)
	}
	return ok
}

// drop forgets a datagram, counting its fragments as not reassembled.
func (df *defragmenter) drop(k fragKey, dg *fragDatagram, st *Stats) {
	st.Skip.FragmentsNotReassembled += int64(dg.frags)
	df.bytes -= dg.bytes
	delete(df.m, k)
}

// fragment handles the IP fragment e.dec has just decoded: an atomic
// fragment is processed at once, others are reassembled, and a completed
// datagram is decoded and delivered like any packet.
func (e *Engine) fragment(ci gopacket.CaptureInfo, idx uint64) {
	d := e.dec
	f, ok := fragOf(d, d.fragHdr, d.fragV6)
	if !ok {
		e.stats.Skip.FragmentsNotReassembled++
		return
	}
	var dgram []byte
	if f.v6() && f.off == 0 && !f.more {
		// RFC 6946: an atomic fragment is a whole datagram on its own.
		dg := fragDatagram{header: f.header, pieces: []fragPiece{{data: f.data}}, total: len(f.data), proto: f.proto}
		dgram = dg.build(true, e.frags.out[:0])
		e.frags.out = dgram
		e.stats.AtomicFragments++
	} else if dgram = e.frags.add(f, ci.Timestamp, &e.stats); dgram == nil {
		return
	}
	lt := layers.LinkTypeIPv4
	if f.v6() {
		lt = layers.LinkTypeIPv6
	}
	switch decodeSafe(d, lt, dgram, &e.stats) {
	case decodedTCP:
		e.deliverTCP(ci, dgram, idx, nil, 0)
	case decodeError:
		e.stats.DecodeErrors++
	default:
		e.stats.Skipped++
	}
}

func (f *fragment) v6() bool { return f.key.v6 }
