package reassembly

import (
	"io"
	"io/fs"
	"time"
)

// Pushing results through when a streamed input pauses. A capture read
// from a pipe, a FIFO or a socket (tcpdump -U -w - | imapscope read -) may
// stop for minutes between packets; the packets read before the pause must
// not wait in a half-filled worker batch, nor their events in the
// ConnFactory's ordering queue, until more arrive. When a read of such an
// input has waited pushIdle, or pushEvery has passed since the last push
// while packets kept trickling in, the Engine pushes: the partial batches
// go to the workers, each followed by a mark saying that every packet
// before the next one has been sent, so that each worker reports that
// progress (a one-worker Engine reports it at once), and then Idle is
// called on a ConnFactory that is an Idler.
//
// A push changes when results come out, never what they are: marks carry
// no capture time (unlike flush passes, which end idle connections), and a
// worker's progress only lets the factory release what no worker can still
// precede, in event-key order. The output is the same for any pause pattern
// and any number of workers. A packet held for its timestamp (clock.go)
// waits for the next packet even through a pause: releasing it early would
// make the output depend on the pause.
//
// Regular files are read directly: a read there never waits for a writer.
const (
	// pushIdle is how long a read of a streamed input may wait before the
	// Engine pushes what it has.
	pushIdle = 20 * time.Millisecond
	// pushEvery bounds the time between two pushes while packets trickle in
	// without any read waiting pushIdle.
	pushEvery = 200 * time.Millisecond
)

// Idler is implemented by a ConnFactory that buffers its output: Idle is
// called when the input has paused, after the worker has reported its
// progress, so that what was released can be written out now. With workers
// it is called from each worker's goroutine in turn.
type Idler interface {
	Idle()
}

// statter is an input that can say what it is (an *os.File).
type statter interface {
	Stat() (fs.FileInfo, error)
}

// streamed reports whether r is an input that can pause: a pipe, FIFO,
// socket or terminal rather than a regular file.
func streamed(r io.Reader) bool {
	s, ok := r.(statter)
	if !ok {
		return false
	}
	fi, err := s.Stat()
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// readResult is the outcome of one Read of a pushReader's input.
type readResult struct {
	n   int
	err error
}

// pushReader reads a streamed input on a goroutine of its own, so that the
// reading goroutine can push (call push) while a read waits. The buffer of
// a read in progress belongs to that goroutine until the result is back;
// push must not touch it (the Engine's push only sends what was read
// before).
type pushReader struct {
	r     io.Reader
	push  func()
	reqs  chan []byte
	res   chan readResult
	timer *time.Timer
	last  time.Time // wall time of the last push
	// ready, if set, says how many bytes a read would get at once: then
	// the read runs here, without the hand-off to the reading goroutine
	// (two goroutine wake-ups per read: +25 % CPU on a piped 1 GB capture).
	ready func() (int, bool)
}

// newPushReader returns a reader over r that calls push when a read waits.
// It must be closed.
func newPushReader(r io.Reader, push func()) *pushReader {
	p := &pushReader{r: r, push: push, reqs: make(chan []byte), res: make(chan readResult, 1), last: time.Now(), ready: readyFunc(r)}
	p.timer = time.NewTimer(time.Hour)
	p.timer.Stop()
	go p.loop()
	return p
}

// loop runs the reads until the reader is closed.
func (p *pushReader) loop() {
	for b := range p.reqs {
		n, err := p.r.Read(b)
		p.res <- readResult{n, err}
	}
}

// Read reads from the input, pushing while it waits.
func (p *pushReader) Read(b []byte) (int, error) {
	if now := time.Now(); now.Sub(p.last) >= pushEvery {
		p.push()
		p.last = now
	}
	if p.ready != nil {
		if n, ok := p.ready(); ok && n > 0 {
			return p.r.Read(b) // data waiting: this read does not block
		}
	}
	p.reqs <- b
	p.timer.Reset(pushIdle)
	select {
	case r := <-p.res:
		p.timer.Stop()
		return r.n, r.err
	case <-p.timer.C:
	}
	p.push()
	p.last = time.Now()
	r := <-p.res
	return r.n, r.err
}

// close stops the reading goroutine. No read may be in progress.
func (p *pushReader) close() {
	p.timer.Stop()
	close(p.reqs)
}

// push sends everything read so far through the workers and lets the
// factory release and write out what is complete (see the comment at the
// top of this file). It does nothing when no packet came since the last
// push.
func (e *Engine) push() {
	if e.closed || e.idx == e.pushed {
		return
	}
	e.pushed = e.idx
	if e.workers != nil {
		e.workers.mark(e.idx)
		return
	}
	e.inline.report(2 * e.idx) // every event before packet idx is out
	e.inline.drain()
	if id, ok := e.inline.factory.(Idler); ok {
		id.Idle()
	}
}
