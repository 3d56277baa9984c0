package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// A session of a JSON document can be rendered as soon as it ends, before
// its id (its rank in report order) is known: AppendSessionJSON writes it
// without the id, and WriteJSON, given a JSONSource, writes the id and
// then copies the rendering. A store of finished sessions for a JSON
// document then holds their text, not the sessions: nothing is encoded
// for the store and decoded again at the end, and the session is rendered
// exactly once, as WriteJSON would have rendered it.

// JSONSource is a SessionSource that may hold its sessions rendered by
// AppendSessionJSON; WriteJSON and MarshalJSON then copy the renderings
// instead of calling Each.
type JSONSource interface {
	SessionSource
	// RendersJSON reports whether the sessions are held rendered
	// (EachJSON); otherwise Each yields them.
	RendersJSON() bool
	// EachJSON calls f with the id and the rendering of each session in
	// report order, stopping at f's first error or its own.
	EachJSON(f func(id int, rendering io.Reader) error) error
}

// sessionJSONHead is what the document holds of a session element before
// its id value: the object's opening brace and the "id" key, indented as
// an element of the "sessions" array.
var sessionJSONHead = func() []byte {
	e := &jsonAppender{depth: 2, first: true}
	e.open('{')
	e.key(`"id": `)
	return e.b
}()

// AppendSessionJSON appends to b the rendering of s as an element of the
// "sessions" array of WriteJSON's document, without its opening and id:
// what follows the id's value up to and including the closing brace.
// drain, if not nil, is called with the rendering so far (from len(b) on)
// whenever it passes jsonChunk within the transactions, so that a long
// session is never held whole; b is then cut back to its length on entry.
// The error is that of WriteJSON for a session it cannot encode, or
// drain's.
func AppendSessionJSON(b []byte, s *Session, drain func([]byte) error) ([]byte, error) {
	ns, err := normalizeSession(s)
	if err != nil {
		return b, fmt.Errorf("report: session: %w", err)
	}
	if err := checkSession(0, ns); err != nil {
		return b, err
	}
	cp := *ns
	cp.ID = 0
	start := len(b)
	e := &jsonAppender{b: b, depth: 2, first: true, drainFrom: start}
	headDone := false
	// cutHead removes the head and the placeholder id 0 written first.
	cutHead := func() error {
		if headDone {
			return nil
		}
		headDone = true
		rest := e.b[start:]
		if !bytes.HasPrefix(rest, sessionJSONHead) || len(rest) <= len(sessionJSONHead) || rest[len(sessionJSONHead)] != '0' {
			return errors.New("report: session rendering does not start with its id")
		}
		n := copy(rest, rest[len(sessionJSONHead)+1:])
		e.b = e.b[:start+n]
		return nil
	}
	if drain != nil {
		e.drain = func() error {
			if err := cutHead(); err != nil {
				return err
			}
			err := drain(e.b[start:])
			e.b = e.b[:start]
			return err
		}
	}
	e.session(&cp)
	if e.drainErr != nil {
		return e.b[:start], e.drainErr
	}
	if err := cutHead(); err != nil {
		return e.b[:start], err
	}
	return e.b, s.TxnErr()
}

// renderedSessions writes the sessions of src, held rendered, as the
// elements of the open "sessions" array; flush is WriteJSON's.
func (e *jsonAppender) renderedSessions(src JSONSource, flush func() error) error {
	return src.EachJSON(func(id int, r io.Reader) error {
		if err := e.renderedSession(id, r); err != nil {
			return err
		}
		if flush != nil {
			return flush()
		}
		return nil
	})
}

// renderedSession writes one session of id, rendered by AppendSessionJSON
// and read from r, as the next element of the open "sessions" array.
func (e *jsonAppender) renderedSession(id int, r io.Reader) error {
	e.elem()
	e.b = append(e.b, sessionJSONHead...)
	e.b = strconv.AppendInt(e.b, int64(id), 10)
	for {
		if cap(e.b)-len(e.b) < 4<<10 {
			e.b = slices.Grow(e.b, 16<<10)
		}
		n, err := r.Read(e.b[len(e.b):cap(e.b)])
		e.b = e.b[:len(e.b)+n]
		if e.drain != nil && len(e.b)-e.drainFrom >= jsonChunk {
			if derr := e.drain(); derr != nil {
				return derr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("report: session %d: %w", id, err)
		}
	}
	e.first = false
	return nil
}
