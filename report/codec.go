package report

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
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
	b    []byte
	n    codecCounts
	last int64 // Unix nanoseconds of the last time written (times are deltas)
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

// length appends the prefix of a slice or map of n elements: 0 when it is
// nil, else n+1; it reports whether the elements follow (codecDecoder.length
// reads it).
func (e *codecEncoder) length(isNil bool, n int) bool {
	if isNil {
		e.b = append(e.b, 0)
		return false
	}
	e.uvarint(uint64(n) + 1)
	return true
}

// strings appends a string slice: length+1 (0: nil), then the strings.
func (e *codecEncoder) strings(ss []string) {
	if !e.length(ss == nil, len(ss)) {
		return
	}
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
// offset, and its Unix nanoseconds less those of the time before it in the
// record (a few bytes, where the whole would take nine).
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
	ns := t.UnixNano()
	e.varint(ns - e.last)
	e.last = ns
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
	var d codecDecoder
	if d.init(rec); d.err != nil {
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
	var d codecDecoder
	if d.init(rec); d.err == nil && len(d.txns) != n {
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
