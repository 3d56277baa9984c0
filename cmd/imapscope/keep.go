package main

import (
	"io"

	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/report"
)

// keeper receives the sessions of a run as they end (pipeline.Stream.Kept)
// for the outputs written as one document at the end: it applies the
// filters, feeds the statistics (computed as sessions end, never from a
// list of them) and, unless only statistics are printed, keeps the
// sessions in a pipeline.SessionStore: for json and table (one input)
// only until their order settles, when they go on to the document
// (streamDocument); otherwise in a spill file, read back in report order
// at the end. Memory then holds the sessions open at a time, not all.
type keeper struct {
	filter func(*report.Session) *report.Session
	stats  *report.StatsAccumulator // nil without statistics
	store  *pipeline.SessionStore
	spill  bool // the store keeps the sessions (not only statistics)
}

// newKeeper returns the keeper of a read (or stats) run; sessions are kept
// unless only the statistics are written. byStart orders sessions by start
// time (several inputs).
func newKeeper(cfg readConfig, format string, byStart bool) (*keeper, error) {
	k := &keeper{}
	var err error
	if k.filter, err = cfg.filter.Func(); err != nil {
		return nil, err
	}
	// The HTML page computes its own figures (report/html_acc.go); it
	// shows the statistics only with --stats.
	if cfg.stats {
		k.stats = report.NewStatsAccumulator(report.StatsOptions{Top: topOrNone(cfg.top)})
	}
	k.spill = !cfg.statsOnly
	if k.store, err = pipeline.NewSessionStore(k.spill, byStart); err != nil {
		return nil, err
	}
	if format == "json" {
		k.store.RenderJSON() // rendered once as each ends, copied at the end (no-op without a file)
	}
	k.store.Async() // kept beside the dissection
	return k, nil
}

// streamDocument makes k hand the sessions of a json or table document
// on as their order settles, during the read (pipeline/store_stream.go):
// the JSON document is written to w as it goes, the table's rows and
// sections are made. Only one input is streamed: several are ordered by
// start time, known only at the end (the store then ignores the stream).
func (k *keeper) streamDocument(w io.Writer, format string, cfg readConfig, tty bool, pc *pipeline.Config) error {
	if cfg.statsOnly {
		return nil
	}
	switch format {
	case "json":
		k.store.StreamJSON(report.NewJSONStream(w, pc.Tool, pc.Inputs))
	case "table":
		t, err := report.NewTableStream(w, tableOptions(cfg, tty))
		if err != nil {
			return err
		}
		k.store.StreamTable(t)
	}
	return nil
}

// stream returns the pipeline stream that feeds k.
func (k *keeper) stream() pipeline.Stream {
	return pipeline.Stream{Kept: k.kept, Settled: k.store.Settled}
}

// kept takes one ended session.
func (k *keeper) kept(seq uint64, s *report.Session) error {
	pos := k.store.Position(seq, s)
	ks := k.filter(s)
	if ks != nil && k.stats != nil {
		k.stats.Add(ks, pos)
	}
	err := k.store.Add(pos, ks, ks != nil)
	if ks == nil || ks.Spilled == nil || !k.spill {
		s.ReleaseTxns() // not kept: its spilled transactions are not read again
	}
	return err
}

// write completes rep (sessions from the store, statistics) and writes it.
func (k *keeper) write(w io.Writer, rep *report.Report, format string, cfg readConfig, tty bool) error {
	cp := *rep
	cp.Sessions, cp.Source = nil, k.store
	if k.stats != nil {
		cp.Stats = k.stats.Stats(k.store.ID)
	}
	return writeReport(w, &cp, format, cfg, tty)
}

// close removes the spill file.
func (k *keeper) close() error { return k.store.Close() }
