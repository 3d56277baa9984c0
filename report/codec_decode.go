package report

import (
	"math"
	"time"
	"unsafe"
)

// codecDecoder reads one record (see codec.go): s is the record's body
// as a string sharing its memory, p the offset read up to. The first
// error sticks and moves p to the end, so that every later read fails at
// once. The slabs hold the values still to hand out.
type codecDecoder struct {
	s    string
	p    int
	err  error
	last int64 // as codecEncoder.last

	txns    []Transaction
	results []Result
	ints    []int64
	bools   []bool
	strs    []string
}

// init reads rec's trailer and allocates its slabs. The strings decoded
// afterwards are substrings of rec's memory.
func (d *codecDecoder) init(rec []byte) {
	if len(rec) == 0 || int(rec[len(rec)-1]) > len(rec)-1 {
		d.fail()
		return
	}
	at := len(rec) - 1 - int(rec[len(rec)-1])
	all := unsafe.String(unsafe.SliceData(rec), len(rec))
	d.s = all[at : len(rec)-1]
	var n [5]uint64
	for i := range n {
		n[i] = d.uvarint()
	}
	if d.err != nil || d.p != len(d.s) {
		d.fail()
		return
	}
	size := uint64(at)
	if n[0] > size/minTxnBytes || n[1] > size/minResultBytes || n[2] > size || n[3] > n[1] || n[4] > size {
		d.fail()
		return
	}
	d.s, d.p = all[:at], 0
	if n[0] > 0 {
		d.txns = make([]Transaction, n[0])
	}
	if n[1] > 0 {
		d.results = make([]Result, n[1])
	}
	if n[2] > 0 {
		d.ints = make([]int64, n[2])
	}
	if n[3] > 0 {
		d.bools = make([]bool, n[3])
	}
	d.strs = make([]string, n[4]) // never nil: empty slices cut from it stay non-nil
}

// done checks that the record and its slabs were used up exactly.
func (d *codecDecoder) done() error {
	if d.err == nil && (d.p != len(d.s) || len(d.txns) != 0 || len(d.results) != 0 ||
		len(d.ints) != 0 || len(d.bools) != 0 || len(d.strs) != 0) {
		d.fail()
	}
	return d.err
}

// fail marks the record corrupt.
func (d *codecDecoder) fail() {
	if d.err == nil {
		d.err = errCodec
	}
	d.p = len(d.s)
}

// byte reads one byte.
func (d *codecDecoder) byte() byte {
	p := d.p
	if p >= len(d.s) {
		d.fail()
		return 0
	}
	d.p = p + 1
	return d.s[p]
}

// uvarint reads an unsigned varint (at most ten bytes, as
// encoding/binary writes them).
func (d *codecDecoder) uvarint() uint64 {
	s, p := d.s, d.p
	if p < len(s) && s[p] < 0x80 {
		d.p = p + 1
		return uint64(s[p])
	}
	var v uint64
	for i := 0; i < 10 && p < len(s); i++ {
		c := s[p]
		p++
		if c < 0x80 {
			if i == 9 && c > 1 {
				break // overflows 64 bits
			}
			d.p = p
			return v | uint64(c)<<(7*i)
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	d.fail()
	return 0
}

// varint reads a zig-zag varint.
func (d *codecDecoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// int reads a varint into an int.
func (d *codecDecoder) int() int { return int(d.varint()) }

// float reads 8 little-endian bytes.
func (d *codecDecoder) float() float64 {
	p := d.p
	if p > len(d.s)-8 {
		d.fail()
		return 0
	}
	b := d.s[p : p+8]
	d.p = p + 8
	v := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	return math.Float64frombits(v)
}

// length reads a length+1 prefix: ok is false for nil (0) or a length the
// rest of the record cannot hold (every element takes a byte at least).
func (d *codecDecoder) length() (int, bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(d.s)-d.p) {
		d.fail()
		return 0, false
	}
	return int(v - 1), true
}

// string reads a string: a substring of the record (no copy), which the
// caller of DecodeSession hands over. A one-byte length is read in line.
func (d *codecDecoder) string() string {
	s, p := d.s, d.p
	var n uint64
	if p < len(s) && s[p] < 0x80 {
		n, p = uint64(s[p]), p+1
	} else {
		n = d.uvarint()
		p = d.p
	}
	if n > uint64(len(s)-p) {
		d.fail()
		return ""
	}
	end := p + int(n)
	d.p = end
	return s[p:end]
}

// strings reads a string slice, cut from the strings slab.
func (d *codecDecoder) strings() []string {
	v := d.uvarint()
	if v == 0 {
		return nil
	}
	if v-1 > uint64(len(d.strs)) {
		d.fail()
		return nil
	}
	n := int(v - 1)
	ss := d.strs[:n:n]
	d.strs = d.strs[n:]
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

// int64p reads a value into the next element of the ints slab.
func (d *codecDecoder) int64p() *int64 {
	if len(d.ints) == 0 {
		d.fail()
		return nil
	}
	p := &d.ints[0]
	d.ints = d.ints[1:]
	*p = d.varint()
	return p
}

// time reads what codecEncoder.time writes.
func (d *codecDecoder) time() Time {
	var loc *time.Location
	switch d.byte() {
	case zoneZero:
		return Time{}
	case zoneUTC:
		d.last += d.varint()
		return Time{time.Unix(0, d.last).UTC()}
	case zoneLocal:
		loc = time.Local
	case zoneFixed:
		name := d.string()
		loc = time.FixedZone(name, d.int())
	default:
		d.fail()
		return Time{}
	}
	d.last += d.varint()
	return Time{time.Unix(0, d.last).In(loc)}
}
