package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
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

// TestJSONStringMatchesEncodingJSON checks appendJSONString, whose fast
// path takes eight safe bytes at a time, against encoding/json on random
// strings mixing safe ASCII with every byte that must be escaped (quote,
// backslash, controls, <, > and &, DEL, invalid UTF-8, U+2028) at every
// offset, with and without HTML escaping.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	special := []string{"\"", "\\", "\x00", "\x1f", "\n", "<", ">", "&", "\x7f", "\xff", "é", "\u2028", " ", "~"}
	rng := rand.New(rand.NewPCG(7, 7))
	for n := 0; n < 5000; n++ {
		var sb strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(6) == 0 {
				sb.WriteString(special[rng.IntN(len(special))])
			} else {
				sb.WriteByte(byte(0x20 + rng.IntN(0x5f)))
			}
		}
		s := sb.String()
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		html, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(appendJSONString(nil, s, &jsonSafe)), strings.TrimSuffix(plain.String(), "\n"); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		if got := string(appendJSONString(nil, s, &jsonSafeHTML)); got != string(html) {
			t.Fatalf("%q (HTML): got %s, want %s", s, got, html)
		}
	}
}

// TestAppendTimeMatchesFormat checks jsonAppender.appendTime, which
// formats each second once, against AppendFormat(time.RFC3339Nano):
// times in the same second and not, fractions with trailing zeros or none,
// other time zones, and years AppendFormat writes otherwise.
func TestAppendTimeMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	east := time.FixedZone("east", 5*3600+30*60)
	base := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	var e jsonAppender
	times := []time.Time{time.Date(0, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 120, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, east)}
	for range 5000 {
		d := time.Duration(rng.Int64N(int64(5 * time.Second)))
		switch rng.IntN(4) {
		case 0:
			d = d.Truncate(time.Millisecond)
		case 1:
			d = d.Truncate(time.Second)
		case 2:
			d += time.Duration(rng.Int64N(int64(400 * 24 * time.Hour)))
		}
		tm := base.Add(d)
		if rng.IntN(5) == 0 {
			tm = tm.In(east)
		}
		times = append(times, tm)
	}
	for _, tm := range times {
		got, want := string(e.appendTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano)
		if got != want {
			t.Fatalf("%v: got %s, want %s", tm, got, want)
		}
	}
}
