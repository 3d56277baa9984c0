package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/imapscope/imapscope/reassembly"
	"github.com/schollz/progressbar/v3"
)

// progressMinBytes is the input size from which a progress bar is shown.
const progressMinBytes = 4 << 20

// progress draws a bar on standard error while the inputs are read: bytes
// read of total, rate, ETA and sessions found. The zero-cost nil *progress is
// used when no bar is shown.
type progress struct {
	bar      *progressbar.ProgressBar
	sessions atomic.Int64
	last     int64
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

// hook is the reassembly.Options.Progress function (nil when p is nil).
// It is called from the reading goroutine only.
func (p *progress) hook() func(int64) {
	if p == nil {
		return nil
	}
	return func(n int64) {
		if n-p.last < 256<<10 { // redraw at most every 256 KiB
			return
		}
		p.last = n
		p.bar.Describe(fmt.Sprintf("reading (%d sessions)", p.sessions.Load()))
		_ = p.bar.Set64(n)
	}
}

// factory wraps f to count the sessions found (f itself when p is nil).
func (p *progress) factory(f reassembly.ConnFactory) reassembly.ConnFactory {
	if p == nil {
		return f
	}
	return countingFactory{f: f, n: &p.sessions}
}

// done removes the bar.
func (p *progress) done() {
	if p == nil {
		return
	}
	_ = p.bar.Finish()
	_ = p.bar.Clear()
}

// countingFactory counts the connections it starts.
type countingFactory struct {
	f reassembly.ConnFactory
	n *atomic.Int64
}

// Workers passes the worker count on to a reassembly.ProgressFactory.
func (c countingFactory) Workers(n int) {
	if p, ok := c.f.(reassembly.ProgressFactory); ok {
		p.Workers(n)
	}
}

// Progress passes worker progress on to a reassembly.ProgressFactory.
func (c countingFactory) Progress(w int, key uint64) {
	if p, ok := c.f.(reassembly.ProgressFactory); ok {
		p.Progress(w, key)
	}
}

// NewConn counts one connection and delegates.
func (c countingFactory) NewConn(info reassembly.ConnInfo) reassembly.Conn {
	c.n.Add(1)
	return c.f.NewConn(info)
}
