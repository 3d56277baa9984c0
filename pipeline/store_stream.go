package pipeline

import (
	"bytes"
	"cmp"
	"container/heap"
	"fmt"
	"io"
	"slices"

	"github.com/imapscope/imapscope/report"
)

// A store for the JSON document or the table of one input can hand its
// sessions on while the capture is read (StreamJSON, StreamTable): a
// session's id is its rank in first-packet order, which is settled once
// every connection that began before it has ended (Stream.Settled). Each
// session (or rendering) waits in the store only until then and goes out
// in order, so that memory and the spill file hold the sessions that end
// before an earlier-starting one (bounded by how many are open at a time,
// for short sessions), not every session of the capture. The bytes are
// those of the document written at the end (report.JSONStream,
// report.TableStream). Several inputs are ordered by start time, which
// settles only at the end: they are not streamed.

// streamOut is the streaming state of a store.
type streamOut struct {
	d       *report.JSONStream  // the JSON document's sessions, held rendered
	tab     *report.TableStream // or the table's, held as sessions
	waiting entryHeap           // sessions added, order not settled yet
	order   []report.Position   // the positions written out (or numbered), in report order
	inMem   int                 // waiting entries held in SessionStore.mem
	live    int64               // their bytes
	flushed int64               // bytes of the spill file written through its buffer
	moving  []*storeEntry       // reclaim's scratch
}

// StreamJSON makes st write the JSON document's sessions to d as their
// order settles (Settled), instead of holding them to the end; d receives
// the rest of the document from report.WriteJSON, given st as its Source
// (EndJSONSessions). It is called after RenderJSON and before the first
// Add, and only for a store ordered by first packet; otherwise it does
// nothing.
func (st *SessionStore) StreamJSON(d *report.JSONStream) {
	if st.json && !st.byStart {
		st.out = &streamOut{d: d}
	}
}

// StreamTable makes st give the sessions to t as their order settles
// (Settled), instead of holding them to the end; report.WriteTable, given
// st as its Source, then writes t's tables (EndTableSessions). It is
// called before the first Add, for a store that keeps sessions (not
// renderings) ordered by first packet; otherwise it does nothing.
func (st *SessionStore) StreamTable(t *report.TableStream) {
	if st.f != nil && !st.json && !st.byStart {
		st.out = &streamOut{tab: t}
	}
}

// EndTableSessions implements report.TableStreamSource: it gives the
// stream every session still waiting (the capture has been read) and
// returns it, nil when st does not stream a table.
func (st *SessionStore) EndTableSessions() (*report.TableStream, error) {
	if err := st.sort(); err != nil {
		return nil, err
	}
	if st.out == nil {
		return nil, nil
	}
	return st.out.tab, nil
}

// Settled is Stream.Settled for a streaming store: the sessions ordered
// before the first-packet index seq are all in, and are written out.
func (st *SessionStore) Settled(seq uint64) error {
	if st.out == nil {
		return nil
	}
	if st.q != nil {
		return st.q.enqueueSettled(seq)
	}
	return st.settle(seq)
}

// EndJSONSessions implements report.JSONStreamSource: it writes every
// session still waiting (the capture has been read) and returns the
// stream, nil when st does not stream.
func (st *SessionStore) EndJSONSessions() (*report.JSONStream, error) {
	if err := st.sort(); err != nil {
		return nil, err
	}
	if st.out == nil {
		return nil, nil
	}
	return st.out.d, nil // nil for a table
}

// wait holds the index entry of a session until its order settles.
func (o *streamOut) wait(e storeEntry) {
	if e.s == inMemoryJSON {
		o.inMem++
		o.live += e.n
	}
	heap.Push(&o.waiting, e)
}

// id returns the id of the session at pos once written out, 0 for none.
func (o *streamOut) id(pos report.Position) int {
	if i, ok := slices.BinarySearchFunc(o.order, pos, report.Position.Compare); ok {
		return i + 1
	}
	// A session that began below a bound already settled (which
	// reassembly does not make) went out late, out of order: look for it.
	if i := slices.Index(o.order, pos); i >= 0 {
		return i + 1
	}
	return 0
}

// settle writes out, in report order, the waiting sessions ordered before
// the first-packet index seq, and gives back the memory they held.
func (st *SessionStore) settle(seq uint64) error {
	if st.err != nil {
		return st.err
	}
	o := st.out
	var mr bytes.Reader
	for len(o.waiting) > 0 && o.waiting[0].pos.Seq < seq {
		e := heap.Pop(&o.waiting).(storeEntry)
		o.order = append(o.order, e.pos)
		if e.n < 0 {
			continue // numbered, not in the report
		}
		if o.tab != nil {
			if err := st.giveSession(e, len(o.order)); err != nil {
				st.err = err
				return err
			}
			continue
		}
		var r io.Reader
		if e.s == inMemoryJSON {
			mr.Reset(st.mem[e.off : e.off+e.n])
			r = &mr
			o.inMem--
			o.live -= e.n
			st.budget += e.n
		} else {
			if err := st.flushFor(e); err != nil {
				return err
			}
			r = io.NewSectionReader(st.f, e.off, e.n)
		}
		if err := o.d.Session(len(o.order), r); err != nil {
			st.err = err
			return err
		}
	}
	if o.d != nil {
		st.reclaim()
	}
	return nil
}

// flushFor makes the record of e readable from the file.
func (st *SessionStore) flushFor(e storeEntry) error {
	if e.off+e.n <= st.out.flushed {
		return nil
	}
	if err := st.w.Flush(); err != nil {
		st.err = fmt.Errorf("pipeline: spill file: %w", err)
		return st.err
	}
	st.out.flushed = st.off
	return nil
}

// giveSession gives the table stream the session of e with its id: held
// in memory, or decoded from the file.
func (st *SessionStore) giveSession(e storeEntry, id int) error {
	s := e.s
	if s != nil {
		st.budget += sessionSize(s)
	} else {
		if err := st.flushFor(e); err != nil {
			return err
		}
		rec := make([]byte, e.n) // the session's strings live in it
		if _, err := st.f.ReadAt(rec, e.off); err != nil {
			return fmt.Errorf("pipeline: spill file: %w", err)
		}
		var err error
		if s, err = report.DecodeSession(rec); err != nil {
			return fmt.Errorf("pipeline: spill file: session %d: %w", id, err)
		}
		s.Spilled = st.spilled[e.off]
		delete(st.spilled, e.off)
	}
	s.ID = id
	err := st.out.tab.Session(s)
	s.ReleaseTxns() // in the table: not read again
	return err
}

// reclaim gives back the memory of renderings written out: all of it when
// none waits, else, once what was written out is more than what waits (and
// more than reclaimAfter), by moving the waiting ones to the front of the
// buffer in place, in the order they were added. The buffer then stays
// within about twice the renderings waiting, and the copying costs at most
// one more copy of each byte.
func (st *SessionStore) reclaim() {
	o := st.out
	if o.inMem == 0 {
		st.mem = st.mem[:0]
		return
	}
	if dead := int64(len(st.mem)) - o.live; dead <= max(o.live, reclaimAfter) {
		return
	}
	o.moving = o.moving[:0]
	for i := range o.waiting {
		if o.waiting[i].s == inMemoryJSON {
			o.moving = append(o.moving, &o.waiting[i])
		}
	}
	slices.SortFunc(o.moving, func(a, b *storeEntry) int { return cmp.Compare(a.off, b.off) })
	n := int64(0)
	for _, e := range o.moving {
		copy(st.mem[n:], st.mem[e.off:e.off+e.n])
		e.off, n = n, n+e.n
	}
	st.mem = st.mem[:n]
	clear(o.moving)
}

// reclaimAfter is how many bytes of renderings written out may stay in
// the buffer before the waiting ones are moved over them (a variable for
// the tests).
var reclaimAfter int64 = 1 << 20

// entryHeap orders index entries by report position.
type entryHeap []storeEntry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].pos.Compare(h[j].pos) < 0 }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(storeEntry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
