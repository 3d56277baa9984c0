package reassembly

import (
	"fmt"
	"math"
	"time"

	"github.com/gopacket/gopacket/layers"
	gr "github.com/gopacket/gopacket/reassembly"
)

// ctxSlabSize is how many packet contexts one allocation provides.
const ctxSlabSize = 4096

// maxFlushAllTries bounds the retries of FlushAll after a recovered panic, so
// that one broken connection does not keep the others from ending.
const maxFlushAllTries = 3

// shard is one gopacket Assembler with its own StreamPool: the connections
// of one worker. It is used by a single goroutine.
type shard struct {
	factory     ConnFactory
	ports       *portSet
	pool        *gr.StreamPool
	asm         *gr.Assembler
	pageTimeout time.Duration
	idleTimeout time.Duration
	slab        []pktCtx
	open        int    // connections being followed
	key         uint64 // key of the event being processed (see Conn)
	worker      int    // this shard's worker number, for ConnFactory.Progress
	maxConns    int    // limit on open (this shard's share of MaxConnections)
	lastIdx     uint64 // index of the last packet assembled, for damage notes
	// lostSince, when set, asks for the holes of data seen up to that time
	// to be given up once packet lostAfter has been assembled (see
	// stream.watchHoles).
	lostSince time.Time
	lostAfter uint64
	// nextGiveUp spaces the give-up passes, which visit every connection:
	// at most one per open/16 packets keeps their cost per packet
	// bounded however many connections are open.
	nextGiveUp uint64
	stats      Stats // only the reassembly-side counters are used

	// Connection lifecycle (lifecycle.go).
	tuples map[tupleKey]*tupleState
	// tupleFree holds entries removed from tuples, for reuse: one
	// allocation per connection otherwise (a third of the floor's).
	tupleFree []*tupleState
	reused    int  // entries of tuples past generation 0
	adopt     Conn // the Conn a retried handshake takes over, for New

	// Checksums (badsum.go).
	curSum sumState // checksum of the packet being assembled
	curDec *decoder // its decoder, for a sumLater checksum
	held   int      // streams holding a bad segment

	oooBufs bufPool // free buffers of out-of-order bytes (overlap.go)

	cq callQueue // calls to Conns not yet made (delivery.go)
}

func newShard(o *Options, f ConnFactory, ports *portSet, maxPagesTotal, worker int) *shard {
	sh := &shard{
		factory:     f,
		ports:       ports,
		pageTimeout: o.PageTimeout,
		idleTimeout: o.IdleTimeout,
		maxConns:    max(o.MaxConnections/max(o.Workers, 1), 1),
		worker:      worker,
		tuples:      make(map[tupleKey]*tupleState),
	}
	sh.cq.on = o.BatchDelivery
	sh.pool = gr.NewStreamPool(sh)
	sh.asm = gr.NewAssembler(sh.pool)
	sh.asm.MaxBufferedPagesPerConnection = o.MaxBufferedPagesPerConnection
	sh.asm.MaxBufferedPagesTotal = max(maxPagesTotal, 1)
	return sh
}

// nextCtx returns a fresh context for one packet (see pktCtx).
func (sh *shard) nextCtx(ts time.Time, idx uint64) *pktCtx {
	if len(sh.slab) == 0 {
		sh.slab = make([]pktCtx, ctxSlabSize)
	}
	c := &sh.slab[0]
	sh.slab = sh.slab[1:]
	c.ts, c.idx = ts, idx
	return c
}

// assemble hands one TCP segment to the assembler. tcp and its payload are
// borrowed for the call, unless stable: then the payload stays valid until
// the shard settles its batch (delivery.go).
func (sh *shard) assemble(dec *decoder, ts time.Time, idx uint64, stable bool) {
	tcp := &dec.tcp
	sh.lastIdx = idx
	sh.key = 2*idx + 1
	defer sh.assembled()
	if tcp.RST && len(tcp.Payload) > 0 {
		// A receiver never takes RST payload as stream data (RFC 9293
		// 3.5.3: at most diagnostic text).
		tcp.Payload = nil
		sh.stats.Skip.RSTPayload++
	}
	if stable {
		sh.stable(tcp.Payload)
	}
	if len(tcp.Payload) > 0 {
		sh.curSum = tcpChecksum(dec)
	} else {
		sh.curSum, sh.curDec = sumLater, dec
	}
	if sh.held > 0 {
		sh.resolvePending(dec.netFlow, tcp, sh.curSum != sumBad)
	}
	netFlow := dec.netFlow // the real flow stays in dec
	if tcp.SYN || sh.reused > 0 {
		netFlow = sh.generation(dec.netFlow, tcp, ts)
	}
	if sh.curSum == sumBad && sh.holdBad(dec.netFlow, netFlow, tcp, ts, idx) {
		return
	}
	sh.asm.AssembleWithContext(netFlow, tcp, sh.nextCtx(ts, idx))
	if sh.adopt != nil {
		// The retried handshake was not followed (connection limit).
		sh.end(sh.adopt, ts, false)
		sh.adopt = nil
	}
	if !sh.lostSince.IsZero() && idx >= sh.lostAfter && idx >= sh.nextGiveUp {
		t := sh.lostSince
		sh.lostSince = time.Time{}
		sh.nextGiveUp = idx + uint64(sh.open/16)
		// Skip the holes whose data has waited since the loss was first
		// visible (gopacket flushes by age, for every connection: data
		// that has waited at least as long elsewhere goes too).
		sh.asm.FlushWithOptions(gr.FlushOptions{T: t.Add(time.Nanosecond)})
	}
}

// lossGrace is how many more packets a hole is given, once known lost, for
// its data to turn up anyway: a capture taken on several queues or merged
// from several points can show an ACK a few packets before the data.
const lossGrace = 4

// giveUpHoles asks for holes whose data was seen up to t to be skipped a
// few packets from now.
func (sh *shard) giveUpHoles(t time.Time) {
	if sh.lostSince.IsZero() {
		sh.lostAfter = sh.lastIdx + lossGrace
	}
	if t.After(sh.lostSince) {
		sh.lostSince = t
	}
}

// assembleIP decodes an IP packet (in the reader's block or copied into a
// batch, valid until the batch is done) and assembles it. Used by
// workers. The reader counted the packet in
// IMAPPackets after reading only its addresses and ports (parseFast); a
// packet the full decoder rejects (malformed TCP options) is moved to
// DecodeErrors, as the one-worker path counts it.
func (sh *shard) assembleIP(dec *decoder, pkt []byte, v6 bool, ts time.Time, idx uint64) {
	lt := layers.LinkTypeIPv4
	if v6 {
		lt = layers.LinkTypeIPv6
	}
	if decodeSafe(dec, lt, pkt, &sh.stats) != decodedTCP {
		sh.stats.IMAPPackets--
		sh.stats.DecodeErrors++
		return
	}
	sh.assemble(dec, ts, idx, true)
}

// flush pushes out data stuck behind holes older than the page timeout and
// closes connections idle longer than the idle timeout, now being the latest
// capture time.
func (sh *shard) flush(now time.Time, idx uint64) {
	sh.key = 2 * idx
	defer sh.recoverPanic("flushing idle connections")
	sh.asm.FlushWithOptions(gr.FlushOptions{
		T:  now.Add(-sh.pageTimeout),
		TC: now.Add(-sh.idleTimeout),
	})
}

// flushAll delivers everything left and ends every connection.
func (sh *shard) flushAll() {
	sh.key = math.MaxUint64
	defer sh.report(math.MaxUint64)
	for range maxFlushAllTries {
		if sh.tryFlushAll() {
			return
		}
	}
}

func (sh *shard) tryFlushAll() (ok bool) {
	defer sh.recoverPanic("flushing at end of input")
	sh.asm.FlushAll()
	return true
}

// report tells the ConnFactory how far this shard has got, once every call
// queued before has been made: at once, or queued after them when the calls
// are made asynchronously.
func (sh *shard) report(key uint64) {
	if sh.cq.async != nil {
		sh.queue(queuedCall{key: key, kind: callProgress})
		return
	}
	sh.settle()
	sh.factory.Progress(sh.worker, key)
}

// assembled ends assemble: the packet is no longer stable (delivery.go),
// and a panic in gopacket or in a Conn is damage. It must be deferred
// directly (one deferred call: a second one cost assemble measurably).
func (sh *shard) assembled() {
	sh.cq.cur, sh.cq.blk = nil, nil
	if r := recover(); r != nil {
		sh.stats.Panics++
		sh.stats.addDamage(fmt.Sprintf("panic reassembling (last packet %d): %v", sh.lastIdx, r))
	}
}

// recoverPanic turns a panic in gopacket (or in a Conn) into damage. It must
// be deferred directly.
func (sh *shard) recoverPanic(what string) {
	if r := recover(); r != nil {
		sh.stats.Panics++
		sh.stats.addDamage(fmt.Sprintf("panic %s (last packet %d): %v", what, sh.lastIdx, r))
	}
}

// decodeSafe runs d.decode, turning a panic into a decode error.
func decodeSafe(d *decoder, lt layers.LinkType, data []byte, st *Stats) (res decodeResult) {
	defer func() {
		if r := recover(); r != nil {
			st.Panics++
			st.addDamage(fmt.Sprintf("panic decoding packet: %v", r))
			res = decodeError
		}
	}()
	return d.decode(lt, data)
}
