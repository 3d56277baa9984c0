package pipeline

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/report"
)

// jsonStore adds the sessions of rep to a new store that holds them
// rendered, shuffled as spilled does, with budget bytes allowed in memory.
func jsonStore(t *testing.T, rep *report.Report, byStart bool, budget int64, async bool) *SessionStore {
	t.Helper()
	st, err := NewSessionStore(true, byStart)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.RenderJSON()
	st.budget = budget
	if async {
		st.Async()
	}
	addShuffled(t, st, rep)
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
// (all in memory, some, none), the order, with a session long enough to
// be rendered into the file piece by piece, and on the store's own
// goroutine (Async) or not.
func TestSessionStoreJSON(t *testing.T) {
	base := collect(t, secretshapes.Variants()[:40], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	var short *report.Session
	for _, s := range base.Sessions {
		if len(s.Transactions) > 0 {
			short = s
			break
		}
	}
	if short == nil {
		t.Fatal("no session with transactions to lengthen")
	}
	// withLong returns the sessions with a long one among them, made anew:
	// a store that renders a session releases its spilled transactions.
	withLong := func() *report.Report {
		ss := append(base.Sessions[:10:10], longSession(t, short))
		return &report.Report{Sessions: append(ss, base.Sessions[10:]...)}
	}
	doc := func(src report.SessionSource) []byte {
		var b bytes.Buffer
		if err := report.WriteJSON(&b, &report.Report{Tool: "imapscope", Source: src}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, byStart := range []bool{false, true} {
		want := doc(spilled(t, withLong(), byStart))
		if !bytes.Contains(want, []byte(`"id": 11,`)) || len(want) < 1<<20 {
			t.Fatalf("reference document of %d bytes lacks the long session", len(want))
		}
		for i, budget := range []int64{0, 20 << 10, 1 << 30, 0, 20 << 10} {
			async := i >= 3
			st := jsonStore(t, withLong(), byStart, budget, async)
			if !st.RendersJSON() {
				t.Fatal("RendersJSON false after RenderJSON")
			}
			got := doc(st)
			if !bytes.Equal(got, want) {
				t.Fatalf("byStart %v, budget %d, async %v: documents differ (%d vs %d bytes)", byStart, budget, async, len(got), len(want))
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

// TestSessionStoreAsync checks that a store of encoded sessions taking them
// on its own goroutine numbers and yields what a synchronous one does.
func TestSessionStoreAsync(t *testing.T) {
	rep := collect(t, secretshapes.Variants()[:40], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	for _, budget := range []int64{0, 20 << 10} {
		sync := spilled(t, rep, false)
		async, err := NewSessionStore(true, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { async.Close() })
		async.budget = budget
		async.Async()
		for i := len(rep.Sessions) - 1; i >= 0; i-- {
			s := rep.Sessions[i]
			if err := async.Add(async.Position(uint64(i), s), s, i%3 != 2); err != nil {
				t.Fatal(err)
			}
		}
		var a, b bytes.Buffer
		if err := report.WriteJSON(&a, &report.Report{Source: sync}); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(&b, &report.Report{Source: async}); err != nil {
			t.Fatal(err)
		}
		if a.Len() < 1000 || !bytes.Equal(a.Bytes(), b.Bytes()) || async.Len() != sync.Len() {
			t.Fatalf("budget %d: async store differs (%d vs %d bytes, %d vs %d sessions)", budget, b.Len(), a.Len(), async.Len(), sync.Len())
		}
	}
}

// TestSessionStoreAsyncFileError checks that a spill file that fails under
// an asynchronous store of renderings makes the store fail, at a later Add
// or when it is read, and never loses the error or hangs.
func TestSessionStoreAsyncFileError(t *testing.T) {
	rep := collect(t, secretshapes.Variants()[:40], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	st, err := NewSessionStore(true, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.RenderJSON()
	st.budget = 0
	st.Async()
	st.f.Close() // the file goes away under the store
	var addErr error
	for round := 0; round < 20 && addErr == nil; round++ {
		for i, s := range rep.Sessions {
			if addErr = st.Add(st.Position(uint64(round*len(rep.Sessions)+i), s), s, true); addErr != nil {
				break
			}
		}
	}
	readErr := st.EachJSON(func(int, io.Reader) error { return nil })
	if readErr == nil || !strings.Contains(readErr.Error(), "spill file") {
		t.Errorf("EachJSON after the file failed: %v (Add: %v)", readErr, addErr)
	}
	if addErr != nil && !strings.Contains(addErr.Error(), "spill file") {
		t.Errorf("Add after the file failed: %v", addErr)
	}
}
