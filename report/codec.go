package report

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
	"unsafe"
)

// The spill encoding of a Session: a compact binary form used to keep
// finished sessions in a temporary file instead of memory (AppendSession,
// DecodeSession), and the transactions of long sessions in a TxnFile. It
// is private to one run: nothing reads a record written by another build.
//
// It is written by hand, field by field in declaration order
// (codec_session.go, codec_txn.go): integers as zig-zag varints, floats
// as 8 bytes, strings with their length, string slices and maps with
// their length plus one (0 is nil, so nil and empty stay apart), pointers
// with a presence bit, times as Unix nanoseconds with their zone. A
// pointer to a zero value (EXISTS 0) survives. Each struct type's field
// count is declared beside its code and checked by
// TestCodecCarriesEveryField, and TestSessionEncodingDistinct fills every
// field with a distinct value: a field added to the model and not to the
// codec makes a test fail.
//
// A record ends with a trailer: how many transactions, results, *int64,
// *bool and strings in slices it holds, then one byte giving the
// trailer's length. The decoder allocates each kind once per record (one
// slab of Transaction, of Result, …) and hands out its elements, and its
// strings point into the record itself: decoding a session of a thousand
// transactions costs a handful of allocations, not thousands.

// errCodec reports a record that cannot be decoded.
var errCodec = errors.New("report: corrupt session record")

// codecCounts counts what a record's slabs hold.
type codecCounts struct {
	txns, results, ints, bools, strs int
}

// Least encoded sizes, which bound the slabs a (corrupt) trailer can ask
// for: a transaction writes at least 20 bytes (flags, nine strings, two
// times, a float, six varints, SASL), a result at least 9.
const (
	minTxnBytes    = 20
	minResultBytes = 9
)

// codecEncoder appends one record to b, counting what the decoder will
// allocate.
type codecEncoder struct {
	b []byte
	n codecCounts
}

// finish appends the trailer and returns the record.
func (e *codecEncoder) finish() []byte {
	at := len(e.b)
	for _, v := range [...]int{e.n.txns, e.n.results, e.n.ints, e.n.bools, e.n.strs} {
		e.b = binary.AppendUvarint(e.b, uint64(v))
	}
	return append(e.b, byte(len(e.b)-at))
}

// uvarint appends an unsigned varint.
func (e *codecEncoder) uvarint(v uint64) {
	if v < 0x80 {
		e.b = append(e.b, byte(v))
		return
	}
	e.b = binary.AppendUvarint(e.b, v)
}

// varint appends a zig-zag varint.
func (e *codecEncoder) varint(v int64) { e.uvarint(uint64(v<<1) ^ uint64(v>>63)) }

// float appends 8 little-endian bytes.
func (e *codecEncoder) float(v float64) {
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
}

// string appends the length and bytes of s.
func (e *codecEncoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// strings appends a string slice: length+1 (0: nil), then the strings.
func (e *codecEncoder) strings(ss []string) {
	if ss == nil {
		e.b = append(e.b, 0)
		return
	}
	e.uvarint(uint64(len(ss)) + 1)
	for _, s := range ss {
		e.string(s)
	}
	e.n.strs += len(ss)
}

// int64p appends the value of p (not nil) and counts it.
func (e *codecEncoder) int64p(p *int64) {
	e.varint(*p)
	e.n.ints++
}

// Zone kinds of an encoded time.
const (
	zoneZero  = 0 // the zero time
	zoneUTC   = 1
	zoneLocal = 2
	zoneFixed = 3 // name and offset follow
)

// time appends a time: its zone kind, for a fixed zone its name and
// offset, and Unix nanoseconds.
func (e *codecEncoder) time(t time.Time) {
	switch loc := t.Location(); {
	case t.IsZero():
		e.b = append(e.b, zoneZero)
		return
	case loc == time.UTC:
		e.b = append(e.b, zoneUTC)
	case loc == time.Local:
		e.b = append(e.b, zoneLocal)
	default:
		name, off := t.Zone()
		e.b = append(e.b, zoneFixed)
		e.string(name)
		e.varint(int64(off))
	}
	e.varint(t.UnixNano())
}

// codecDecoder reads one record; the first error sticks (and empties b,
// so that every later read fails at once). The slabs hold the values
// still to hand out.
type codecDecoder struct {
	b   []byte
	err error

	txns    []Transaction
	results []Result
	ints    []int64
	bools   []bool
	strs    []string
}

// newDecoder reads rec's trailer and allocates its slabs; txns false
// means the record holds no transactions (nor what they hold) at all.
func newDecoder(rec []byte) *codecDecoder {
	d := &codecDecoder{}
	if len(rec) == 0 || int(rec[len(rec)-1]) > len(rec)-1 {
		d.fail()
		return d
	}
	at := len(rec) - 1 - int(rec[len(rec)-1])
	body := rec[:at]
	d.b = rec[at : len(rec)-1]
	var n [5]uint64
	for i := range n {
		n[i] = d.uvarint()
	}
	if d.err != nil || len(d.b) != 0 {
		d.fail()
		return d
	}
	size := uint64(len(body))
	if n[0] > size/minTxnBytes || n[1] > size/minResultBytes || n[2] > size || n[3] > n[1] || n[4] > size {
		d.fail()
		return d
	}
	d.b = body
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
	return d
}

// done checks that the record and its slabs were used up exactly.
func (d *codecDecoder) done() error {
	if d.err == nil && (len(d.b) != 0 || len(d.txns) != 0 || len(d.results) != 0 ||
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
	d.b = nil
}

// byte reads one byte.
func (d *codecDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// uvarint reads an unsigned varint.
func (d *codecDecoder) uvarint() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 {
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
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
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return math.Float64frombits(v)
}

// length reads a length+1 prefix: ok is false for nil (0) or a length the
// rest of the record cannot hold (every element takes a byte at least).
func (d *codecDecoder) length() (int, bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(d.b)) {
		d.fail()
		return 0, false
	}
	return int(v - 1), true
}

// string reads a string; it points into the record (no copy), which the
// caller of DecodeSession hands over.
func (d *codecDecoder) string() string {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	if v == 0 {
		return ""
	}
	s := unsafe.String(&d.b[0], int(v))
	d.b = d.b[v:]
	return s
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
		return Time{time.Unix(0, d.varint()).UTC()}
	case zoneLocal:
		loc = time.Local
	case zoneFixed:
		name := d.string()
		loc = time.FixedZone(name, d.int())
	default:
		d.fail()
		return Time{}
	}
	return Time{time.Unix(0, d.varint()).In(loc)}
}

// AppendSession appends the spill encoding of s (not nil) to b. The error
// is always nil (the signature is kept for the callers).
func AppendSession(b []byte, s *Session) ([]byte, error) {
	e := codecEncoder{b: b}
	e.session(s)
	return e.finish(), nil
}

// DecodeSession decodes a record written by AppendSession. The session's
// strings share rec's memory: rec must not be modified afterwards.
func DecodeSession(rec []byte) (*Session, error) {
	d := newDecoder(rec)
	if d.err != nil {
		return nil, d.err
	}
	s := new(Session)
	d.session(s)
	if err := d.done(); err != nil {
		return nil, err
	}
	return s, nil
}

// appendTxns appends the spill encoding of ts (none nil) to b, as one
// record.
func appendTxns(b []byte, ts []*Transaction) []byte {
	e := codecEncoder{b: b}
	for _, t := range ts {
		e.txn(t)
	}
	return e.finish()
}

// decodeTxns decodes a record written by appendTxns of n transactions;
// their strings share rec's memory.
func decodeTxns(rec []byte, n int) ([]Transaction, error) {
	d := newDecoder(rec)
	if d.err == nil && len(d.txns) != n {
		d.fail()
	}
	out := d.txns
	for range n {
		if d.err != nil {
			break
		}
		if d.txn() == nil {
			d.fail()
		}
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return out, nil
}
