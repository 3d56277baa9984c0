package tlsdecrypt

// reader is a bounds-checked big-endian reader over a handshake message;
// any overrun sets bad and yields zero values.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u8() uint8 {
	if len(r.b) < 1 {
		r.bad, r.b = true, nil
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() uint16 {
	if len(r.b) < 2 {
		r.bad, r.b = true, nil
		return 0
	}
	v := uint16(r.b[0])<<8 | uint16(r.b[1])
	r.b = r.b[2:]
	return v
}

func (r *reader) u24() int {
	if len(r.b) < 3 {
		r.bad, r.b = true, nil
		return 0
	}
	v := int(r.b[0])<<16 | int(r.b[1])<<8 | int(r.b[2])
	r.b = r.b[3:]
	return v
}

// bytes returns the next n bytes (all that is left, and bad, if fewer).
func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad = true
		v := r.b
		r.b = nil
		return v
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// vec8, vec16 and vec24 read a vector with a 1-, 2- or 3-byte length.
func (r *reader) vec8() reader  { return reader{b: r.bytes(int(r.u8()))} }
func (r *reader) vec16() reader { return reader{b: r.bytes(int(r.u16()))} }
func (r *reader) vec24() reader { return reader{b: r.bytes(r.u24())} }

// u16s reads the rest as a list of 16-bit values, appended to out (an
// inline array of the hello, so that a usual list costs no allocation).
func (r *reader) u16s(out []uint16) []uint16 {
	for len(r.b) >= 2 {
		out = append(out, r.u16())
	}
	if len(r.b) != 0 {
		r.bad = true
	}
	return out
}
