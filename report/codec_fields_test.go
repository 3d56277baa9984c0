package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestCodecCarriesEveryField checks the field counts the hand-written
// codec declares against the model, for every struct type reachable from
// Session and Transaction: a field added to any of them, or a new struct
// type inside them, fails here until the codec (and its count) is
// updated. TestSessionEncodingDistinct then checks the field is carried.
func TestCodecCarriesEveryField(t *testing.T) {
	want := map[reflect.Type]int{
		reflect.TypeFor[Session]():         codecSessionFields,
		reflect.TypeFor[ProtocolVersion](): codecVersionFields,
		reflect.TypeFor[Anomaly]():         codecAnomalyFields,
		reflect.TypeFor[TLSCert]():         codecCertFields,
		reflect.TypeFor[MailboxView]():     codecMailboxViewFields,
		reflect.TypeFor[Transaction]():     codecTxnFields,
		reflect.TypeFor[Result]():          codecResultFields,
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem())
			return
		case reflect.Map:
			walk(ty.Key())
			walk(ty.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if ty == reflect.TypeFor[Time]() || seen[ty] {
			return
		}
		seen[ty] = true
		n, ok := want[ty]
		if !ok {
			t.Errorf("%s is not encoded by the spill codec (codec_session.go, codec_txn.go)", ty)
			return
		}
		if ty.NumField() != n {
			t.Errorf("%s has %d fields, the spill codec carries %d: encode the new ones and update its count", ty, ty.NumField(), n)
		}
		for i := range ty.NumField() {
			if f := ty.Field(i); f.Tag.Get("codec") != "-" {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[Session]())
	walk(reflect.TypeFor[Transaction]())
	for ty := range want {
		if !seen[ty] {
			t.Errorf("%s is counted but no longer in the model", ty)
		}
	}
}

// distinctFiller sets every leaf of a value to a value no other leaf has
// (strings, numbers, times); booleans take bit `bit` of their leaf number,
// so that over a few passes any two booleans differ in one. A codec that
// drops, swaps or confuses two fields fails a round trip in some pass.
type distinctFiller struct {
	k   int
	bit uint
	// empty fills slices and maps with no elements (not nil), pointers
	// with zero values, strings, numbers and times with zero.
	empty bool
}

// fill sets v; Session.Spilled (codec:"-") is left alone.
func (f *distinctFiller) fill(v reflect.Value) {
	f.k++
	k := f.k
	if v.Type() == reflect.TypeFor[Time]() {
		if !f.empty {
			zones := []*time.Location{time.UTC, time.Local, time.FixedZone(fmt.Sprintf("Z%d", k), 60*(k%1440))}
			v.Set(reflect.ValueOf(Time{time.Unix(1700000000+int64(k), int64(k)).In(zones[k%3])}))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if !f.empty {
			v.SetString(fmt.Sprintf("s%d", k))
		}
	case reflect.Bool:
		v.SetBool(!f.empty && k>>f.bit&1 == 1)
	case reflect.Int, reflect.Int64:
		if !f.empty {
			v.SetInt(int64(k) * 1000003 * int64(1-2*(k&1)))
		}
	case reflect.Float64:
		if !f.empty {
			v.SetFloat(float64(k) + 0.25)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem())
		v.Set(p)
	case reflect.Slice:
		n := 2
		if f.empty {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; i < 2 && !f.empty; i++ {
			key, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(key)
			f.fill(e)
			m.SetMapIndex(key, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("codec") != "-" {
				f.fill(v.Field(i))
			}
		}
	}
}

// distinctSessions returns sessions with every field set to distinct
// values (one per boolean pass), one with every slice and map empty and
// every pointer at a zero value, one with a nil transaction among
// others, and the zero session.
func distinctSessions() []*Session {
	var out []*Session
	for bit := range uint(8) {
		s := new(Session)
		(&distinctFiller{bit: bit}).fill(reflect.ValueOf(s).Elem())
		out = append(out, s)
	}
	empty := new(Session)
	(&distinctFiller{empty: true}).fill(reflect.ValueOf(empty).Elem())
	empty.Transactions = []*Transaction{new(Transaction)}
	(&distinctFiller{empty: true}).fill(reflect.ValueOf(empty.Transactions[0]).Elem())
	withNil := new(Session)
	(&distinctFiller{bit: 1}).fill(reflect.ValueOf(withNil).Elem())
	withNil.Transactions = append(withNil.Transactions, nil, &Transaction{Result: &Result{}})
	return append(out, empty, withNil, new(Session))
}

// TestSessionEncodingDistinct round-trips sessions whose every field holds
// a value of its own (and the empty and zero variants): each comes back
// deeply equal, so no field is dropped, swapped or merged with another.
func TestSessionEncodingDistinct(t *testing.T) {
	for i, s := range distinctSessions() {
		rec, err := AppendSession(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeSession(bytes.Clone(rec))
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("session %d changed by the spill encoding:\n got %+v\nwant %+v", i, got, s)
		}
	}
}

// TestTxnEncodingDistinct does the same for a run of transactions as
// TxnFile spills them.
func TestTxnEncodingDistinct(t *testing.T) {
	for bit := range uint(6) {
		f := &distinctFiller{bit: bit}
		ts := make([]*Transaction, 5)
		for i := range ts {
			ts[i] = new(Transaction)
			f.empty = i == 3
			f.fill(reflect.ValueOf(ts[i]).Elem())
		}
		ts[4] = &Transaction{}
		got, err := decodeTxns(appendTxns(nil, ts), len(ts))
		if err != nil {
			t.Fatal(err)
		}
		for i := range ts {
			if !reflect.DeepEqual(&got[i], ts[i]) {
				t.Fatalf("pass %d transaction %d:\n got %+v\nwant %+v", bit, i, &got[i], ts[i])
			}
		}
	}
}

// TestCodecMatchesReflective checks that the hand-written codec decodes
// exactly what the reflective one it replaced did, also where neither
// gives back the original: monotonic clock readings, a zero time in a
// zone, named zones.
func TestCodecMatchesReflective(t *testing.T) {
	sessions := distinctSessions()
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 200 {
		s := new(Session)
		fill(rng, reflect.ValueOf(s).Elem(), i%2 == 1, 0)
		sessions = append(sessions, s)
	}
	paris := time.FixedZone("CET", 3600)
	odd := &Session{Start: Time{time.Now()}, End: Time{time.Time{}.In(paris)},
		Anomalies:    []Anomaly{{Time: Time{time.Date(2024, 7, 1, 12, 0, 0, 5, time.Local)}}},
		Transactions: []*Transaction{{Start: Time{time.Unix(-5, -7)}, End: Time{time.Unix(1<<40, 0).In(paris)}}}}
	sessions = append(sessions, odd, testReport().Sessions[0], testReport().Sessions[1])
	for i, s := range sessions {
		want := refRoundTrip(t, s)
		rec, _ := AppendSession(nil, s)
		got, err := DecodeSession(rec)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("session %d decodes unlike the reflective codec:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// refRoundTrip encodes and decodes s with the reflective codec.
func refRoundTrip(t *testing.T, s *Session) *Session {
	t.Helper()
	rec, err := refAppendSession(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := refDecodeSession(rec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
