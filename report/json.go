package report

import (
	"errors"
	"fmt"
	"io"
)

// ErrNilReport is returned when a renderer is given a nil *Report.
var ErrNilReport = errors.New("report: nil report")

// WriteJSON writes r as one JSON document, indented with two spaces and ended
// by a newline. Sessions are written in the order given; map keys are sorted.
// Nil slices that the schema requires (inputs, sessions, capabilities,
// mailboxes, anomalies, transactions) are written as []; r is not modified.
// A nil session or transaction is an error, found before anything is
// written (with r.Source, when the session is reached: the error is then
// returned after part of the document was written). The document goes out
// in chunks of about jsonChunk bytes, so a large report is never held in
// memory twice. When r.Source is a JSONStreamSource that has streamed its
// sessions, the document was begun on the JSONStream's writer and is
// ended there: w must be that writer.
func WriteJSON(w io.Writer, r *Report) error {
	n, stats, err := prepareJSON(r)
	if err != nil {
		return err
	}
	if src, ok := r.Source.(JSONStreamSource); ok {
		d, err := src.EndJSONSessions()
		if err != nil {
			return err
		}
		if d != nil {
			return d.finish(n, stats) // to the stream's writer, which has the document so far
		}
	}
	e := &jsonAppender{b: make([]byte, 0, jsonChunk+jsonChunk/4)}
	write := func() error {
		if _, err := w.Write(e.b); err != nil {
			return fmt.Errorf("report: write json: %w", err)
		}
		e.b = e.b[:0]
		return nil
	}
	flush := func() error {
		if len(e.b) < jsonChunk {
			return nil
		}
		return write()
	}
	e.drain = write
	if err := e.report(n, stats, flush); err != nil {
		return err
	}
	return write()
}

// jsonChunk is how much WriteJSON buffers before each Write.
const jsonChunk = 64 << 10

// MarshalJSON returns what WriteJSON writes.
func MarshalJSON(r *Report) ([]byte, error) {
	n, stats, err := prepareJSON(r)
	if err != nil {
		return nil, err
	}
	e := &jsonAppender{}
	if err := e.report(n, stats, nil); err != nil {
		return nil, err
	}
	return e.b, nil
}

// prepareJSON returns the normalised copy of r and the encoding of its
// Stats, after every check that could fail: rendering then cannot.
func prepareJSON(r *Report) (*Report, []byte, error) {
	if r == nil {
		return nil, nil, ErrNilReport
	}
	n, err := normalizeReport(r)
	if err != nil {
		return nil, nil, err
	}
	if err := checkReport(n); err != nil {
		return nil, nil, err
	}
	stats, err := encodeStats(n.Stats)
	if err != nil {
		return nil, nil, err
	}
	return n, stats, nil
}

// normalizeReport returns a shallow copy of r whose required slices are non-nil.
// Sessions are copied too (shallowly) when they need normalising.
func normalizeReport(r *Report) (*Report, error) {
	c := *r
	if c.Inputs == nil {
		c.Inputs = []string{}
	}
	if r.Source != nil {
		return &c, nil // normalised one at a time as they are written
	}
	c.Sessions = make([]*Session, len(r.Sessions))
	for i, s := range r.Sessions {
		ns, err := normalizeSession(s)
		if err != nil {
			return nil, fmt.Errorf("report: sessions[%d]: %w", i, err)
		}
		c.Sessions[i] = ns
	}
	return &c, nil
}

// errNilSession and errNilTransaction describe holes in the caller's data.
var (
	errNilSession     = errors.New("nil session")
	errNilTransaction = errors.New("nil transaction")
)

// normalizeSession returns s itself when nothing needs changing, or a shallow
// copy with nil required slices replaced by empty ones.
func normalizeSession(s *Session) (*Session, error) {
	if s == nil {
		return nil, errNilSession
	}
	for i, t := range s.Transactions {
		if t == nil {
			return nil, fmt.Errorf("transactions[%d]: %w", i, errNilTransaction)
		}
	}
	if s.Capabilities != nil && s.Mailboxes != nil && s.Anomalies != nil && s.Transactions != nil {
		return s, nil
	}
	c := *s
	if c.Capabilities == nil {
		c.Capabilities = []string{}
	}
	if c.Mailboxes == nil {
		c.Mailboxes = []string{}
	}
	if c.Anomalies == nil {
		c.Anomalies = []Anomaly{}
	}
	if c.Transactions == nil {
		c.Transactions = []*Transaction{}
	}
	return &c, nil
}
