package reassembly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Engine turns packets into connection byte streams. Feed it packets with
// Packet or whole capture streams with ReadFrom, then call Close. An Engine
// is used by one goroutine (the reader); with Workers > 1 it runs the
// reassembly on worker goroutines of its own.
type Engine struct {
	opts    Options
	ports   *portSet
	dec     *decoder
	inline  *shard     // Workers == 1: reassembly on the caller's goroutine
	workers *workerSet // Workers > 1
	stats   Stats      // reader-side counters
	now     time.Time  // latest capture time seen
	// The capture clock as captureNanos, compared on every packet (two
	// time.Time.Sub calls cost 260 instructions a packet): now, the time
	// of the last flush pass, and whether either is set.
	nowNs, flushedNs int64
	clockSet         bool
	jumpNs           int64      // clockJumpLimit in nanoseconds
	idx              uint64     // index of the next packet
	pushed           uint64     // idx at the last push (push.go)
	read             int64      // input bytes read, for Options.Progress
	blocks           *blockPool // blocks of plain pcap inputs, made on first use
	closed           bool
	// lastBadLink is the last unsupported link type named in stats.
	lastBadLink layers.LinkType
	held        heldPacket // a packet whose time is not trusted yet (clock.go)
	frags       defragmenter
}

// NewEngine returns an Engine delivering connections to f.
func NewEngine(opts Options, f ConnFactory) *Engine {
	o := opts.withDefaults()
	e := &Engine{opts: o, ports: newPortSet(o.Ports), dec: newDecoder()}
	e.jumpNs = int64(e.clockJumpLimit())
	f.Workers(o.Workers)
	if o.Workers == 1 {
		e.inline = newShard(&o, f, e.ports, o.MaxBufferedPagesTotal, 0)
	} else {
		e.workers = startWorkers(&o, f, e.ports)
	}
	return e
}

// progressEvery is how often, in packets, a one-worker Engine tells a
// ConnFactory how far it has got (workers tell it after every batch).
const progressEvery = 256

// Packet processes one captured frame of link type lt. data is borrowed:
// valid only during the call. Capture time comes from ci.Timestamp only.
// Packets pushed after Close are ignored.
func (e *Engine) Packet(ci gopacket.CaptureInfo, data []byte, lt layers.LinkType) {
	e.packet(ci, data, lt, nil, 0)
}

// packet is Packet for data that is either borrowed (blk nil) or the bytes
// of blk.data starting at off: workers are then handed a reference into the
// block instead of a copy.
func (e *Engine) packet(ci gopacket.CaptureInfo, data []byte, lt layers.LinkType, blk *block, off int) {
	if e.closed {
		return
	}
	if e.held.ok {
		e.releaseHeld(ci.Timestamp)
	}
	ns := captureNanos(ci.Timestamp)
	if e.suspect(ns) {
		e.hold(ci, data, lt)
		return
	}
	e.process(ci, ns, data, lt, blk, off)
}

// process decodes and routes one packet whose capture time is trusted; ns
// is that time as captureNanos.
func (e *Engine) process(ci gopacket.CaptureInfo, ns int64, data []byte, lt layers.LinkType, blk *block, off int) {
	idx := e.idx
	e.idx++
	if e.inline != nil && idx%progressEvery == 0 {
		e.inline.report(2 * idx) // every event before packet idx is out
	}
	e.stats.Packets++
	e.stats.Bytes += int64(len(data))
	e.tick(ci.Timestamp, ns)

	if e.workers != nil {
		// The reader only routes packets: the workers decode them.
		var fp fastPacket
		if parseFast(lt, data, &fp) {
			if !e.ports.has(fp.sp) && !e.ports.has(fp.dp) {
				e.stats.Skipped++
				return
			}
			e.stats.IMAPPackets++ // a worker takes it back if decoding fails
			if !e.route(flowHash(fp.src, fp.dst, fp.sp, fp.dp), data, fp.ipOff, fp.v6, ci.Timestamp, idx, blk, off) {
				e.stats.DecodeErrors++ // larger than a batch arena
			}
			return
		}
	}

	switch decodeSafe(e.dec, lt, data, &e.stats) {
	case decodedTCP:
	case decodeFragment:
		e.stats.Fragments++
		e.fragment(ci, idx)
		return
	case decodeBadLink:
		e.stats.UnsupportedLinkType++
		e.stats.Skip.UnsupportedLinkType++
		if e.lastBadLink != lt || e.stats.UnsupportedLinkTypes == "" {
			e.lastBadLink = lt
			e.stats.addLinkType(linkTypeName(lt))
		}
		return
	case decodeError:
		e.stats.DecodeErrors++
		return
	default:
		e.stats.Skipped++
		return
	}
	e.deliverTCP(ci, data, idx, blk, off)
}

// deliverTCP hands the TCP segment e.dec has just decoded from data (the
// frame, or a defragmented IP packet) to reassembly.
func (e *Engine) deliverTCP(ci gopacket.CaptureInfo, data []byte, idx uint64, blk *block, off int) {
	tcp := &e.dec.tcp
	sp, dp := uint16(tcp.SrcPort), uint16(tcp.DstPort)
	if !e.ports.has(sp) && !e.ports.has(dp) {
		e.stats.Skipped++
		return
	}
	e.stats.IMAPPackets++
	if e.inline != nil {
		// A record in a read block stays valid until the reader lets go of
		// the block, which settles the batch first (readBlocks).
		e.inline.cq.blk = blk
		e.inline.assemble(e.dec, ci.Timestamp, idx, blk != nil)
		return
	}
	h := flowHash(e.dec.netFlow.Src().Raw(), e.dec.netFlow.Dst().Raw(), sp, dp)
	if !e.route(h, data, e.dec.netOff, e.dec.v6, ci.Timestamp, idx, blk, off) {
		e.stats.DecodeErrors++ // larger than a batch arena: not a real IP packet
	}
}

// route hands the IP packet at data[ipOff:] to the worker of flow hash h: as
// a reference when data lies in a block, as a copy otherwise.
func (e *Engine) route(h uint64, data []byte, ipOff int, v6 bool, ts time.Time, idx uint64, blk *block, off int) bool {
	if blk != nil {
		return e.workers.dispatchRef(h, blk, off+ipOff, len(data)-ipOff, v6, ts, idx)
	}
	return e.workers.dispatch(h, data[ipOff:], v6, ts, idx)
}

// tick advances capture time and runs a flush pass every FlushInterval.
// Flush points depend only on the input, so output is the same whatever the
// number of workers. ns is ts as captureNanos.
func (e *Engine) tick(ts time.Time, ns int64) {
	if !e.clockSet {
		e.now, e.nowNs, e.flushedNs, e.clockSet = ts, ns, ns, true
		return
	}
	if ns > e.nowNs {
		e.now, e.nowNs = ts, ns
	}
	if e.nowNs-e.flushedNs < int64(e.opts.FlushInterval) {
		return // both are >= 0 and flushedNs <= nowNs: no overflow
	}
	e.flushedNs = e.nowNs
	e.flushAt(e.idx - 1) // before the packet being processed
}

// flushAt runs a flush pass ordered just before packet idx.
func (e *Engine) flushAt(idx uint64) {
	if len(e.frags.m) > 0 {
		e.frags.expire(e.now.Add(-fragTimeout), &e.stats)
	}
	if e.inline != nil {
		e.inline.flush(e.now, idx)
		e.inline.report(2*idx + 1)
	} else {
		e.workers.flush(e.now, idx)
	}
}

// Flush runs a flush pass now, as if a packet with timestamp now had
// arrived: for live capture, where capture time only advances with packets,
// a wall-clock ticker calls it so that idle connections still end after
// IdleTimeout and worker batches do not wait for more packets. now never
// moves capture time backwards. Like Packet, it is called by the reader.
func (e *Engine) Flush(now time.Time) {
	if e.closed {
		return
	}
	if e.held.ok {
		e.releaseHeld(now)
	}
	if ns := captureNanos(now); !e.clockSet || ns > e.nowNs {
		e.now, e.nowNs, e.clockSet = now, ns, true
	}
	e.flushedNs = e.nowNs
	e.flushAt(e.idx) // before the next packet
}

// ReadFrom reads a whole capture stream (pcap or pcapng, optionally gzip)
// from r; name labels it in errors and damage notes. It returns an
// *InputError wrapping ErrNotCapture when r is not a capture, and ctx.Err()
// when ctx is cancelled (packets read so far stay in the Engine). Damage
// after a valid file header (a truncated or corrupt record) is not an
// error: reading stops and Stats.Truncated and Stats.Damage say why.
func (e *Engine) ReadFrom(ctx context.Context, name string, r io.Reader) error {
	if e.closed {
		return ErrClosed
	}
	if streamed(r) {
		pr := newPushReader(r, e.push)
		defer pr.close()
		r = pr
	}
	if e.opts.Progress != nil {
		r = &progressReader{r: r, total: &e.read, fn: e.opts.Progress}
	}
	src, err := newSource(r)
	if err != nil {
		return &InputError{Name: name, Err: err}
	}
	e.stats.Inputs++
	if src.blocks != nil {
		return e.readBlocks(ctx, name, src)
	}
	for n := int64(0); ; n++ {
		if n%cancelCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		data, ci, lt, err := src.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				e.damage(name, src.format, n, err)
			}
			return nil
		}
		e.Packet(ci, data, lt)
	}
}

// readBlocks is ReadFrom's loop for a plain pcap stream, read in blocks.
func (e *Engine) readBlocks(ctx context.Context, name string, src *source) error {
	br := src.blocks
	async := e.workers == nil && useAsync(e.inline)
	if e.blocks == nil {
		switch {
		case e.workers != nil:
			e.blocks = newBlockPool(blocksWithWorkers, blockSize)
		case async:
			e.blocks = newBlockPool(blocksInlineAsync, blockSizeInline)
		default:
			e.blocks = newBlockPool(blocksInline, blockSizeInline)
		}
	}
	var onSwitch func(*block)
	if e.workers != nil {
		onSwitch = e.workers.sendBlock
	} else {
		// Calls queued with bytes of the block are made, or handed over
		// with a reference to it, before the block is let go of
		// (delivery.go, delivery_async.go).
		onSwitch = func(*block) {
			e.inline.settle()
			e.inline.adaptAsync()
		}
	}
	br.start(e.blocks, onSwitch)
	if async {
		// Deferred first, so run last: after br.close has settled.
		e.inline.startAsync()
		defer e.inline.stopAsync()
	}
	defer br.close()
	defer func() { e.stats.CapLenOverLength += br.capOverLen }()
	for n := int64(0); ; n++ {
		if n%cancelCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		data, ci, blk, off, err := br.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				e.damage(name, src.format, n, err)
			}
			return nil
		}
		e.packet(ci, data, br.lt, blk, off)
	}
}

// damage records that input name stopped after n good packets.
func (e *Engine) damage(name, format string, n int64, err error) {
	e.stats.Truncated = true
	what := "corrupt record"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		what = "truncated"
	}
	e.stats.addDamage(fmt.Sprintf("%s: %s %s after %d packets: %v", name, format, what, n, err))
}

// Close flushes all connections (each Conn gets its End), stops the workers
// and returns the statistics. Calling it again returns the same statistics.
func (e *Engine) Close() Stats {
	if e.closed {
		return e.stats
	}
	if e.held.ok {
		e.releaseHeld(e.held.ci.Timestamp) // nothing contradicts it
	}
	e.closed = true
	e.frags.expire(e.now.Add(time.Duration(1<<62)), &e.stats) // incomplete datagrams
	var shards []*shard
	if e.inline != nil {
		e.inline.flushAll()
		shards = []*shard{e.inline}
	} else {
		shards = e.workers.close()
	}
	for _, sh := range shards {
		e.stats.add(&sh.stats)
	}
	if e.blocks != nil {
		e.blocks.recycle()
	}
	return e.stats
}

// Run reads the inputs in turn (StdinName for standard input) as one
// continuous capture, delivers every IMAP connection to f and returns once
// every Conn has ended. A missing or non-capture input stops the run with an
// error (an *InputError); connections read until then are still flushed.
// Damage inside an input is reported in Stats, not as an error. When ctx is
// cancelled, reading stops, everything is flushed and ctx.Err() is returned.
func Run(ctx context.Context, inputs []string, opts Options, f ConnFactory) (Stats, error) {
	e := NewEngine(opts, f)
	var err error
	for _, in := range inputs {
		if err = e.readInput(ctx, in); err != nil {
			break
		}
	}
	return e.Close(), err
}

// readInput opens one input and reads it.
func (e *Engine) readInput(ctx context.Context, name string) error {
	rc, err := openInput(name)
	if err != nil {
		return &InputError{Name: name, Err: err}
	}
	defer rc.Close()
	return e.ReadFrom(ctx, name, rc)
}
