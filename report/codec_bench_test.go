package report_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// codecCorpus is a set of sessions dissected from a generated capture,
// as the session store spills them, with their transaction count.
type codecCorpus struct {
	sessions []*report.Session
	txns     int
}

var (
	codecCorpusOnce sync.Once
	codecCorpora    map[string]*codecCorpus
)

// dissected returns the sessions of a benchgen capture with opts.
func dissected(b *testing.B, opts benchgen.Options) *codecCorpus {
	data, _, err := benchgen.Capture(opts)
	if err != nil {
		b.Fatal(err)
	}
	col := pipeline.NewCollector(dissect.Options{}, pipeline.Stream{})
	e := reassembly.NewEngine(reassembly.Options{Workers: 1}, col)
	if err := e.ReadFrom(context.Background(), "bench", bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	e.Close()
	c := &codecCorpus{sessions: col.Sessions()}
	for _, s := range c.sessions {
		c.txns += len(s.Transactions)
	}
	return c
}

// corpora returns the benchmark sessions: "mixed" the full conversations
// of the 100 MB and 1 GB benchmark captures (seed 1), "short" the
// login-select-logout sessions of the million-session run, "long" one
// session of 20,000 commands (which TxnFile would spill in blocks).
func corpora(b *testing.B) map[string]*codecCorpus {
	codecCorpusOnce.Do(func() {
		codecCorpora = map[string]*codecCorpus{
			"mixed": dissected(b, benchgen.Options{Sessions: 40, Seed: 1}),
			"short": dissected(b, benchgen.Options{Sessions: 2000, Seed: 1, Shape: benchgen.ShapeShort}),
			"long":  dissected(b, benchgen.Options{Seed: 1, Shape: benchgen.ShapeLong, Commands: 20000}),
		}
	})
	return codecCorpora
}

// BenchmarkSessionCodec encodes (AppendSession) and decodes
// (DecodeSession) every session of each corpus per iteration; ns/txn and
// the allocations are per transaction.
func BenchmarkSessionCodec(b *testing.B) {
	for _, name := range []string{"mixed", "short", "long"} {
		c := corpora(b)[name]
		var recs [][]byte
		size := 0
		for _, s := range c.sessions {
			rec, err := report.AppendSession(nil, s)
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, rec)
			size += len(rec)
		}
		b.Run(name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for range b.N {
				for _, s := range c.sessions {
					buf, _ = report.AppendSession(buf[:0], s)
				}
			}
			perTxn(b, c.txns)
		})
		b.Run(name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				for _, rec := range recs {
					if _, err := report.DecodeSession(rec); err != nil {
						b.Fatal(err)
					}
				}
			}
			perTxn(b, c.txns)
			b.ReportMetric(float64(size)/float64(c.txns), "B/txn-encoded")
			b.ReportMetric(testing.AllocsPerRun(1, func() {
				for _, rec := range recs {
					report.DecodeSession(rec)
				}
			})/float64(c.txns), "allocs/txn")
		})
	}
}

// perTxn reports time and allocations per transaction of the corpus.
func perTxn(b *testing.B, txns int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(txns), "ns/txn")
}
