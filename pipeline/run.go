package pipeline

import (
	"context"
	"fmt"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/reassembly/live"
	"github.com/imapscope/imapscope/report"
)

// Config says what Run reads, how it dissects and where results go.
type Config struct {
	// Inputs are the capture files, read in order ("-": standard input).
	// They are ignored when Live is set.
	Inputs []string
	// Live, if set, captures from a network interface instead.
	Live *LiveConfig
	// Reassembly and Dissect configure the two layers.
	Reassembly reassembly.Options
	Dissect    dissect.Options
	// Tool names the program in the report.
	Tool string
	// NoDissect only reassembles and counts bytes (the benchmark floor):
	// the Result has Counted and a report without sessions.
	NoDissect bool
	// Stream, if its Session or Kept is set, receives sessions (and
	// transactions) as they end instead of the report keeping them.
	Stream Stream
	// Progress, if set, is called from the reading goroutine with the
	// input bytes read so far and the connections started (files only).
	Progress func(bytesRead, connections int64)
}

// LiveConfig configures a live capture.
type LiveConfig struct {
	// Source is the interface, filter and socket to open.
	Source live.Config
	// Run bounds the capture and adds statistics and a pcapng copy.
	Run live.RunOptions
	// Opened, if set, is called once the socket is open and before any
	// packet is read (to drop privileges, to announce the capture). An
	// error ends Run before the capture.
	Opened func(*live.Source) error
}

// Result is what Run produced.
type Result struct {
	// Report holds the capture statistics and, unless streamed, the
	// sessions in first-packet order.
	Report *report.Report
	// Stats are the reassembly layer's counters.
	Stats reassembly.Stats
	// Counted are the byte counts of a NoDissect run.
	Counted reassembly.CountingTotals
	// Live are the live capture's counters (Live runs only).
	Live live.Stats
	// Captured says a Live run got as far as capturing (the socket opened
	// and Opened succeeded); an error then came from the capture itself.
	Captured bool
}

// Run reads the inputs (or the live capture) through reassembly and
// dissection until they end, ctx is done or the capture stops. The error is
// the first Stream error (an *OutputError), else the input's or the
// capture's; the Result holds everything read before it.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var f reassembly.ConnFactory
	var col *Collector
	var counting *reassembly.CountingFactory
	if cfg.NoDissect {
		counting = new(reassembly.CountingFactory)
		f = counting
	} else {
		col = NewCollector(cfg.Dissect, cfg.Stream)
		f = col
	}
	var res Result
	var err error
	if cfg.Live != nil {
		res, err = runLive(ctx, cfg, f)
	} else {
		ropts := cfg.Reassembly
		// A dissector is much code: the workers call it in batches, with
		// one worker on a goroutine of its own (reassembly/delivery.go);
		// the counting floor is called at once.
		ropts.BatchDelivery = col != nil
		if cfg.Progress != nil {
			ropts.Progress = func(n int64) {
				var conns int64
				if col != nil {
					conns = col.Seen()
				}
				cfg.Progress(n, conns)
			}
		}
		res.Stats, err = reassembly.Run(ctx, cfg.Inputs, ropts, f)
	}
	res.Report = &report.Report{Tool: cfg.Tool, Inputs: cfg.Inputs, Capture: CaptureStats(res.Stats)}
	if counting != nil {
		res.Counted = counting.Totals()
		return res, err
	}
	res.Report.Capture.EmptyConnections = col.Empty()
	if cfg.Stream.Session == nil && cfg.Stream.Kept == nil {
		res.Report.Sessions = col.Sessions()
		if len(cfg.Inputs) > 1 {
			// Files are read one after the other; their sessions may
			// interleave in time.
			report.OrderByStart(res.Report.Sessions)
		}
	}
	if serr := col.Err(); serr != nil {
		return res, &OutputError{Err: serr}
	}
	return res, err
}

// OutputError is a Stream function's error: the output could not be
// written (the input may have been fine).
type OutputError struct{ Err error }

func (e *OutputError) Error() string { return "pipeline: writing output: " + e.Err.Error() }

// Unwrap returns the Stream function's error.
func (e *OutputError) Unwrap() error { return e.Err }

// runLive opens the capture, feeds it to f until it stops, and ends every
// session still open.
func runLive(ctx context.Context, cfg Config, f reassembly.ConnFactory) (Result, error) {
	var res Result
	src, err := live.Open(cfg.Live.Source)
	if err != nil {
		return res, err
	}
	defer src.Close()
	if cfg.Live.Opened != nil {
		if err := cfg.Live.Opened(src); err != nil {
			return res, err
		}
	}
	res.Captured = true
	tr := live.NewTracker(f)
	eng := reassembly.NewEngine(cfg.Reassembly, tr)
	res.Live, err = live.Run(ctx, src, eng, tr, cfg.Live.Run)
	res.Stats = eng.Close() // ends every open session
	res.Live.Open, res.Live.Sessions = tr.Open(), tr.Total()
	if err != nil {
		err = fmt.Errorf("pipeline: capture: %w", err)
	}
	return res, err
}
