package reassembly

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Block reading of classic (uncompressed) pcap files. The file is read in
// large blocks straight from the input; a record is a slice of its block, so
// the reader copies nothing, and with workers each packet travels as an
// (offset, length) reference into a block shared by every worker. A block
// counts its references: the reader holds one while it reads into the
// block, every batch that points into it holds one, and the last to let go
// returns it to the engine's pool, where the reader takes it again.
//
// Errors are those of pcapgo.Reader, record for record, so that damage notes
// do not depend on which reader read the file (TestBlockReaderMatchesPcapgo),
// with one exception: a record whose captured length exceeds its original
// length is read (pcapgo stops there) and counted.
const (
	// blockSize is the size of a full block with workers. A record longer
	// than a block (possible only with a snap length above the block size)
	// is copied on its own.
	blockSize = 4 << 20
	// blockSizeInline is the size of a full block without workers, where
	// nothing waits for a block but the reader: a smaller heap.
	blockSizeInline = 1 << 20
	// firstBlockSize is the size of an engine's first block, so that small
	// inputs (tests, fuzzing) do not pay for a full block.
	firstBlockSize = 64 << 10
	// blocksInline is the ring size without workers: the block being read
	// and the next one, which receives the record cut by the block's end.
	blocksInline = 2
	// blocksWithWorkers is the ring size with workers. Each worker's queue
	// holds less than a block, so about three blocks are in use at once.
	blocksWithWorkers = 5
	// readChunk is the most read into a block at once: the reader indexes
	// the records of a chunk while it is still in its cache.
	readChunk = 256 << 10
	// recordHeaderLen is the size of a pcap record header.
	recordHeaderLen = 16
	// eagerMax is pcapgo's eagerReadMax: the snap length above which the
	// longest accepted record is the file's own snap length.
	eagerMax = 262144
)

// block is one buffer of file data shared by the reader and the workers.
type block struct {
	data []byte
	refs atomic.Int32
	pool chan *block // where the last reference returns the block
}

// retain adds a reference.
func (b *block) retain() { b.refs.Add(1) }

// release drops a reference and returns the block to its pool after the
// last one. The pool has room for every block, so this never blocks.
func (b *block) release() {
	if b.refs.Add(-1) == 0 {
		b.pool <- b
	}
}

// spareBlocks keeps the full blocks of closed engines for the next ones:
// [0] those of blockSizeInline, [1] those of blockSize.
var spareBlocks [2]sync.Pool

// spares returns the pool of spare blocks of the given size.
func spares(size int) *sync.Pool {
	if size == blockSize {
		return &spareBlocks[1]
	}
	return &spareBlocks[0]
}

// blockPool is an engine's ring of blocks, allocated on demand.
type blockPool struct {
	free chan *block
	made int // blocks allocated and not dropped
	max  int
	size int // size of a full block
}

// newBlockPool returns a ring of n blocks of size bytes (blockSize or
// blockSizeInline).
func newBlockPool(n, size int) *blockPool {
	return &blockPool{free: make(chan *block, n), max: n, size: size}
}

// get returns a block with one reference (the caller's), waiting for one to
// be released when all are in use. The small first block is dropped for a
// full one once it comes back.
func (p *blockPool) get() *block {
	for {
		select {
		case b := <-p.free:
			if len(b.data) < p.size && p.made == p.max {
				p.made-- // replaced by a full block below
				continue
			}
			b.refs.Store(1)
			return b
		default:
		}
		if p.made < p.max {
			size := p.size
			if p.made == 0 {
				size = firstBlockSize
			}
			p.made++
			if size == p.size {
				if b, ok := spares(size).Get().(*block); ok && len(b.data) == size {
					b.pool = p.free
					b.refs.Store(1)
					return b
				}
			}
			b := &block{data: make([]byte, size), pool: p.free}
			b.refs.Store(1)
			return b
		}
		b := <-p.free
		b.refs.Store(1)
		return b
	}
}

// recycle hands the full blocks back for other engines. It is called once
// every reference is gone (workers stopped, reader closed).
func (p *blockPool) recycle() {
	for {
		select {
		case b := <-p.free:
			if len(b.data) == p.size {
				b.pool = nil
				spares(p.size).Put(b)
			}
		default:
			return
		}
	}
}

// blockReader reads the records of a classic pcap file, after its file
// header, in blocks.
type blockReader struct {
	r        io.Reader
	pool     *blockPool
	onSwitch func(old *block) // called before the reader lets go of a block
	big      bool             // big-endian file
	factor   uint32           // nanoseconds per timestamp unit
	snaplen  uint32
	maxCap   int
	lt       layers.LinkType
	cur      *block
	pos, end int   // next record and end of valid data in cur.data
	err      error // first error from r (io.EOF at the end), sticky
	// capOverLen counts records whose captured length exceeds their
	// original length.
	capOverLen int64
}

// newBlockReader reads records from r, positioned just after the file
// header that pr (a pcapgo.Reader over r) has validated; magic is the
// file's first four bytes read big-endian.
func newBlockReader(r io.Reader, pr *pcapgo.Reader, magic uint32) *blockReader {
	b := &blockReader{
		r:       r,
		big:     magic == magicPcapMicroBE || magic == magicPcapNanoBE,
		factor:  1,
		snaplen: pr.Snaplen(),
		lt:      pr.LinkType(),
	}
	if pr.Resolution() == gopacket.TimestampResolutionMicrosecond {
		b.factor = 1000
	}
	b.maxCap = eagerMax
	if b.snaplen > eagerMax {
		b.maxCap = int(b.snaplen)
	}
	return b
}

// start attaches the reader to an engine's pool; onSwitch (may be nil) is
// told of every block the reader is done with.
func (b *blockReader) start(pool *blockPool, onSwitch func(*block)) {
	b.pool, b.onSwitch = pool, onSwitch
}

// close lets go of the current block.
func (b *blockReader) close() {
	if b.cur != nil {
		b.leave(b.cur)
		b.cur = nil
	}
}

// leave hands a block the reader is done with to onSwitch and drops the
// reader's reference.
func (b *blockReader) leave(old *block) {
	if b.onSwitch != nil {
		b.onSwitch(old)
	}
	old.release()
}

// next returns the next record: its data (a slice of blk.data starting at
// off), or, for a record longer than a block, a copy with blk nil. data is
// valid until the following call unless blk is retained. It returns io.EOF
// at the clean end of the file and pcapgo's errors for damage.
func (b *blockReader) next() (data []byte, ci gopacket.CaptureInfo, blk *block, off int, err error) {
	if b.cur == nil || b.end-b.pos < recordHeaderLen {
		if err = b.need(recordHeaderLen, 0); err != nil {
			return nil, ci, nil, 0, err
		}
	}
	h := b.cur.data[b.pos : b.pos+recordHeaderLen]
	var sec, frac, caplen, length uint32
	if b.big {
		sec, frac = binary.BigEndian.Uint32(h[0:4]), binary.BigEndian.Uint32(h[4:8])
		caplen, length = binary.BigEndian.Uint32(h[8:12]), binary.BigEndian.Uint32(h[12:16])
	} else {
		sec, frac = binary.LittleEndian.Uint32(h[0:4]), binary.LittleEndian.Uint32(h[4:8])
		caplen, length = binary.LittleEndian.Uint32(h[8:12]), binary.LittleEndian.Uint32(h[12:16])
	}
	ci.Timestamp = time.Unix(int64(sec), int64(frac*b.factor)).UTC()
	ci.CaptureLength, ci.Length = int(caplen), int(length)
	if ci.CaptureLength > b.maxCap {
		return nil, ci, nil, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", ci.CaptureLength, b.snaplen)
	}
	if ci.CaptureLength > ci.Length {
		// A writer bug (pcapgo refuses the record): the captured bytes are
		// what there is, so they are read, and counted.
		b.capOverLen++
		ci.Length = ci.CaptureLength
	}
	n := recordHeaderLen + ci.CaptureLength
	if n > b.pool.size {
		data, err = b.long(ci.CaptureLength)
		return data, ci, nil, 0, err
	}
	if b.end-b.pos < n {
		if err = b.need(n, recordHeaderLen); err != nil {
			return nil, ci, nil, 0, err
		}
	}
	off = b.pos + recordHeaderLen
	b.pos += n
	return b.cur.data[off:b.pos:b.pos], ci, b.cur, off, nil
}

// need reads until the record at pos has n bytes (at most a full block), moving it
// to a fresh block when it does not fit in the current one. have is how
// many of those bytes were already accounted for (the header, when reading
// a record's data): like io.ReadFull in pcapgo, nothing more at the end of
// the file is io.EOF, part of it io.ErrUnexpectedEOF.
func (b *blockReader) need(n, have int) error {
	for b.cur == nil || b.end-b.pos < n {
		if b.err != nil {
			if b.cur == nil || b.end-b.pos <= have {
				return b.err
			}
			if b.err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return b.err
		}
		if b.cur == nil || b.pos+n > len(b.cur.data) {
			b.switchBlock()
		}
		m, err := b.r.Read(b.cur.data[b.end:min(b.end+readChunk, len(b.cur.data))])
		b.end += m
		if err != nil {
			b.err = err
		}
	}
	return nil
}

// switchBlock moves the unread bytes of the current block to the start of a
// new one and lets go of the old one.
func (b *blockReader) switchBlock() {
	nb := b.pool.get()
	old := b.cur
	carry := 0
	if old != nil {
		carry = copy(nb.data, old.data[b.pos:b.end])
	}
	b.cur, b.pos, b.end = nb, 0, carry
	if old != nil {
		b.leave(old)
	}
}

// long reads a record longer than a block into its own buffer, growing it
// with the bytes actually read (a bogus length in a small file allocates
// little), with pcapgo's errors.
func (b *blockReader) long(caplen int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(eagerMax)
	buf.Write(b.cur.data[b.pos+recordHeaderLen : b.end])
	b.pos = b.end
	if b.err == nil {
		if _, err := io.CopyN(&buf, b.r, int64(caplen-buf.Len())); err != nil {
			b.err = err
		}
	}
	if buf.Len() >= caplen {
		return buf.Bytes()[:caplen], nil
	}
	err := b.err
	if err == io.EOF && buf.Len() > 0 {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}
