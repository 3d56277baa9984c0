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

// TestSessionDecodingCorrupt checks that every truncation and a few byte
// flips of a record are reported (or decode to something), never panic.
func TestSessionDecodingCorrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := new(Session)
	fill(rng, reflect.ValueOf(s).Elem(), false, 0)
	rec, err := AppendSession(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(rec) {
		if _, err := DecodeSession(bytes.Clone(rec[:n])); err == nil {
			t.Fatalf("record cut to %d of %d bytes decoded without error", n, len(rec))
		}
	}
	for range 2000 {
		b := bytes.Clone(rec)
		b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		DecodeSession(b) // must not panic
	}
}
