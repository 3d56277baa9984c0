package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// referenceJSON is the encoding/json rendering the appender must match.
func referenceJSON(t *testing.T, r *Report) []byte {
	t.Helper()
	n, err := normalizeReport(r)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tricky strings exercise every escaping rule.
var tricky = []string{
	"", "a", "plain text", "quote \" and \\ backslash", "<html> & 'x'",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "Été ✓ 日本", "\u2028\u2029", "bad \xff\xfe utf8 \xc3",
	"emoji 😀", "tab\tend", "\"", "\\",
}

// fill sets every field of the value v points to through reflection, so
// that a field added to the model but not to the appender changes the
// output of encoding/json only. zero leaves some fields zero (omitempty).
func fill(rng *rand.Rand, v reflect.Value, zero bool, depth int) {
	if zero && rng.IntN(3) == 0 {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	switch v.Type() {
	case reflect.TypeFor[Time]():
		ts := time.Date(2024, 3, 5, 9, 30, rng.IntN(60), rng.IntN(1e9), time.FixedZone("x", 3600*rng.IntN(5)))
		if rng.IntN(4) == 0 {
			ts = ts.Truncate(time.Second)
		}
		v.Set(reflect.ValueOf(Time{ts}))
		return
	case reflect.TypeFor[Status]():
		v.SetString([]string{"", "OK", "NO", "BAD", "BYE", "WEIRD<&>"}[rng.IntN(6)])
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(tricky[rng.IntN(len(tricky))])
	case reflect.Bool:
		v.SetBool(!zero || rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	case reflect.Float64:
		fs := []float64{0, 1, -1, 0.5, 1e-7, 1.5e-9, 123456.789, 1e21, 3e22, 1e20, 0.000001, -2.5e-8, rng.Float64() * 1000}
		v.SetFloat(fs[rng.IntN(len(fs))])
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem(), zero, depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 4 {
			return
		}
		n := rng.IntN(4)
		if !zero {
			n++
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i), zero, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		n := rng.IntN(4)
		if !zero {
			n++
		}
		m := reflect.MakeMap(v.Type())
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			fill(rng, k, false, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(rng, e, false, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			// A field the encodings leave out (Session.Spilled: json:"-"
			// and codec:"-") is not filled.
			if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("codec") != "-" {
				fill(rng, v.Field(i), zero, depth)
			}
		}
	}
}

// TestFastJSONMatchesEncodingJSON compares the appender with encoding/json
// on reports with every field set, and with random fields left zero or nil.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		var r Report
		fill(rng, reflect.ValueOf(&r).Elem(), i%2 == 1, 0)
		for _, s := range r.Sessions {
			if s == nil {
				continue
			}
			for j := range s.Transactions {
				if s.Transactions[j] == nil {
					s.Transactions[j] = &Transaction{}
				}
			}
		}
		for j := range r.Sessions {
			if r.Sessions[j] == nil {
				r.Sessions[j] = &Session{}
			}
		}
		got, err := MarshalJSON(&r)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceJSON(t, &r)
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("report %d differs at byte %d:\n got …%s\nwant …%s", i, i, got[max(0, i-200):min(len(got), i+100)], want[max(0, i-200):min(len(want), i+100)])
		}
		var w bytes.Buffer
		if err := WriteJSON(&w, &r); err != nil || !bytes.Equal(w.Bytes(), want) {
			t.Fatalf("WriteJSON differs from MarshalJSON (err %v)", err)
		}
	}
}

// TestFastJSONRejectsNaN checks that an unencodable latency is an error
// before anything is written, as with encoding/json.
func TestFastJSONRejectsNaN(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		r := &Report{Sessions: []*Session{{Transactions: []*Transaction{{LatencyMS: f}}}}}
		var w bytes.Buffer
		if err := WriteJSON(&w, r); err == nil || w.Len() != 0 {
			t.Errorf("latency %v: err %v, wrote %d bytes", f, err, w.Len())
		}
	}
}

// BenchmarkWriteJSON renders a report of 200 sessions of 50 transactions.
func BenchmarkWriteJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := &Report{Tool: "bench", Inputs: []string{"x.pcap"}}
	for range 200 {
		s := &Session{}
		fill(rng, reflect.ValueOf(s).Elem(), true, 0)
		s.Transactions = nil
		for range 50 {
			x := &Transaction{}
			fill(rng, reflect.ValueOf(x).Elem(), false, 0)
			s.Transactions = append(s.Transactions, x)
		}
		r.Sessions = append(r.Sessions, s)
	}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := WriteJSON(&out, r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(out.Len()))
}
