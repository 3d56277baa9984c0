package pipeline

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// endOrder returns the indexes 0..n-1 in the order sessions would end when
// up to window of them are open at a time: each window ends shuffled.
func endOrder(n, window int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, seed))
	var order []int
	for lo := 0; lo < n; lo += window {
		hi := min(lo+window, n)
		for _, i := range rng.Perm(hi - lo) {
			order = append(order, lo+i)
		}
	}
	return order
}

// TestSessionStoreStreamJSON checks that a store streaming the JSON
// document as the order settles writes the very document of a store that
// holds every session to the end, whatever the memory budget, the window
// of sessions out of order, with a long session rendered piece by piece,
// filtered-out sessions, and on the store's goroutine or not; that it
// writes while sessions are still being added; and that memory and the
// file hold only what waits.
func TestSessionStoreStreamJSON(t *testing.T) {
	base := collect(t, secretshapes.Variants()[:60], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	var short *report.Session
	for _, s := range base.Sessions {
		if len(s.Transactions) > 0 {
			short = s
			break
		}
	}
	withLong := func() *report.Report {
		ss := append(base.Sessions[:10:10], longSession(t, short))
		return &report.Report{Sessions: append(ss, base.Sessions[10:]...)}
	}
	rep0 := &report.Report{Tool: "imapscope test", Inputs: []string{"a.pcap"}}
	var want bytes.Buffer
	ref := *rep0
	ref.Source = spilled(t, withLong(), false)
	if err := report.WriteJSON(&want, &ref); err != nil {
		t.Fatal(err)
	}
	long, err := report.AppendSessionJSON(nil, withLong().Sessions[10], nil)
	if err != nil {
		t.Fatal(err)
	}
	longLen := int64(len(long))
	defer func(v int64) { reclaimAfter = v }(reclaimAfter)
	reclaimAfter = 0 // move what waits at every chance
	for _, budget := range []int64{0, 20 << 10, 1 << 30} {
		for _, window := range []int{1, 4, 25} {
			for _, async := range []bool{false, true} {
				rep := withLong()
				st, err := NewSessionStore(true, false)
				if err != nil {
					t.Fatal(err)
				}
				st.RenderJSON()
				st.budget = budget
				var got bytes.Buffer
				st.StreamJSON(report.NewJSONStream(&got, rep0.Tool, rep0.Inputs))
				if async {
					st.Async()
				}
				order := endOrder(len(rep.Sessions), window, uint64(window))
				ended := make([]bool, len(rep.Sessions))
				next, halfway := 0, 0 // first session not ended; document length halfway
				for j, i := range order {
					s := rep.Sessions[i]
					if err := st.Add(st.Position(uint64(i), s), s, i%3 != 2); err != nil {
						t.Fatal(err)
					}
					ended[i] = true
					for next < len(ended) && ended[next] {
						next++
					}
					if err := st.Settled(uint64(next)); err != nil {
						t.Fatal(err)
					}
					if !async && int64(len(st.mem)) > 2*st.out.live {
						t.Fatalf("budget %d window %d: %d bytes in memory for %d waiting", budget, window, len(st.mem), st.out.live)
					}
					if j == len(order)/2 && !async {
						halfway = got.Len()
					}
				}
				if !async && halfway == 0 {
					t.Errorf("budget %d window %d: nothing written halfway through the sessions", budget, window)
				}
				// With room in memory, only the long session (rendered piece
				// by piece) goes through the file.
				if !async && budget == 1<<30 && st.off != longLen {
					t.Errorf("window %d: %d bytes in the file, want the long session's %d", window, st.off, longLen)
				}
				if _, err := st.EndJSONSessions(); err != nil {
					t.Fatal(err)
				}
				fin := *rep0
				fin.Source = st
				if err := report.WriteJSON(&got, &fin); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("budget %d window %d async %v: documents differ (%d vs %d bytes)", budget, window, async, got.Len(), want.Len())
				}
				for i := range rep.Sessions {
					if id := st.ID(st.Position(uint64(i), rep.Sessions[i])); id != i+1 {
						t.Fatalf("ID of session %d: %d", i, id)
					}
				}
				st.Close()
			}
		}
	}
}

// TestJSONStreamReportMismatch checks that a document begun for one tool
// and inputs is not ended with another report's, and that a stream with
// nothing in it writes nothing until it ends.
func TestJSONStreamReportMismatch(t *testing.T) {
	st, err := NewSessionStore(true, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.RenderJSON()
	var b bytes.Buffer
	st.StreamJSON(report.NewJSONStream(&b, "imapscope", []string{"a.pcap"}))
	if err := st.Settled(10); err != nil || b.Len() != 0 {
		t.Fatalf("empty stream: %v, %d bytes written", err, b.Len())
	}
	err = report.WriteJSON(&b, &report.Report{Tool: "imapscope", Inputs: []string{"b.pcap"}, Source: st})
	if err == nil || !strings.Contains(err.Error(), "inputs") {
		t.Errorf("ending another report's document: %v", err)
	}
}

// settleLog records, in order, what a Collector hands to Stream.Kept and
// Stream.Settled.
type settleLog struct {
	mu     sync.Mutex
	kept   []uint64
	bounds []uint64 // bound, and how many sessions were kept before it
	before []int
}

// TestCollectorSettled checks the bound the Collector passes to
// Stream.Settled, for one and several workers and for a capture read from
// a pipe: it only grows, and when it is given every session ordered before
// it has already been kept, while it still comes well before the end of
// the capture; the last one is math.MaxUint64.
func TestCollectorSettled(t *testing.T) {
	inputs := map[string]string{"dovecot concurrent": "../pcaps/dovecot/concurrent.pcap"}
	for name, opts := range map[string]benchgen.Options{
		"benchgen":            {Sessions: 300, Seed: 3, Concurrency: 20},
		"benchgen one by one": {Sessions: 300, Seed: 4, Concurrency: 1},
	} {
		gen, _, err := benchgen.Capture(opts)
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = filepath.Join(t.TempDir(), "gen.pcap")
		if err := os.WriteFile(inputs[name], gen, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, in := range inputs {
		for _, workers := range []int{1, 2, 3} {
			var lg settleLog
			st := Stream{
				Kept: func(seq uint64, _ *report.Session) error {
					lg.mu.Lock()
					defer lg.mu.Unlock()
					lg.kept = append(lg.kept, seq)
					return nil
				},
				Settled: func(seq uint64) error {
					lg.mu.Lock()
					defer lg.mu.Unlock()
					lg.bounds = append(lg.bounds, seq)
					lg.before = append(lg.before, len(lg.kept))
					return nil
				},
			}
			cfg := Config{Inputs: []string{in}, Reassembly: reassembly.Options{Workers: workers}, Stream: st}
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			checkSettled(t, name, workers, &lg)
		}
	}
}

// checkSettled checks the log of one run (TestCollectorSettled).
func checkSettled(t *testing.T, name string, workers int, lg *settleLog) {
	t.Helper()
	if len(lg.kept) < 2 || len(lg.bounds) == 0 {
		t.Fatalf("%s, %d workers: %d sessions kept, %d bounds", name, workers, len(lg.kept), len(lg.bounds))
	}
	if last := lg.bounds[len(lg.bounds)-1]; last != math.MaxUint64 {
		t.Errorf("%s, %d workers: last bound %d", name, workers, last)
	}
	all := slices.Clone(lg.kept)
	slices.Sort(all)
	early := 0
	for j, b := range lg.bounds {
		if j > 0 && b <= lg.bounds[j-1] {
			t.Fatalf("%s, %d workers: bound %d after %d", name, workers, b, lg.bounds[j-1])
		}
		// Every session ordered before b is among the first before[j] kept.
		n, _ := slices.BinarySearch(all, b)
		keptSoFar := slices.Clone(lg.kept[:lg.before[j]])
		slices.Sort(keptSoFar)
		if !slices.Equal(keptSoFar[:min(n, len(keptSoFar))], all[:n]) || len(keptSoFar) < n {
			t.Fatalf("%s, %d workers: bound %d given before %d of the %d sessions ordered before it were kept", name, workers, b, n-min(n, len(keptSoFar)), n)
		}
		if b != math.MaxUint64 && n > 0 && lg.before[j] < len(lg.kept) {
			early++
		}
	}
	if strings.HasPrefix(name, "benchgen") && early < 5 {
		t.Errorf("%s, %d workers: only %d bounds settled sessions before the end", name, workers, early)
	}
}

// TestSessionStoreStreamTable checks that a store giving its sessions to a
// report.TableStream as their order settles makes the very tables of a
// store that holds every session to the end, whatever the memory budget
// (sessions held as they are, or encoded in the file and decoded), the
// window of sessions out of order, with a long session whose transactions
// were moved to a TxnFile, filtered-out sessions, and on the store's
// goroutine or not.
func TestSessionStoreStreamTable(t *testing.T) {
	base := collect(t, secretshapes.Variants()[:60], func(secretshapes.Conv) []damage { return []damage{{at: -1}} }, dissect.Options{})
	withLong := func() *report.Report {
		ss := append(base.Sessions[:10:10], longSession(t, base.Sessions[0]))
		return &report.Report{Sessions: append(ss, base.Sessions[10:]...)}
	}
	var want bytes.Buffer
	if err := report.WriteTable(&want, &report.Report{Source: spilled(t, withLong(), false)}, report.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int64{0, 20 << 10, 1 << 30} {
		for _, window := range []int{1, 25} {
			for _, async := range []bool{false, true} {
				rep := withLong()
				st, err := NewSessionStore(true, false)
				if err != nil {
					t.Fatal(err)
				}
				st.budget = budget
				var got bytes.Buffer
				tab, err := report.NewTableStream(&got, report.TableOptions{})
				if err != nil {
					t.Fatal(err)
				}
				st.StreamTable(tab)
				if async {
					st.Async()
				}
				ended := make([]bool, len(rep.Sessions))
				next := 0
				for _, i := range endOrder(len(rep.Sessions), window, uint64(window)) {
					s := rep.Sessions[i]
					if err := st.Add(st.Position(uint64(i), s), s, i%3 != 2); err != nil {
						t.Fatal(err)
					}
					ended[i] = true
					for next < len(ended) && ended[next] {
						next++
					}
					if err := st.Settled(uint64(next)); err != nil {
						t.Fatal(err)
					}
				}
				if !async && window == 1 && len(st.out.waiting) > 0 {
					t.Errorf("budget %d: %d sessions wait after every one settled", budget, len(st.out.waiting))
				}
				if err := report.WriteTable(&got, &report.Report{Source: st}, report.TableOptions{}); err != nil {
					t.Fatal(err)
				}
				if got.Len() < 1000 || !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("budget %d window %d async %v: tables differ (%d vs %d bytes)", budget, window, async, got.Len(), want.Len())
				}
				if err := st.Each(func(*report.Session) error { return nil }); err == nil {
					t.Error("Each on a streaming store")
				}
				st.Close()
			}
		}
	}
}
