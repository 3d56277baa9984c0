package report

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestSessionEncodingRoundTrip fills every field of Session (and through
// it Transaction, Result, MailboxView, TLSCert…) by reflection, with and
// without zero and nil values, and checks that the spill encoding gives
// back an equal session: a field added to the model cannot be silently
// dropped by the spill, and nil stays apart from empty, a pointer to zero
// from nil.
func TestSessionEncodingRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		s := new(Session)
		fill(rng, reflect.ValueOf(s).Elem(), i%2 == 1, 0)
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

// TestSessionEncodingKeepsZeroPointers checks the case gob gets wrong: a
// result of EXISTS 0 (a pointer to zero) must not come back as absent.
func TestSessionEncodingKeepsZeroPointers(t *testing.T) {
	zero, no := int64(0), false
	s := &Session{Capabilities: []string{}, Start: Time{time.Unix(5, 7).UTC()},
		Transactions: []*Transaction{{Tag: "a", Result: &Result{Exists: &zero, ReadOnly: &no}}, nil}}
	rec, err := AppendSession(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSession(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("got %+v, want %+v", got, s)
	}
}

// corruptSeeds returns records to damage: filled sessions, the distinct
// ones and the realistic test report's.
func corruptSeeds(t testing.TB) [][]byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var ss []*Session
	for i := range 4 {
		s := new(Session)
		fill(rng, reflect.ValueOf(s).Elem(), i%2 == 1, 0)
		ss = append(ss, s)
	}
	ss = append(ss, distinctSessions()...)
	ss = append(ss, testReport().Sessions...)
	var recs [][]byte
	for _, s := range ss {
		rec, err := AppendSession(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestSessionDecodingCorrupt checks that every truncation of a record is
// reported, and that byte flips, random bytes and a record cut and
// spliced onto another are reported or decode to something, never
// panic. Whatever decodes must encode again.
func TestSessionDecodingCorrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	recs := corruptSeeds(t)
	for _, rec := range recs {
		for n := range len(rec) {
			if _, err := DecodeSession(bytes.Clone(rec[:n])); err == nil {
				t.Fatalf("record cut to %d of %d bytes decoded without error", n, len(rec))
			}
		}
		if _, err := DecodeSession(append(bytes.Clone(rec), 0)); err == nil {
			t.Fatalf("record with a byte appended decoded without error")
		}
	}
	try := func(b []byte) {
		if s, err := DecodeSession(b); err == nil {
			if _, err := AppendSession(nil, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 3000 {
		rec := recs[rng.IntN(len(recs))]
		b := bytes.Clone(rec)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		try(b)
		other := recs[rng.IntN(len(recs))]
		try(append(bytes.Clone(rec[:rng.IntN(len(rec))]), other[rng.IntN(len(other)):]...))
		junk := make([]byte, rng.IntN(200))
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		try(junk)
	}
}

// TestTxnDecodingCorrupt checks the same of spilled transaction runs,
// and that a run read as holding another number of transactions is an
// error.
func TestTxnDecodingCorrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ts := make([]*Transaction, 6)
	for i := range ts {
		ts[i] = new(Transaction)
		fill(rng, reflect.ValueOf(ts[i]).Elem(), i%2 == 1, 0)
	}
	rec := appendTxns(nil, ts)
	for n := range len(rec) {
		if _, err := decodeTxns(bytes.Clone(rec[:n]), len(ts)); err == nil {
			t.Fatalf("run cut to %d of %d bytes decoded without error", n, len(rec))
		}
	}
	for _, n := range []int{0, 5, 7} {
		if _, err := decodeTxns(rec, n); err == nil {
			t.Fatalf("run of 6 read as %d decoded without error", n)
		}
	}
	for range 3000 {
		b := bytes.Clone(rec)
		b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		decodeTxns(b, len(ts)) // must not panic
	}
}

// FuzzDecodeSession checks that no input makes DecodeSession panic, and
// that what decodes encodes and decodes again to the same session.
func FuzzDecodeSession(f *testing.F) {
	for _, rec := range corruptSeeds(f) {
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		s, err := DecodeSession(bytes.Clone(rec))
		if err != nil {
			return
		}
		again, err := AppendSession(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := DecodeSession(again)
		if err != nil {
			t.Fatalf("re-encoded session does not decode: %v", err)
		}
		if !reflect.DeepEqual(s, s2) && !hasNaN(s) {
			t.Fatalf("re-encoded session differs")
		}
	})
}

// hasNaN reports whether a latency of s is NaN (not equal to itself, so
// DeepEqual cannot compare it).
func hasNaN(s *Session) bool {
	for _, tx := range s.Transactions {
		if tx != nil && tx.LatencyMS != tx.LatencyMS {
			return true
		}
	}
	return false
}

// TestDecodeAllocsIndependentOfTransactions checks that decoding a session
// allocates per record, not per transaction, result or string: a session
// of 200 transactions (with results, SASL lines and flags) costs as many
// allocations as one of 20.
func TestDecodeAllocsIndependentOfTransactions(t *testing.T) {
	allocs := func(n int) float64 {
		s := testReport().Sessions[0]
		s.ClientID, s.ServerID, s.Unsolicited = nil, nil, nil // maps allocate by size
		base := s.Transactions
		s.Transactions = nil
		zero := int64(0)
		for i := range n {
			tx := *base[i%len(base)]
			tx.SASL = []string{"a", "b"}
			tx.Result = &Result{Exists: &zero, Messages: &zero, Flags: []string{`\Seen`}}
			s.Transactions = append(s.Transactions, &tx)
		}
		rec, err := AppendSession(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(20, func() {
			if _, err := DecodeSession(rec); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(20), allocs(200)
	if large != small || large > 12 {
		t.Fatalf("decoding allocates %.0f times for 20 transactions, %.0f for 200 (want equal, at most 12)", small, large)
	}
}
