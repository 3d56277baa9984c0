package pipeline

import (
	"fmt"
	"sync"

	"github.com/imapscope/imapscope/report"
)

// A Collector streaming sessions alone (Stream.Session without
// Stream.Transaction) makes the Session calls on a goroutine of its own
// when a second CPU can run it: rendering a session line is a large part
// of a short session's cost, and on the dissecting goroutine it held back
// the dissection (jsonl took half as long again as json, whose store
// renders beside it). The calls keep their order, one at a time. Sessions
// released by one release pass are handed over together, so no session
// waits for a later packet; a long session whose transactions were
// spilled is written on the collector's goroutine once the writer has
// caught up, since its transactions are released right after the call.
// Flush and Err wait for the writer to catch up.

// sessionWriterDepth bounds the batches handed over and not yet written,
// and sessionWriterBatch the sessions of one (a release pass that frees
// more hands them over in several): a slow output holds back the
// dissection instead of gathering sessions.
const (
	sessionWriterDepth = 4
	sessionWriterBatch = 256
)

// sessionWriter makes Stream.Session calls on its own goroutine.
type sessionWriter struct {
	write func(*report.Session) error
	in    chan writerBatch
	batch []*report.Session // released, not yet handed over
	done  chan struct{}     // closed when the goroutine ends

	mu  sync.Mutex
	err error // the first error of write
}

// writerBatch is a run of sessions to write; ack, if set, is closed once
// they (and every batch before) are written.
type writerBatch struct {
	sessions []*report.Session
	ack      chan struct{}
}

// newSessionWriter starts the goroutine making write's calls.
func newSessionWriter(write func(*report.Session) error) *sessionWriter {
	w := &sessionWriter{write: write, in: make(chan writerBatch, sessionWriterDepth), done: make(chan struct{})}
	go w.run()
	return w
}

// run writes the batches in order until the channel closes. After an
// error nothing more is written.
func (w *sessionWriter) run() {
	defer close(w.done)
	var failed bool
	for b := range w.in {
		for _, s := range b.sessions {
			if failed {
				break
			}
			if err := w.call(s); err != nil {
				failed = true
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		if b.ack != nil {
			close(b.ack)
		}
	}
}

// call makes one write call. A panic in it (a renderer's bug) would end
// the program from this goroutine, where no recover of reassembly's
// reaches: it becomes the output's error instead, and the output stops.
func (w *sessionWriter) call(s *report.Session) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pipeline: writing session %d: panic: %v", s.ID, r)
		}
	}()
	return w.write(s)
}

// add queues s, to be handed over at the end of the release pass, or at
// once when the batch is full.
func (w *sessionWriter) add(s *report.Session) {
	w.batch = append(w.batch, s)
	if len(w.batch) == sessionWriterBatch {
		w.handOver()
	}
}

// handOver gives the goroutine what add queued; it waits while the
// goroutine is sessionWriterDepth batches behind.
func (w *sessionWriter) handOver() {
	if len(w.batch) == 0 {
		return
	}
	w.in <- writerBatch{sessions: w.batch}
	w.batch = nil
}

// sync hands over what is queued and waits until everything is written,
// returning the first error.
func (w *sessionWriter) sync() error {
	ack := make(chan struct{})
	w.in <- writerBatch{sessions: w.batch, ack: ack}
	w.batch = nil
	<-ack
	return w.failed()
}

// failed returns the first error of write so far.
func (w *sessionWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// close writes what is queued and ends the goroutine.
func (w *sessionWriter) close() error {
	w.handOver()
	close(w.in)
	<-w.done
	return w.failed()
}
