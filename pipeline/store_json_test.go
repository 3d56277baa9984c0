package pipeline

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/report"
)

// jsonStore adds the sessions of rep to a new store that holds them
// rendered, shuffled as spilled does, with budget bytes allowed in memory.
func jsonStore(t *testing.T, rep *report.Report, byStart bool, budget int64) *SessionStore {
	t.Helper()
	st, err := NewSessionStore(true, byStart)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.RenderJSON()
	st.budget = budget
	rng := rand.New(rand.NewPCG(1, 1))
	for _, i := range rng.Perm(len(rep.Sessions)) {
		s := rep.Sessions[i]
		if err := st.Add(st.Position(uint64(i), s), s, i%3 != 2); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// longSession returns a copy of s with its transactions repeated until its
// JSON passes several write chunks, the first half of them moved to a
// TxnFile as a long session's are.
func longSession(t *testing.T, s *report.Session) *report.Session {
	t.Helper()
	cp := *s
	cp.Transactions = nil
	for len(cp.Transactions) < 3000 {
		cp.Transactions = append(cp.Transactions, s.Transactions...)
	}
	f := report.NewTxnFile()
	t.Cleanup(func() { f.Close() })
	half := len(cp.Transactions) / 2
	if err := f.Spill(&cp, cp.Transactions[:half]); err != nil {
		t.Fatal(err)
	}
	cp.Transactions = cp.Transactions[half:]
	return &cp
}

// TestSessionStoreJSON checks that a store holding renderings yields the
// very document of a store holding sessions, whatever the memory budget
// (all in memory, some, none), the order, and with a session long enough
// to be rendered into the file piece by piece.
func TestSessionStoreJSON(t *testing.T) {
	rep := collect(t, secretshapes.Variants()[:40], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	var long *report.Session
	for _, s := range rep.Sessions {
		if len(s.Transactions) > 0 {
			long = longSession(t, s)
			break
		}
	}
	if long == nil {
		t.Fatal("no session with transactions to lengthen")
	}
	rep.Sessions = append(rep.Sessions[:10:10], append([]*report.Session{long}, rep.Sessions[10:]...)...)
	doc := func(src report.SessionSource) []byte {
		var b bytes.Buffer
		if err := report.WriteJSON(&b, &report.Report{Tool: "imapscope", Source: src}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, byStart := range []bool{false, true} {
		want := doc(spilled(t, rep, byStart))
		if !bytes.Contains(want, []byte(`"id": 11,`)) || len(want) < 1<<20 {
			t.Fatalf("reference document of %d bytes lacks the long session", len(want))
		}
		for _, budget := range []int64{0, 20 << 10, 1 << 30} {
			st := jsonStore(t, rep, byStart, budget)
			if !st.RendersJSON() || st.KeepsTxns() {
				t.Fatalf("RendersJSON %v, KeepsTxns %v", st.RendersJSON(), st.KeepsTxns())
			}
			got := doc(st)
			if !bytes.Equal(got, want) {
				t.Fatalf("byStart %v, budget %d: documents differ (%d vs %d bytes)", byStart, budget, len(got), len(want))
			}
			if err := st.Each(func(*report.Session) error { return nil }); err == nil || !strings.Contains(err.Error(), "rendered") {
				t.Errorf("Each on a store of renderings: %v", err)
			}
			// The long session goes to the file whatever the budget.
			if st.off == 0 || (len(st.mem) > 0) != (budget > 0) {
				t.Errorf("budget %d: %d bytes in the file, %d in memory", budget, st.off, len(st.mem))
			}
		}
	}
}
