package report

import (
	"bytes"
	"encoding/json"
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
// A nil session or transaction is an error.
func WriteJSON(w io.Writer, r *Report) error {
	b, err := MarshalJSON(r)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

// MarshalJSON returns what WriteJSON writes.
func MarshalJSON(r *Report) ([]byte, error) {
	if r == nil {
		return nil, ErrNilReport
	}
	n, err := normalizeReport(r)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("report: encode json: %w", err)
	}
	return buf.Bytes(), nil
}

// normalizeReport returns a shallow copy of r whose required slices are non-nil.
// Sessions are copied too (shallowly) when they need normalising.
func normalizeReport(r *Report) (*Report, error) {
	c := *r
	if c.Inputs == nil {
		c.Inputs = []string{}
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
