package pipeline

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

var (
	benchOnce sync.Once
	benchCap  []byte
	benchSum  benchgen.Summary
)

// benchCapture is a deterministic synthetic capture (about 30 MB) shaped
// like real traffic, generated once per test binary.
func benchCapture(b *testing.B) ([]byte, benchgen.Summary) {
	benchOnce.Do(func() {
		var err error
		benchCap, benchSum, err = benchgen.Capture(benchgen.Options{Sessions: 150, Seed: 7, Concurrency: 50})
		if err != nil {
			b.Fatal(err)
		}
	})
	return benchCap, benchSum
}

// runEngine reads the in-memory capture through a one-worker engine.
func runEngine(b *testing.B, data []byte, f reassembly.ConnFactory) reassembly.Stats {
	e := reassembly.NewEngine(reassembly.Options{Workers: 1}, f)
	if err := e.ReadFrom(context.Background(), "bench", bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	return e.Close()
}

// BenchmarkFloor is the cost of merely reading and reassembling the capture.
func BenchmarkFloor(b *testing.B) {
	data, sum := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runEngine(b, data, &reassembly.CountingFactory{})
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { runEngine(b, data, &reassembly.CountingFactory{}) }))/float64(sum.Packets), "allocs/packet")
}

// BenchmarkFull is the whole pipeline: reassembly, dissection, the report
// data, and JSON rendering to a discarded buffer.
func BenchmarkFull(b *testing.B) {
	data, sum := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	full := func() {
		col := NewCollector(dissect.Options{}, nil)
		runEngine(b, data, col)
		var out bytes.Buffer
		if err := report.WriteJSON(&out, &report.Report{Sessions: col.Sessions()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		full()
	}
	b.ReportMetric(testing.AllocsPerRun(1, full)/float64(sum.Packets), "allocs/packet")
}

// TestBenchCaptureDissectedExactly checks the benchmark's input is dissected
// completely: every generated command is found, completed OK, none invented.
func TestBenchCaptureDissectedExactly(t *testing.T) {
	data, sum, err := benchgen.Capture(benchgen.Options{Sessions: 40, Seed: 3, Concurrency: 20})
	if err != nil {
		t.Fatal(err)
	}
	col := NewCollector(dissect.Options{}, nil)
	e := reassembly.NewEngine(reassembly.Options{Workers: 2}, col)
	if err := e.ReadFrom(context.Background(), "gen", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	got := map[string]int{}
	total := 0
	for _, s := range col.Sessions() {
		if len(s.Anomalies) != 0 {
			t.Errorf("session %d anomalies %+v", s.ID, s.Anomalies)
		}
		for _, x := range s.Transactions {
			if x.Status != "OK" {
				t.Errorf("session %d %s %s status %q", s.ID, x.Tag, x.Command, x.Status)
			}
			got[x.Command]++
			total++
		}
	}
	if len(col.Sessions()) != sum.Sessions || total != sum.Commands {
		t.Fatalf("%d sessions %d commands, generated %d and %d", len(col.Sessions()), total, sum.Sessions, sum.Commands)
	}
	for k, n := range sum.CommandsByKind {
		if got[k] != n {
			t.Errorf("%s: %d, generated %d", k, got[k], n)
		}
	}
}
