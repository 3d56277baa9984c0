package pipeline

import (
	"bytes"
	"fmt"
	"io"

	"github.com/imapscope/imapscope/report"
)

// A store for the JSON document holds its sessions rendered
// (report.AppendSessionJSON) rather than encoded: each is rendered once,
// as it ends, and the document copies the renderings in report order
// with their ids (report.JSONSource). The first MemoryBudget bytes of
// renderings stay in memory, the rest go to the spill file.

// inMemoryJSON marks the index entry of a rendering held in
// SessionStore.mem (at off, n bytes) rather than in the file.
var inMemoryJSON = &report.Session{}

// RenderJSON makes st hold the sessions added from now on rendered for
// the JSON document (report.AppendSessionJSON), to be read with EachJSON;
// Each then fails. It is called before the first Add. A kept session's
// spilled transactions are read once, to render it, and then released
// (report.Session.ReleaseTxns).
func (st *SessionStore) RenderJSON() { st.json = st.f != nil }

// RendersJSON implements report.JSONSource.
func (st *SessionStore) RendersJSON() bool { return st.json }

// addJSON renders s for the index entry e: into memory while the budget
// allows, else into the file. A long session's rendering goes to the file
// piece by piece as it is made.
func (st *SessionStore) addJSON(e storeEntry, s *report.Session) error {
	// Rendered at the end of mem, then moved to the file if it does not fit.
	start, off, drained := len(st.mem), st.off, false
	drain := func(p []byte) error {
		drained = true
		return st.spill(p)
	}
	if st.mem == nil {
		st.mem = make([]byte, 0, 64<<10)
	}
	var err error
	st.mem, err = report.AppendSessionJSON(st.mem, s, drain)
	s.ReleaseTxns() // rendered: not read again
	if err != nil {
		st.err = err
		return err
	}
	if n := int64(len(st.mem) - start); !drained && n <= st.budget {
		e.s, e.off, e.n = inMemoryJSON, int64(start), n
		st.budget -= n
	} else {
		err := st.spill(st.mem[start:])
		st.mem = st.mem[:start]
		if err != nil {
			return err
		}
		e.off, e.n = off, st.off-off
	}
	st.index(e)
	return nil
}

// spill appends p to the file.
func (st *SessionStore) spill(p []byte) error {
	if _, err := st.w.Write(p); err != nil {
		st.err = fmt.Errorf("pipeline: spill file: %w", err)
		return st.err
	}
	st.off += int64(len(p))
	return nil
}

// EachJSON implements report.JSONSource: it yields the rendering of each
// session in report order with its id, its rank among every session added.
func (st *SessionStore) EachJSON(f func(id int, rendering io.Reader) error) error {
	if !st.json {
		return fmt.Errorf("pipeline: session store: sessions are not held rendered (Each)")
	}
	if st.out != nil {
		return fmt.Errorf("pipeline: session store: sessions are streamed (EndJSONSessions)")
	}
	if err := st.sort(); err != nil {
		return err
	}
	var mr bytes.Reader
	for i, e := range st.ents {
		if e.n < 0 {
			continue
		}
		var r io.Reader
		if e.s == inMemoryJSON {
			mr.Reset(st.mem[e.off : e.off+e.n])
			r = &mr
		} else {
			r = io.NewSectionReader(st.f, e.off, e.n)
		}
		if err := f(i+1, r); err != nil {
			return err
		}
	}
	return nil
}
