package main

import (
	"fmt"
	"io"
	"time"

	"github.com/imapscope/imapscope/reassembly"
	"github.com/schollz/progressbar/v3"
)

// progressMinBytes is the input size from which a progress bar is shown.
const progressMinBytes = 4 << 20

// progressRedrawBytes is how much input is read between two redraws.
const progressRedrawBytes = 256 << 10

// progress draws a bar on standard error while the inputs are read: bytes
// read of total, rate, ETA and sessions found. The zero-cost nil *progress is
// used when no bar is shown.
type progress struct {
	bar  *progressbar.ProgressBar
	last int64
}

// newProgress returns a progress bar for inputs, or nil when none should be
// shown: quiet, standard error not a terminal, size unknown (stdin) or small.
func newProgress(stderr io.Writer, inputs []string, quiet bool) *progress {
	if quiet || !isTerminal(stderr) {
		return nil
	}
	size, ok := reassembly.InputSize(inputs)
	if !ok || size < progressMinBytes {
		return nil
	}
	return &progress{bar: progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("reading"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)}
}

// hook is the pipeline.Config.Progress function (nil when p is nil): bytes
// read and connections found so far. It is called from the reading
// goroutine only.
func (p *progress) hook() func(bytesRead, connections int64) {
	if p == nil {
		return nil
	}
	return func(n, conns int64) {
		if n-p.last < progressRedrawBytes {
			return
		}
		p.last = n
		p.bar.Describe(fmt.Sprintf("reading (%d sessions)", conns))
		_ = p.bar.Set64(n)
	}
}

// done removes the bar.
func (p *progress) done() {
	if p == nil {
		return
	}
	_ = p.bar.Finish()
	_ = p.bar.Clear()
}
