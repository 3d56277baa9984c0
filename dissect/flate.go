package dissect

import "errors"

// This file is a DEFLATE (RFC 1951) decoder written for a passive reader.
//
// compress/flate releases output only when its 32 KiB window fills, a stored
// block ends or the stream ends, so an IMAP peer that flushes with
// Z_PARTIAL_FLUSH (mbsync does) would have its commands held back for a
// long time, with wrong timestamps. This decoder hands over its output at
// the end of every block and whenever it runs out of input, which is what
// per-message latency needs. It is a push decoder: write hands it a
// segment, it decodes as far as the segment goes and returns; a code cut
// by the segment's end is decoded again, from its first bit, when the next
// segment arrives (flate_input.go keeps those few bytes).

// Errors of the DEFLATE decoder.
var (
	errFlateBlockType = errors.New("dissect: deflate: invalid block type")
	errFlateStored    = errors.New("dissect: deflate: stored block length check failed")
	errFlateCode      = errors.New("dissect: deflate: invalid Huffman code")
	errFlateDistance  = errors.New("dissect: deflate: distance too far back")
	errFlateTables    = errors.New("dissect: deflate: invalid code lengths")
	errFlateStopped   = errors.New("dissect: deflate: stopped")
	// errFlateNeedInput is internal: the input ran out inside a code.
	errFlateNeedInput = errors.New("dissect: deflate: need input")
)

const (
	flateWindow = 32 << 10
	maxCodeBits = 15
	numLitLen   = 288
	numDist     = 32
)

// Base values and extra bits for length codes 257..285 and distance codes.
var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clOrder is the order in which code-length code lengths are sent.
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// huffman is a canonical Huffman code: count[n] codes of length n, and the
// symbols sorted by code.
type huffman struct {
	count  [maxCodeBits + 1]uint16
	symbol [numLitLen]uint16
}

// build sets the code from code lengths; it rejects over-subscribed sets.
func (h *huffman) build(lengths []uint8) error {
	h.count = [maxCodeBits + 1]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for n := 1; n <= maxCodeBits; n++ {
		left <<= 1
		left -= int(h.count[n])
		if left < 0 {
			return errFlateTables
		}
	}
	var offs [maxCodeBits + 2]uint16
	for n := 1; n <= maxCodeBits; n++ {
		offs[n+1] = offs[n] + h.count[n]
	}
	for sym, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	return nil
}

// flateState is where the decoder stands between segments.
type flateState uint8

const (
	fsHeader flateState = iota // at a block header
	fsStored                   // copying a stored block, storedLeft to go
	fsCodes                    // decoding a Huffman-coded block
	fsEnd                      // the final block has ended
)

// flateDecoder holds the decoder's state between segments.
type flateDecoder struct {
	emit func([]byte) bool // receives output; false stops the decoder

	input flateInput
	bits  uint32
	nbits uint

	state      flateState
	final      bool // the current block is the last
	storedLeft int  // bytes of the stored block still to copy

	window [flateWindow]byte
	wpos   int  // next write position in window
	full   bool // window has wrapped
	start  int  // first window byte not yet emitted

	lit, dist huffman
}

// need ensures at least n bits are buffered.
func (d *flateDecoder) need(n uint) error {
	for d.nbits < n {
		b, ok := d.input.next()
		if !ok {
			return errFlateNeedInput
		}
		d.bits |= uint32(b) << d.nbits
		d.nbits += 8
	}
	return nil
}

// take returns the next n bits (LSB first).
func (d *flateDecoder) take(n uint) (uint32, error) {
	if err := d.need(n); err != nil {
		return 0, err
	}
	v := d.bits & (1<<n - 1)
	d.bits >>= n
	d.nbits -= n
	return v, nil
}

// decode reads one symbol of code h, a bit at a time (codes are sent MSB first).
func (d *flateDecoder) decode(h *huffman) (int, error) {
	code, first, index := 0, 0, 0
	for n := 1; n <= maxCodeBits; n++ {
		b, err := d.take(1)
		if err != nil {
			return 0, err
		}
		code |= int(b)
		count := int(h.count[n])
		if code-first < count {
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, errFlateCode
}

// put appends one byte of output to the window.
func (d *flateDecoder) put(c byte) bool {
	d.window[d.wpos] = c
	d.wpos++
	if d.wpos == flateWindow {
		if !d.flush() {
			return false
		}
		d.wpos, d.start, d.full = 0, 0, true
	}
	return true
}

// flush hands the output produced since the last flush to emit.
func (d *flateDecoder) flush() bool {
	if d.wpos > d.start {
		ok := d.emit(d.window[d.start:d.wpos])
		d.start = d.wpos
		return ok
	}
	return true
}

// write decodes p (borrowed) as far as it goes, handing output to emit at
// the end of every block and when p runs out. Once the final block has
// ended it returns trailing: whether bytes of p follow it. err is the
// stream's error, or errFlateStopped when emit said stop.
func (d *flateDecoder) write(p []byte) (trailing bool, err error) {
	if d.state == fsEnd {
		return len(p) > 0, nil
	}
	d.input.start(p)
	err = d.run()
	switch err {
	case errFlateNeedInput:
		d.bits, d.nbits = d.input.rewind()
		if !d.flush() {
			return false, errFlateStopped
		}
		return false, nil
	case nil:
		return d.input.left(), nil
	case errFlateStopped:
		return false, err
	}
	// Output decoded before the corrupt point is real; hand it over
	// whatever the input segmentation was.
	d.flush()
	return false, err
}

// run decodes blocks until the input runs out, the final block ends, an
// error, or a stop.
func (d *flateDecoder) run() error {
	for {
		var err error
		switch d.state {
		case fsEnd:
			return nil
		case fsHeader:
			err = d.header()
		case fsStored:
			err = d.stored()
		case fsCodes:
			err = d.codes()
		}
		if err != nil {
			return err
		}
		if d.state != fsHeader {
			continue // a block began
		}
		// A block ended.
		if !d.flush() {
			return errFlateStopped
		}
		if d.final {
			d.state = fsEnd
		}
	}
}

// header reads a block header (and a dynamic block's code tables) as one
// unit: cut by the input's end, it is read again from its first bit.
func (d *flateDecoder) header() error {
	d.input.mark(d.bits, d.nbits)
	hdr, err := d.take(3)
	if err != nil {
		return err
	}
	switch hdr >> 1 {
	case 0:
		d.bits, d.nbits = 0, 0 // skip to a byte boundary (fewer than 8 bits are left)
		v, err := d.take(32)
		if err != nil {
			return err
		}
		n, nc := v&0xffff, v>>16
		if n != ^nc&0xffff {
			return errFlateStored
		}
		d.storedLeft = int(n)
		d.state = fsStored
	case 1:
		d.fixedTables()
		d.state = fsCodes
	case 2:
		if err := d.dynamicTables(); err != nil {
			return err
		}
		d.state = fsCodes
	default:
		return errFlateBlockType
	}
	d.final = hdr&1 == 1
	return nil
}

// stored copies a stored block's bytes; each byte is its own unit.
func (d *flateDecoder) stored() error {
	for ; d.storedLeft > 0; d.storedLeft-- {
		d.input.mark(0, 0)
		b, ok := d.input.next()
		if !ok {
			return errFlateNeedInput
		}
		if !d.put(b) {
			return errFlateStopped
		}
	}
	d.state = fsHeader
	return nil
}

// fixedTables sets the fixed Huffman codes of RFC 1951 §3.2.6.
func (d *flateDecoder) fixedTables() {
	var l [numLitLen]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	d.lit.build(l[:])
	var dl [30]uint8
	for i := range dl {
		dl[i] = 5
	}
	d.dist.build(dl[:])
}

// dynamicTables reads the code definitions of a dynamic block.
func (d *flateDecoder) dynamicTables() error {
	v, err := d.take(14)
	if err != nil {
		return err
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > 286 || ndist > 30 {
		return errFlateTables
	}
	var cl [19]uint8
	for i := 0; i < ncode; i++ {
		b, err := d.take(3)
		if err != nil {
			return err
		}
		cl[clOrder[i]] = uint8(b)
	}
	var clCode huffman
	if err := clCode.build(cl[:]); err != nil {
		return err
	}
	var lengths [numLitLen + numDist]uint8
	for i := 0; i < nlen+ndist; {
		sym, err := d.decode(&clCode)
		if err != nil {
			return err
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return errFlateTables
			}
			val = lengths[i-1]
			rep, err = d.take(2)
			rep += 3
		case 17:
			rep, err = d.take(3)
			rep += 3
		default:
			rep, err = d.take(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+int(rep) > nlen+ndist {
			return errFlateTables
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return errFlateTables
	}
	if err := d.lit.build(lengths[:nlen]); err != nil {
		return err
	}
	return d.dist.build(lengths[nlen : nlen+ndist])
}

// codes decodes a Huffman-coded block's literals and back-references. Each
// literal or length/distance pair is one unit: all its bits are read before
// any output, so cut by the input's end it is decoded again from its first
// bit.
func (d *flateDecoder) codes() error {
	for {
		d.input.mark(d.bits, d.nbits)
		sym, err := d.decode(&d.lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			if !d.put(byte(sym)) {
				return errFlateStopped
			}
			continue
		case sym == 256:
			d.state = fsHeader
			return nil
		case sym > 285:
			return errFlateCode
		}
		sym -= 257
		e, err := d.take(uint(lenExtra[sym]))
		if err != nil {
			return err
		}
		length := int(lenBase[sym]) + int(e)
		ds, err := d.decode(&d.dist)
		if err != nil {
			return err
		}
		if ds >= 30 {
			return errFlateCode
		}
		e, err = d.take(uint(distExtra[ds]))
		if err != nil {
			return err
		}
		dist := int(distBase[ds]) + int(e)
		if !d.full && dist > d.wpos {
			return errFlateDistance
		}
		for ; length > 0; length-- {
			from := d.wpos - dist
			if from < 0 {
				from += flateWindow
			}
			if !d.put(d.window[from]) {
				return errFlateStopped
			}
		}
	}
}
