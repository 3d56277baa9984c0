package report

// The reflection-driven spill codec that codec.go replaced (main 7c94ed5),
// kept as the reference the hand-written one must match value for value
// (TestCodecMatchesReflective). Only tests use it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// The spill encoding of a Session: a compact, self-describing-by-type
// binary form used to keep finished sessions in a temporary file instead
// of memory (see refAppendSession). It is derived by reflection from the
// model, so a field added to Session or Transaction is carried without
// change here; a field the encoding cannot carry (unexported, a func, an
// interface) makes it fail loudly rather than drop data.
//
// Values are written field by field in declaration order: integers as
// zig-zag varints, floats as 8 bytes, strings and slices with their length
// plus one (0 is nil, so nil and empty stay apart), pointers and maps with
// a presence or length prefix, times as Unix nanoseconds with their zone.
// Unlike gob, a pointer to a zero value (EXISTS 0) survives.

// errRefCodec reports a record that cannot be decoded.
var errRefCodec = errors.New("report: corrupt session record")

// refCodecFuncs encode and decode one type.
type refCodecFuncs struct {
	enc func(b []byte, v reflect.Value) []byte
	dec func(d *refCodecDecoder, v reflect.Value)
}

// refCodecs caches the compiled refCodecs by type.
var (
	refCodecMu  sync.Mutex
	refCodecs   = map[reflect.Type]*refCodecFuncs{}
	refSessCode *refCodecFuncs
	refCodeErr  error
	refCodeOnce sync.Once
)

// refSessionCodec returns the compiled codec of Session.
func refSessionCodec() (*refCodecFuncs, error) {
	refCodeOnce.Do(func() {
		refCodecMu.Lock()
		defer refCodecMu.Unlock()
		refSessCode, refCodeErr = refCompileCodec(reflect.TypeFor[Session]())
	})
	return refSessCode, refCodeErr
}

var refTimeType = reflect.TypeFor[time.Time]()

// refCompileCodec builds the codec of t (called with refCodecMu held).
func refCompileCodec(t reflect.Type) (*refCodecFuncs, error) {
	if c := refCodecs[t]; c != nil {
		return c, nil
	}
	c := &refCodecFuncs{}
	refCodecs[t] = c // recursive types find the (filled later) entry
	if t == refTimeType {
		c.enc, c.dec = refEncTime, refDecTime
		return c, nil
	}
	switch t.Kind() {
	case reflect.String:
		c.enc = func(b []byte, v reflect.Value) []byte { return refAppendString(b, v.String()) }
		c.dec = func(d *refCodecDecoder, v reflect.Value) { v.SetString(d.string()) }
	case reflect.Bool:
		c.enc = func(b []byte, v reflect.Value) []byte {
			if v.Bool() {
				return append(b, 1)
			}
			return append(b, 0)
		}
		c.dec = func(d *refCodecDecoder, v reflect.Value) { v.SetBool(d.byte() != 0) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.enc = func(b []byte, v reflect.Value) []byte { return binary.AppendVarint(b, v.Int()) }
		c.dec = func(d *refCodecDecoder, v reflect.Value) { v.SetInt(d.varint()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.enc = func(b []byte, v reflect.Value) []byte { return binary.AppendUvarint(b, v.Uint()) }
		c.dec = func(d *refCodecDecoder, v reflect.Value) { v.SetUint(d.uvarint()) }
	case reflect.Float32, reflect.Float64:
		c.enc = func(b []byte, v reflect.Value) []byte {
			return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float()))
		}
		c.dec = func(d *refCodecDecoder, v reflect.Value) { v.SetFloat(math.Float64frombits(d.uint64())) }
	case reflect.Pointer:
		return c, refCompilePointer(c, t)
	case reflect.Slice:
		return c, refCompileSlice(c, t)
	case reflect.Map:
		return c, refCompileMap(c, t)
	case reflect.Struct:
		return c, refCompileStruct(c, t)
	default:
		return nil, fmt.Errorf("report: session encoding: unsupported type %s", t)
	}
	return c, nil
}

// refCompilePointer fills c for pointer type t: a presence byte, then the value.
func refCompilePointer(c *refCodecFuncs, t reflect.Type) error {
	e, err := refCompileCodec(t.Elem())
	if err != nil {
		return err
	}
	c.enc = func(b []byte, v reflect.Value) []byte {
		if v.IsNil() {
			return append(b, 0)
		}
		return e.enc(append(b, 1), v.Elem())
	}
	c.dec = func(d *refCodecDecoder, v reflect.Value) {
		if d.byte() == 0 {
			return
		}
		p := reflect.New(t.Elem())
		e.dec(d, p.Elem())
		v.Set(p)
	}
	return nil
}

// refCompileSlice fills c for slice type t: length+1 (0: nil), then the elements.
func refCompileSlice(c *refCodecFuncs, t reflect.Type) error {
	e, err := refCompileCodec(t.Elem())
	if err != nil {
		return err
	}
	c.enc = func(b []byte, v reflect.Value) []byte {
		if v.IsNil() {
			return append(b, 0)
		}
		n := v.Len()
		b = binary.AppendUvarint(b, uint64(n)+1)
		for i := range n {
			b = e.enc(b, v.Index(i))
		}
		return b
	}
	c.dec = func(d *refCodecDecoder, v reflect.Value) {
		n, ok := d.length()
		if !ok {
			return
		}
		s := reflect.MakeSlice(t, n, n)
		for i := 0; i < n && d.err == nil; i++ {
			e.dec(d, s.Index(i))
		}
		v.Set(s)
	}
	return nil
}

// refCompileMap fills c for map type t: length+1 (0: nil), then key, value pairs.
func refCompileMap(c *refCodecFuncs, t reflect.Type) error {
	ke, err := refCompileCodec(t.Key())
	if err != nil {
		return err
	}
	ve, err := refCompileCodec(t.Elem())
	if err != nil {
		return err
	}
	c.enc = func(b []byte, v reflect.Value) []byte {
		if v.IsNil() {
			return append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		it := v.MapRange()
		for it.Next() {
			b = ke.enc(b, it.Key())
			b = ve.enc(b, it.Value())
		}
		return b
	}
	c.dec = func(d *refCodecDecoder, v reflect.Value) {
		n, ok := d.length()
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(t, n)
		k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		for i := 0; i < n && d.err == nil; i++ {
			k.SetZero()
			e.SetZero()
			ke.dec(d, k)
			ve.dec(d, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
	return nil
}

// refCompileStruct fills c for struct type t: its fields in order. Every
// field must be exported: an unexported one could not be restored.
func refCompileStruct(c *refCodecFuncs, t reflect.Type) error {
	n := t.NumField()
	fs := make([]*refCodecFuncs, n)
	for i := range n {
		f := t.Field(i)
		if f.Tag.Get("codec") == "-" {
			continue // carried beside the record (Session.Spilled)
		}
		if !f.IsExported() {
			return fmt.Errorf("report: session encoding: %s.%s is unexported", t, f.Name)
		}
		fc, err := refCompileCodec(f.Type)
		if err != nil {
			return err
		}
		fs[i] = fc
	}
	c.enc = func(b []byte, v reflect.Value) []byte {
		for i, f := range fs {
			if f != nil {
				b = f.enc(b, v.Field(i))
			}
		}
		return b
	}
	c.dec = func(d *refCodecDecoder, v reflect.Value) {
		for i, f := range fs {
			if d.err != nil {
				return
			}
			if f != nil {
				f.dec(d, v.Field(i))
			}
		}
	}
	return nil
}

// refEncTime writes a time.Time: its zone kind, Unix nanoseconds, and for a
// fixed zone its name and offset.
func refEncTime(b []byte, v reflect.Value) []byte {
	var t time.Time
	if v.CanAddr() {
		t = *(*time.Time)(v.Addr().UnsafePointer()) // no allocation
	} else {
		t = v.Interface().(time.Time)
	}
	switch loc := t.Location(); {
	case t.IsZero():
		return append(b, zoneZero)
	case loc == time.UTC:
		b = append(b, zoneUTC)
	case loc == time.Local:
		b = append(b, zoneLocal)
	default:
		name, off := t.Zone()
		b = refAppendString(append(b, zoneFixed), name)
		b = binary.AppendVarint(b, int64(off))
	}
	return binary.AppendVarint(b, t.UnixNano())
}

// refDecTime reads what refEncTime writes.
func refDecTime(d *refCodecDecoder, v reflect.Value) {
	var loc *time.Location
	switch d.byte() {
	case zoneZero:
		return
	case zoneUTC:
		loc = time.UTC
	case zoneLocal:
		loc = time.Local
	case zoneFixed:
		name := d.string()
		loc = time.FixedZone(name, int(d.varint()))
	default:
		d.fail()
		return
	}
	ns := d.varint()
	v.Set(reflect.ValueOf(time.Unix(0, ns).In(loc)))
}

// refAppendString writes length+1 and the bytes of s.
func refAppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

// refCodecDecoder reads one record; the first error sticks.
type refCodecDecoder struct {
	b   []byte
	err error
}

// fail marks the record corrupt.
func (d *refCodecDecoder) fail() {
	if d.err == nil {
		d.err = errRefCodec
	}
	d.b = nil
}

// byte reads one byte.
func (d *refCodecDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// uvarint reads an unsigned varint.
func (d *refCodecDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads a signed varint.
func (d *refCodecDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// uint64 reads 8 little-endian bytes.
func (d *refCodecDecoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// length reads a length+1 prefix: ok is false for nil (0) or a length the
// rest of the record cannot hold (every element takes a byte at least).
func (d *refCodecDecoder) length() (int, bool) {
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
// caller of refDecodeSession hands over.
func (d *refCodecDecoder) string() string {
	v := d.uvarint()
	if v == 0 || v-1 > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	n := int(v - 1)
	if n == 0 {
		return ""
	}
	s := unsafe.String(&d.b[0], n)
	d.b = d.b[n:]
	return s
}

// refAppendSession appends the spill encoding of s (not nil) to b.
func refAppendSession(b []byte, s *Session) ([]byte, error) {
	c, err := refSessionCodec()
	if err != nil {
		return b, err
	}
	return c.enc(b, reflect.ValueOf(s).Elem()), nil
}

// refDecodeSession decodes a record written by refAppendSession. The session's
// strings share rec's memory: rec must not be modified afterwards.
func refDecodeSession(rec []byte) (*Session, error) {
	c, err := refSessionCodec()
	if err != nil {
		return nil, err
	}
	s := new(Session)
	d := &refCodecDecoder{b: rec}
	c.dec(d, reflect.ValueOf(s).Elem())
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}
