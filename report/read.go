package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNotReport is returned (wrapped) by ReadReport for input that is neither
// an imapscope JSON document nor imapscope JSON Lines.
var ErrNotReport = errors.New("not an imapscope JSON report")

// maxJSONLLine is the longest JSON Lines record ReadReport accepts (a
// session line holds all its transactions).
const maxJSONLLine = 1 << 30

// ReadJSON parses a document written by WriteJSON, after validating it
// against the schema.
func ReadJSON(doc []byte) (*Report, error) {
	if err := ValidateJSON(doc); err != nil {
		return nil, fmt.Errorf("report: %w: %w", ErrNotReport, err)
	}
	var r Report
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	return &r, nil
}

// ReadReport parses either form imapscope writes: a JSON document
// (WriteJSON) or JSON Lines (JSONLWriter, as read --format jsonl and live
// write). From JSON Lines the sessions are taken from the session records,
// which hold their transactions; transaction records (--emit transactions)
// are validated and otherwise skipped, as their sessions repeat them. The
// report of JSON Lines has no inputs and no capture statistics: the stream
// does not carry them. Anything else is an error wrapping ErrNotReport.
func ReadReport(doc []byte) (*Report, error) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("report: %w (it does not start with a JSON object)", ErrNotReport)
	}
	if json.Valid(trimmed) && !bytes.Contains(trimmed[:min(len(trimmed), 64)], []byte(`"type":`)) {
		return ReadJSON(doc)
	}
	return readJSONL(doc)
}

// readJSONL reads JSON Lines records.
func readJSONL(doc []byte) (*Report, error) {
	r := &Report{Inputs: []string{}, Sessions: []*Session{}}
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(make([]byte, 0, 64<<10), maxJSONLLine)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := ValidateJSONLLine(line); err != nil {
			return nil, fmt.Errorf("report: %w: line %d: %w", ErrNotReport, n, err)
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &kind); err != nil {
			return nil, fmt.Errorf("report: read jsonl: line %d: %w", n, err)
		}
		if kind.Type != LineTypeSession {
			continue
		}
		var s Session
		if err := json.Unmarshal(line, &struct {
			Type string `json:"type"`
			*Session
		}{Session: &s}); err != nil {
			return nil, fmt.Errorf("report: read jsonl: line %d: %w", n, err)
		}
		r.Sessions = append(r.Sessions, &s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("report: read jsonl: %w", err)
	}
	return r, nil
}
