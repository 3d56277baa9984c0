package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
)

// JSON Lines record types, the value of the "type" member of every line.
const (
	LineTypeSession     = "session"
	LineTypeTransaction = "transaction"
)

// JSONLWriter writes JSON Lines: one compact JSON object per line, each
// carrying a "type" member first. A session line is the session exactly as
// in the JSON document form plus "type":"session"; a transaction line is a
// transaction plus "type":"transaction" and "session_id". Both are described
// by $defs/jsonlLine in schema.json (see ValidateJSONLLine).
//
// A JSONLWriter is safe for concurrent use. Each record is written with a
// single Write call holding a mutex (the line of a session whose
// transactions were spilled, in several with the mutex held throughout),
// so lines never interleave; if the
// underlying writer has a Flush() error method (bufio.Writer does), it is
// called after every line. The first write error is sticky: later calls
// return it without writing.
type JSONLWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewJSONLWriter returns a JSONLWriter writing to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	return &JSONLWriter{w: w}
}

// sessionLine is the shape of a session record. Lines are written by the
// compact mode of jsonAppender, byte for byte what json.Marshal writes for
// these types (which it still does for a line it cannot encode, for the
// same error).
type sessionLine struct {
	Type string `json:"type"`
	*Session
}

// transactionLine is the shape of a transaction record.
type transactionLine struct {
	Type      string `json:"type"`
	SessionID int    `json:"session_id"`
	*Transaction
}

// WriteSession writes s as one line. s is not modified; nil required
// slices are written as [].
func (j *JSONLWriter) WriteSession(s *Session) error {
	n, err := normalizeSession(s)
	if err != nil {
		return fmt.Errorf("report: jsonl: %w", err)
	}
	if !n.allFinite() {
		m, err := n.Materialized()
		if err != nil {
			return fmt.Errorf("report: jsonl: %w", err)
		}
		return j.writeLine(sessionLine{Type: LineTypeSession, Session: m})
	}
	e := getLineAppender()
	defer putLineAppender(e)
	if n.Spilled == nil {
		e.open('{')
		e.b = append(e.b, `"type":"`+LineTypeSession+`"`...)
		e.first = false
		e.sessionMembers(n)
		e.close('}')
		return j.write(append(e.b, '\n'))
	}
	// A long session: its line goes out in chunks, the lock held
	// throughout so that no other line comes in between.
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	e.drain = func() error {
		err := j.writeLocked(e.b)
		e.b = e.b[:0]
		return err
	}
	e.open('{')
	e.b = append(e.b, `"type":"`+LineTypeSession+`"`...)
	e.first = false
	e.sessionMembers(n)
	e.close('}')
	if e.drainErr != nil {
		return e.drainErr
	}
	if err := n.TxnErr(); err != nil {
		// The line is cut short: the output cannot go on.
		j.err = fmt.Errorf("report: jsonl: %w", err)
		return j.err
	}
	if err := j.writeLocked(append(e.b, '\n')); err != nil {
		return err
	}
	return j.flushLocked()
}

// WriteTransaction writes t, which belongs to session sessionID, as one line.
func (j *JSONLWriter) WriteTransaction(sessionID int, t *Transaction) error {
	if t == nil {
		return fmt.Errorf("report: jsonl: %w", errNilTransaction)
	}
	if !finite(t.LatencyMS) {
		return j.writeLine(transactionLine{Type: LineTypeTransaction, SessionID: sessionID, Transaction: t})
	}
	e := getLineAppender()
	defer putLineAppender(e)
	e.open('{')
	e.b = append(e.b, `"type":"`+LineTypeTransaction+`","session_id":`...)
	e.b = strconv.AppendInt(e.b, int64(sessionID), 10)
	e.first = false
	e.transactionMembers(t)
	e.close('}')
	return j.write(append(e.b, '\n'))
}

// finite reports whether f can be encoded in JSON.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// maxPooledLine is the largest line buffer kept for reuse.
const maxPooledLine = 1 << 20

// lineAppenders recycles the buffers of JSON lines.
var lineAppenders = sync.Pool{New: func() any { return &jsonAppender{compact: true} }}

func getLineAppender() *jsonAppender { return lineAppenders.Get().(*jsonAppender) }

// putLineAppender recycles e unless its buffer grew unusually large.
func putLineAppender(e *jsonAppender) {
	if cap(e.b) > maxPooledLine {
		return
	}
	e.b, e.depth, e.first = e.b[:0], 0, false
	e.drain, e.drainErr = nil, nil
	lineAppenders.Put(e)
}

// Err returns the first write error, if any.
func (j *JSONLWriter) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// writeLine marshals v with encoding/json and writes it, for the lines the
// appender cannot write (a non-finite latency: json.Marshal's error).
func (j *JSONLWriter) writeLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("report: jsonl: encode: %w", err)
	}
	return j.write(append(b, '\n'))
}

// write writes one encoded line, newline included, in one call.
func (j *JSONLWriter) write(b []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if err := j.writeLocked(b); err != nil {
		return err
	}
	return j.flushLocked()
}

// writeLocked writes b, with j.mu held.
func (j *JSONLWriter) writeLocked(b []byte) error {
	if _, err := j.w.Write(b); err != nil {
		j.err = fmt.Errorf("report: jsonl: write: %w", err)
		return j.err
	}
	return nil
}

// flushLocked flushes the underlying writer if it can, with j.mu held.
func (j *JSONLWriter) flushLocked() error {
	if f, ok := j.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			j.err = fmt.Errorf("report: jsonl: flush: %w", err)
			return j.err
		}
	}
	return nil
}
