package dissect

// flateInput is the DEFLATE decoder's input: the segment being decoded,
// after the bytes kept from the previous one. The decoder marks where each
// unit (a block header, a code, a stored byte) begins; when the input runs
// out inside a unit, rewind keeps the bytes from that mark, so that the
// unit is decoded again, whole, once the next segment arrives.
type flateInput struct {
	kept  []byte // bytes from the last mark of the previous segment (owned)
	cur   []byte // the segment being decoded (borrowed)
	pos   int    // next byte, counted over kept then cur
	at    int    // position of the last mark
	bits  uint32 // bit buffer at the last mark
	nbits uint

	keptArr [maxFlateUnit]byte // backing of kept
}

// maxFlateUnit bounds the bytes one unit can span: a dynamic block header
// is at most 3+14+19·3 bits plus 316 code lengths of at most 7+7 bits
// (under 600 bytes); a code with its extra bits at most 48 bits.
const maxFlateUnit = 1024

// start begins decoding segment p (borrowed until the next start).
func (in *flateInput) start(p []byte) {
	if in.kept == nil {
		in.kept = in.keptArr[:0]
	}
	in.cur = p
	in.pos, in.at = 0, 0
}

// next returns the next input byte.
func (in *flateInput) next() (byte, bool) {
	if in.pos < len(in.kept) {
		c := in.kept[in.pos]
		in.pos++
		return c, true
	}
	if i := in.pos - len(in.kept); i < len(in.cur) {
		in.pos++
		return in.cur[i], true
	}
	return 0, false
}

// mark records that a unit begins here, with the decoder's bit buffer.
func (in *flateInput) mark(bits uint32, nbits uint) {
	in.at, in.bits, in.nbits = in.pos, bits, nbits
}

// left reports whether input bytes remain after the current position.
func (in *flateInput) left() bool { return in.pos < len(in.kept)+len(in.cur) }

// rewind keeps the input from the last mark for the next segment and
// returns the bit buffer as it was there. The segment is no longer
// referenced afterwards.
func (in *flateInput) rewind() (uint32, uint) {
	var rest []byte
	if in.at < len(in.kept) {
		n := copy(in.kept, in.kept[in.at:])
		rest = append(in.kept[:n], in.cur...)
	} else {
		rest = append(in.keptArr[:0], in.cur[in.at-len(in.kept):]...)
	}
	if len(rest) > maxFlateUnit {
		rest = rest[:maxFlateUnit] // cannot happen with valid or invalid input: a unit is shorter
	}
	in.kept, in.cur = rest, nil
	in.pos, in.at = 0, 0
	return in.bits, in.nbits
}
