package pipeline

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/report"
)

// spilled adds the sessions of rep to a new spilling store, in shuffled
// order (as they end), every third one as filtered out.
func spilled(t *testing.T, rep *report.Report, byStart bool) *SessionStore {
	t.Helper()
	st, err := NewSessionStore(true, byStart)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.budget = 0 // every session through the file
	addShuffled(t, st, rep)
	return st
}

// addShuffled adds the sessions of rep to st in shuffled order (as they
// end), every third one as filtered out.
func addShuffled(t *testing.T, st *SessionStore, rep *report.Report) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, i := range rng.Perm(len(rep.Sessions)) {
		s := rep.Sessions[i]
		if err := st.Add(st.Position(uint64(i), s), s, i%3 != 2); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSessionStoreOrder checks that sessions added in any order come back
// in position order, numbered by their rank among all sessions (the
// filtered-out ones keep their numbers), and equal to what went in.
func TestSessionStoreOrder(t *testing.T) {
	rep := collect(t, secretshapes.Variants()[:40], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	for _, byStart := range []bool{false, true} {
		st := spilled(t, rep, byStart)
		if want := len(rep.Sessions) - len(rep.Sessions)/3; st.Len() != want {
			t.Errorf("Len %d, want %d", st.Len(), want)
		}
		n := 0
		err := st.Each(func(s *report.Session) error {
			i := s.ID - 1
			if i%3 == 2 {
				t.Fatalf("session %d was filtered out", s.ID)
			}
			want := *rep.Sessions[i]
			want.ID = s.ID
			a, _ := report.MarshalJSON(&report.Report{Sessions: []*report.Session{s}})
			b, _ := report.MarshalJSON(&report.Report{Sessions: []*report.Session{&want}})
			if string(a) != string(b) {
				t.Fatalf("session %d changed in the spill:\n%s\nwant\n%s", s.ID, a, b)
			}
			if id := st.ID(st.Position(uint64(i), rep.Sessions[i])); id != s.ID {
				t.Errorf("ID %d, Each numbered it %d", id, s.ID)
			}
			n++
			return nil
		})
		if err != nil || n != st.Len() {
			t.Fatalf("Each: %d sessions, %v", n, err)
		}
	}
}

// TestSessionStoreFile checks that the spill file never appears in the
// temporary directory (it is unlinked at once) and that a read error is
// reported, not taken for the end of the sessions.
func TestSessionStoreFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rep := collect(t, secretshapes.Variants()[:5], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	st := spilled(t, rep, false)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spill file visible in %s: %v", dir, ents)
	}
	if fi, err := st.f.Stat(); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("spill file mode %v (%v), want 0600", fi.Mode(), err)
	}
	if err := st.sort(); err != nil {
		t.Fatal(err)
	}
	st.f.Close() // the file goes away under the reader
	err := st.Each(func(*report.Session) error { return nil })
	if err == nil || !errors.Is(err, os.ErrClosed) || !strings.Contains(err.Error(), "spill file") {
		t.Errorf("Each on a closed spill file: %v", err)
	}
	if _, err := NewSessionStore(true, false); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", dir+"/missing")
	if _, err := NewSessionStore(true, false); err == nil || !strings.Contains(err.Error(), "spill file") {
		t.Errorf("spill file in a missing directory: %v", err)
	}
}

// TestSessionStoreRedacted checks that the spill file, of sessions or of
// their JSON renderings, holds no form of a password unless secrets are shown, and holds them when they are (so the
// check can fail).
func TestSessionStoreRedacted(t *testing.T) {
	convs := secretshapes.Variants()
	whole := func(secretshapes.Conv) []damage { return []damage{{at: -1}} }
	raw := func(opts dissect.Options, rendered bool) string {
		rep := collect(t, convs, whole, opts)
		st := spilled(t, rep, false)
		if rendered {
			st = jsonStore(t, rep, false, 0, false)
		}
		if err := st.sort(); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, st.off)
		if _, err := st.f.ReadAt(b, 0); err != nil {
			t.Fatal(err)
		}
		return strings.ToLower(string(b))
	}
	for _, rendered := range []bool{false, true} {
		out := raw(dissect.Options{}, rendered)
		for _, f := range secretshapes.MarkerForms() {
			if strings.Contains(out, f) {
				t.Errorf("%q in the spill file without ShowSecrets (rendered as JSON: %v)", f, rendered)
			}
		}
		if shown := raw(dissect.Options{ShowSecrets: true}, rendered); !strings.Contains(shown, strings.ToLower(secretshapes.Marker)) {
			t.Errorf("with ShowSecrets the spill file holds no password (rendered as JSON: %v): the check above proves nothing", rendered)
		}
	}
}

// TestSessionStoreNumbersWithoutFile checks the store of a statistics-only
// run: no file, and the same numbers as a spilling store.
func TestSessionStoreNumbersWithoutFile(t *testing.T) {
	rep := collect(t, secretshapes.Variants()[:30], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	for _, byStart := range []bool{false, true} {
		spill := spilled(t, rep, byStart)
		bare, err := NewSessionStore(false, byStart)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(rep.Sessions) - 1; i >= 0; i-- {
			s := rep.Sessions[i]
			if err := bare.Add(bare.Position(uint64(i), s), s, i%3 != 2); err != nil {
				t.Fatal(err)
			}
		}
		if bare.f != nil || bare.Len() != spill.Len() {
			t.Fatalf("file %v, Len %d, want %d", bare.f, bare.Len(), spill.Len())
		}
		for i, s := range rep.Sessions {
			p := bare.Position(uint64(i), s)
			if a, b := bare.ID(p), spill.ID(p); a != b || a != i+1 {
				t.Errorf("session %d: ID %d without file, %d with", i, a, b)
			}
		}
	}
}
