package pipeline

import (
	"sync"

	"github.com/imapscope/imapscope/report"
)

// A SessionStore may take its sessions on a goroutine of its own (Async):
// Add then only queues the session, and the rendering or encoding, the
// larger part of keeping a session, runs beside the dissection instead of
// inside it, as log writers run beside the analysis in network monitors.
// The queue is bounded, so a slow store holds back the dissection rather
// than gathering sessions in memory. Everything that reads the store
// (Len, ID, AnyTLS, Each, EachJSON, Close) first waits for the queue to
// drain, so what it sees does not depend on the goroutine.

// Sessions are handed over in batches of storeBatch: one handover (and one
// wake-up of the store's goroutine) per session cost a fifth of the
// store's time on short sessions. At most storeQueueDepth batches wait.
const (
	storeBatch      = 32
	storeQueueDepth = 4
)

// storeQueue is the queue of an asynchronous store.
type storeQueue struct {
	in    chan []queuedSession
	batch []queuedSession // filled by Add, not yet handed over
	done  chan struct{}
	mu    sync.Mutex
	err   error // the store's first error, for Add to return
}

// queuedSession is one call of Add, or of Settled (settled set, the
// bound in pos.Seq).
type queuedSession struct {
	pos     report.Position
	s       *report.Session
	keep    bool
	settled bool
}

// Async makes st take the sessions added from now on on a goroutine of
// its own. A session passed to Add must not change afterwards (an ended
// session does not). Add returns the store's first error at the next call
// after it happened; Close, or any method that reads the store, ends the
// goroutine.
func (st *SessionStore) Async() {
	if st.q != nil || st.f == nil {
		return // already, or nothing to do beside numbering
	}
	q := &storeQueue{in: make(chan []queuedSession, storeQueueDepth), done: make(chan struct{})}
	st.q = q
	go func() {
		defer close(q.done)
		for batch := range q.in {
			for _, a := range batch {
				var err error
				if a.settled {
					err = st.settle(a.pos.Seq)
				} else {
					err = st.add(a.pos, a.s, a.keep)
				}
				if err != nil {
					q.mu.Lock()
					if q.err == nil {
						q.err = err
					}
					q.mu.Unlock()
				}
			}
		}
	}()
}

// enqueue is Add on an asynchronous store.
func (q *storeQueue) enqueue(pos report.Position, s *report.Session, keep bool) error {
	return q.put(queuedSession{pos: pos, s: s, keep: keep})
}

// enqueueSettled is Settled on an asynchronous store.
func (q *storeQueue) enqueueSettled(seq uint64) error {
	return q.put(queuedSession{pos: report.Position{Seq: seq}, settled: true})
}

// put queues one call, handing the batch over once it is full.
func (q *storeQueue) put(a queuedSession) error {
	q.mu.Lock()
	err := q.err
	q.mu.Unlock()
	if err != nil {
		return err
	}
	if q.batch == nil {
		q.batch = make([]queuedSession, 0, storeBatch)
	}
	q.batch = append(q.batch, a)
	if len(q.batch) == storeBatch {
		q.in <- q.batch
		q.batch = nil
	}
	return nil
}

// wait ends the goroutine of an asynchronous store once it has taken
// every queued session; st is synchronous afterwards.
func (st *SessionStore) wait() {
	if st.q == nil {
		return
	}
	if len(st.q.batch) > 0 {
		st.q.in <- st.q.batch
	}
	close(st.q.in)
	<-st.q.done
	st.q = nil
}
