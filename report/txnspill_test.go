package report

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestTxnFileRoundTrip spills a session's transactions in two blocks and
// reads them back, with the ones left in memory, equal and in order; once
// the session is released the file starts over; a closed file's
// transactions are an error, not silently missing.
func TestTxnFileRoundTrip(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	all := make([]*Transaction, 50)
	for i := range all {
		all[i] = new(Transaction)
		fill(rng, reflect.ValueOf(all[i]).Elem(), i%2 == 0, 0)
	}
	f := NewTxnFile()
	defer f.Close()
	s := &Session{}
	if err := f.Spill(s, all[:20]); err != nil {
		t.Fatal(err)
	}
	if err := f.Spill(s, all[20:35]); err != nil {
		t.Fatal(err)
	}
	s.Transactions = all[35:]
	if s.TransactionCount() != len(all) {
		t.Fatalf("count %d, want %d", s.TransactionCount(), len(all))
	}
	n := 0
	for i, tx := range s.Txns() {
		if i != n || !reflect.DeepEqual(tx, all[i]) {
			t.Fatalf("transaction %d (yielded as %d) differs:\n got %+v\nwant %+v", n, i, tx, all[n])
		}
		n++
	}
	if n != len(all) || s.TxnErr() != nil {
		t.Fatalf("read %d of %d: %v", n, len(all), s.TxnErr())
	}
	if m, err := s.Materialized(); err != nil || len(m.Transactions) != len(all) || m.Spilled != nil {
		t.Fatalf("materialized: %v", err)
	}
	s.ReleaseTxns()
	if s.Spilled != nil || f.off != 0 || f.live != 0 {
		t.Fatalf("after release: spilled %v, offset %d, live %d", s.Spilled, f.off, f.live)
	}
	s2 := &Session{}
	if err := f.Spill(s2, all[:5]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n = 0
	for range s2.Txns() {
		n++
	}
	if n != 0 || s2.TxnErr() == nil {
		t.Fatalf("closed file: read %d transactions, error %v", n, s2.TxnErr())
	}
}
