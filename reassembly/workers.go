package reassembly

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Worker batching. The reader appends each IP packet to the current batch of
// the worker that owns its connection: as a reference into the block of
// file data it was read in (plain pcap files, see blockread.go), or as a
// copy into the batch's arena (other inputs, and packets pushed through
// Engine.Packet). Full batches travel over a channel and come back empty for
// reuse, so steady state allocates nothing.
const (
	// batchPackets is the most packets in one batch. Copied packets fill
	// the arena first (about 450 packets of 700 bytes); referenced ones
	// cost only their entry, and larger batches mean fewer hand-offs
	// (1024 and 2048 against 512: 2 and 3% less CPU on two workers).
	batchPackets = 2048
	// batchArenaBytes is the packet-data capacity of one batch: room for
	// the largest packet a pcap file holds (snaplen 262144) and small
	// enough that a batch is still in cache when its worker reads it.
	batchArenaBytes = 320 << 10
	// batchArenaInitial is the arena allocated up front; it grows on demand
	// up to batchArenaBytes, so that small inputs stay cheap.
	batchArenaInitial = 64 << 10
	// batchesPerWorker is how many batches each worker cycles through (and
	// the depth of its queue): the reader blocks when a worker falls behind.
	batchesPerWorker = 4
)

// batchEntry is one packet in a batch, a flush pass when flush is set, or
// a push mark (push.go) when mark is set.
type batchEntry struct {
	ts     time.Time
	idx    uint64
	off, n uint32 // packet bytes in the arena, or in the block if ref
	v6     bool
	ref    bool
	flush  bool
	mark   bool
}

// batch is a run of packets for one worker. Packets referenced in place all
// lie in blk, on which the batch holds one reference.
type batch struct {
	ents  []batchEntry
	arena []byte
	blk   *block
}

// worker owns one shard and runs it on its own goroutine. Its fields are
// only read after startWorkers: what the reader writes (the batch being
// filled) lives in workerSet.cur, away from the worker's cache lines.
type worker struct {
	sh   *shard
	dec  *decoder
	work chan *batch
	free chan *batch
}

// workerSet is the set of workers of an Engine. Its methods are called by
// the reading goroutine only.
type workerSet struct {
	ws  []*worker
	cur []*batch // batch being filled for each worker, nil if none
	wg  sync.WaitGroup
}

func startWorkers(o *Options, f ConnFactory, ports *portSet) *workerSet {
	set := &workerSet{ws: make([]*worker, o.Workers), cur: make([]*batch, o.Workers)}
	perWorker := o.MaxBufferedPagesTotal / o.Workers
	for i := range set.ws {
		w := &worker{
			sh:   newShard(o, f, ports, perWorker, i),
			dec:  newDecoder(),
			work: make(chan *batch, batchesPerWorker),
			free: make(chan *batch, batchesPerWorker),
		}
		for range batchesPerWorker {
			w.free <- &batch{
				ents:  make([]batchEntry, 0, batchPackets),
				arena: make([]byte, 0, batchArenaInitial),
			}
		}
		set.ws[i] = w
		set.wg.Add(1)
		go w.run(&set.wg)
	}
	return set
}

// dispatch copies an IP packet into the batch of the worker chosen by the
// flow hash h. It returns false if the packet cannot fit in a batch.
func (set *workerSet) dispatch(h uint64, pkt []byte, v6 bool, ts time.Time, idx uint64) bool {
	if len(pkt) > batchArenaBytes {
		return false
	}
	i := int(h % uint64(len(set.ws)))
	b := set.batch(i)
	if len(b.ents) == batchPackets || len(b.arena)+len(pkt) > batchArenaBytes {
		set.send(i)
		b = set.batch(i)
	}
	if len(b.arena)+len(pkt) > cap(b.arena) {
		// Grow once, straight to the full size.
		b.arena = append(make([]byte, 0, batchArenaBytes), b.arena...)
	}
	off := len(b.arena)
	b.arena = append(b.arena, pkt...)
	b.ents = append(b.ents, batchEntry{ts: ts, idx: idx, off: uint32(off), n: uint32(len(pkt)), v6: v6})
	return true
}

// dispatchRef appends to the batch of the worker chosen by the flow hash h
// a reference to the n bytes of an IP packet at blk.data[off:]. A batch
// points into one block only. It returns false, as dispatch does, for a
// packet larger than a batch arena, so that the outcome does not depend on
// the input's format.
func (set *workerSet) dispatchRef(h uint64, blk *block, off, n int, v6 bool, ts time.Time, idx uint64) bool {
	if n > batchArenaBytes {
		return false
	}
	i := int(h % uint64(len(set.ws)))
	b := set.batch(i)
	if len(b.ents) == batchPackets || (b.blk != blk && b.blk != nil) {
		set.send(i)
		b = set.batch(i)
	}
	if b.blk == nil {
		blk.retain()
		b.blk = blk
	}
	b.ents = append(b.ents, batchEntry{ts: ts, idx: idx, off: uint32(off), n: uint32(n), v6: v6, ref: true})
	return true
}

// sendBlock sends every batch being filled that points into blk: the
// reader is done with the block, which must not wait for a batch to fill
// (the reader may need it back).
func (set *workerSet) sendBlock(blk *block) {
	for i, b := range set.cur {
		if b != nil && b.blk == blk {
			set.send(i)
		}
	}
}

// flush queues a flush pass at capture time now on every worker, in order
// with the packets, and sends the partial batches so that a live capture
// does not wait for batches to fill.
func (set *workerSet) flush(now time.Time, idx uint64) {
	for i := range set.ws {
		b := set.batch(i)
		if len(b.ents) == batchPackets {
			set.send(i)
			b = set.batch(i)
		}
		b.ents = append(b.ents, batchEntry{ts: now, idx: idx, flush: true})
		set.send(i)
	}
}

// mark ends every worker's batch with a push mark for packet idx and sends
// it: each worker then reports that it is past every packet before idx and
// tells an Idler factory (push.go).
func (set *workerSet) mark(idx uint64) {
	for i := range set.ws {
		b := set.batch(i)
		if len(b.ents) == batchPackets {
			set.send(i)
			b = set.batch(i)
		}
		b.ents = append(b.ents, batchEntry{idx: idx, mark: true})
		set.send(i)
	}
}

// close sends what is left, waits for every worker to flush all its
// connections and exit, and returns the shards.
func (set *workerSet) close() []*shard {
	shards := make([]*shard, len(set.ws))
	for i, w := range set.ws {
		if set.cur[i] != nil && len(set.cur[i].ents) > 0 {
			set.send(i)
		}
		close(w.work)
		shards[i] = w.sh
	}
	set.wg.Wait()
	return shards
}

// batch returns the batch being filled for worker i, taking a free one if
// needed.
func (set *workerSet) batch(i int) *batch {
	if set.cur[i] == nil {
		set.cur[i] = <-set.ws[i].free
	}
	return set.cur[i]
}

// send queues the batch being filled to worker i.
func (set *workerSet) send(i int) {
	if set.cur[i] != nil {
		set.ws[i].work <- set.cur[i]
		set.cur[i] = nil
	}
}

// run processes batches until the queue is closed, then ends every
// connection.
func (w *worker) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for b := range w.work {
		for i := range b.ents {
			e := &b.ents[i]
			if e.flush {
				w.sh.flush(e.ts, e.idx)
				continue
			}
			if e.mark {
				continue
			}
			data := b.arena
			if e.ref {
				data = b.blk.data
			}
			w.sh.assembleIP(w.dec, data[e.off:e.off+e.n:e.off+e.n], e.v6, e.ts, e.idx)
		}
		if n := len(b.ents); n > 0 {
			// Every event before the next entry this worker can see is out.
			last := &b.ents[n-1]
			switch {
			case last.mark:
				w.sh.report(2 * last.idx)
			case last.flush:
				w.sh.report(2*last.idx + 1)
			default:
				w.sh.report(2*last.idx + 2)
			}
			if id, ok := w.sh.factory.(Idler); ok && last.mark {
				id.Idle()
			}
		}
		w.sh.settle() // before the batch's bytes are let go of (delivery.go)
		if b.blk != nil {
			b.blk.release()
			b.blk = nil
		}
		b.ents = b.ents[:0]
		b.arena = b.arena[:0]
		w.free <- b
	}
	w.sh.flushAll()
}

// fastPacket is what parseFast reads from a frame.
type fastPacket struct {
	ipOff    int    // offset of the IP header in the frame
	src, dst []byte // IP addresses (4 or 16 bytes), borrowed from the frame
	sp, dp   uint16 // TCP ports
	v6       bool
}

// parseFast reads, at fixed offsets, what the reader needs to route a
// packet to a worker: the IP addresses and the TCP ports. It covers the
// common frames (Ethernet, Linux cooked, raw IP; IPv4 without options or
// fragmentation; IPv6 straight to TCP) and returns false for anything else,
// so that the full decoder keeps deciding every unusual case. The full
// decoder finds TCP in every packet it accepts: TCP options are not read
// here, and gopacket stops at a malformed option without failing (should
// that change, the worker moves the packet to DecodeErrors, and
// TestFastPathMatchesDecoder notices the difference on other ports).
func parseFast(lt layers.LinkType, data []byte, p *fastPacket) bool {
	var etype uint16
	off := 0
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < 14 {
			return false
		}
		etype, off = binary.BigEndian.Uint16(data[12:14]), 14
	case layers.LinkTypeLinuxSLL:
		if len(data) < 16 || binary.BigEndian.Uint16(data[4:6]) > 8 {
			return false
		}
		etype, off = binary.BigEndian.Uint16(data[14:16]), 16
	case layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD:
		if len(data) == 0 {
			return false
		}
		switch data[0] >> 4 {
		case 4:
			etype = uint16(layers.EthernetTypeIPv4)
		case 6:
			etype = uint16(layers.EthernetTypeIPv6)
		}
		if (lt == layers.LinkTypeIPv4 && etype != uint16(layers.EthernetTypeIPv4)) ||
			(lt == layers.LinkTypeIPv6 && etype != uint16(layers.EthernetTypeIPv6)) {
			return false
		}
	default:
		return false
	}
	ip := data[off:]
	var tcp []byte
	switch layers.EthernetType(etype) {
	case layers.EthernetTypeIPv4:
		// Version 4, no options, TCP, not a fragment, not truncated.
		if len(ip) < 40 || ip[0] != 0x45 || ip[9] != byte(layers.IPProtocolTCP) ||
			binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[2:4]))
		if n < 40 || n > len(ip) {
			return false
		}
		p.src, p.dst, p.v6, tcp = ip[12:16], ip[16:20], false, ip[20:n]
	case layers.EthernetTypeIPv6:
		// Version 6, TCP right after the fixed header, not truncated.
		if len(ip) < 60 || ip[0]>>4 != 6 || ip[6] != byte(layers.IPProtocolTCP) {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n < 20 || 40+n > len(ip) {
			return false
		}
		p.src, p.dst, p.v6, tcp = ip[8:24], ip[24:40], true, ip[40:40+n]
	default:
		return false
	}
	doff := int(tcp[12]>>4) * 4
	if doff < 20 || doff > len(tcp) {
		return false
	}
	p.ipOff = off
	p.sp, p.dp = binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4])
	return true
}

// flowHash is the same for both directions of a connection: the sum of the
// hashes of its two endpoints. It depends only on the address bytes and
// ports, so the fast parser and the full decoder agree on it.
func flowHash(src, dst []byte, sp, dp uint16) uint64 {
	return endpointHash(src, sp) + endpointHash(dst, dp)
}

// endpointHash mixes an IP address (4 or 16 bytes) and a port.
func endpointHash(a []byte, port uint16) uint64 {
	var x uint64
	switch len(a) {
	case 4:
		x = uint64(binary.BigEndian.Uint32(a))
	case 16:
		x = binary.BigEndian.Uint64(a[:8])*0x9e3779b97f4a7c15 ^ binary.BigEndian.Uint64(a[8:])
	default:
		for _, c := range a {
			x = x*31 + uint64(c)
		}
	}
	x ^= uint64(port) << 40
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	x *= 0x94d049bb133111eb
	return x ^ x>>32
}
