package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// JSONStream writes WriteJSON's document while the capture is still being
// read: the members before "sessions" are known at the start, and a
// session can go out as soon as its id (its rank in report order) is
// settled, so that a store of finished sessions need not hold them until
// the end. The sessions are given rendered (AppendSessionJSON) with their
// ids, in report order; WriteJSON, given a Source that is a
// JSONStreamSource, writes the rest of the document through the same
// stream. The bytes are those WriteJSON writes for the same report.
//
// Nothing is written before the first session or the end of the
// document: a run that reads nothing leaves no output. A JSONStream is
// not safe for concurrent use.
type JSONStream struct {
	w      io.Writer
	e      jsonAppender
	tool   string
	inputs []string
	begun  bool
	done   bool
	err    error
}

// JSONStreamSource is a SessionSource that writes its sessions to a
// JSONStream as their order settles.
type JSONStreamSource interface {
	SessionSource
	// EndJSONSessions writes the sessions not yet written to the stream
	// and returns it (nil: the sessions were not streamed, and WriteJSON
	// writes the document itself).
	EndJSONSessions() (*JSONStream, error)
}

// NewJSONStream returns a stream of the document of tool and inputs (the
// Report fields of those names) to w.
func NewJSONStream(w io.Writer, tool string, inputs []string) *JSONStream {
	if inputs == nil {
		inputs = []string{}
	}
	d := &JSONStream{w: w, tool: tool, inputs: slices.Clone(inputs)}
	d.e.b = make([]byte, 0, jsonChunk+jsonChunk/4)
	d.e.drain = d.write
	return d
}

// write writes out what the appender holds.
func (d *JSONStream) write() error {
	if len(d.e.b) == 0 {
		return nil
	}
	if _, err := d.w.Write(d.e.b); err != nil {
		d.err = fmt.Errorf("report: write json: %w", err)
		return d.err
	}
	d.e.b = d.e.b[:0]
	return nil
}

// begin writes the head of the document, once.
func (d *JSONStream) begin() {
	if d.begun {
		return
	}
	d.begun = true
	d.e.reportHead(d.tool, d.inputs)
	d.e.open('[')
}

// Session writes the session of id whose rendering (AppendSessionJSON)
// r yields as the next element of the "sessions" array.
func (d *JSONStream) Session(id int, r io.Reader) error {
	if d.err != nil {
		return d.err
	}
	if d.done {
		return errors.New("report: json stream: session after the end of the document")
	}
	d.begin()
	if err := d.e.renderedSession(id, r); err != nil {
		d.err = err
		return err
	}
	if len(d.e.b) >= jsonChunk {
		return d.write()
	}
	return nil
}

// finish ends the document of r (normalised, with stats its encoded
// statistics): r's tool and inputs must be those the stream began with.
func (d *JSONStream) finish(r *Report, stats []byte) error {
	if d.err != nil {
		return d.err
	}
	if d.done {
		return errors.New("report: json stream: the document was already ended")
	}
	if r.Tool != d.tool || !slices.Equal(r.Inputs, d.inputs) {
		return errors.New("report: json stream: the report's tool or inputs are not those the stream began with")
	}
	d.begin()
	d.done = true
	d.e.close(']')
	d.e.reportTail(r, stats)
	return d.write()
}
