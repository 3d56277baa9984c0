package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestJSONLSessionLines(t *testing.T) {
	r := testReport()
	var buf bytes.Buffer
	j := NewJSONLWriter(&buf)
	for _, s := range r.Sessions {
		if err := j.WriteSession(s); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	if last := lines[len(lines)-1]; last != "" {
		t.Fatalf("output does not end with a newline: %q", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != len(r.Sessions) {
		t.Fatalf("%d lines for %d sessions", len(lines), len(r.Sessions))
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, `{"type":"session",`) {
			t.Errorf("line %d does not start with the type: %.40s", i, line)
		}
		if err := ValidateJSONLLine([]byte(line)); err != nil {
			t.Errorf("line %d: %v", i, err)
		}
		// Without its type member the line is the session of the JSON document.
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "type")
		var fromLine, fromDoc any
		b, _ := json.Marshal(m)
		_ = json.Unmarshal(b, &fromLine)
		b, _ = json.Marshal(r.Sessions[i])
		_ = json.Unmarshal(b, &fromDoc)
		if fmt.Sprint(fromLine) != fmt.Sprint(fromDoc) {
			t.Errorf("line %d differs from the document form of the session", i)
		}
		if err := ValidateJSON([]byte(line)); err == nil {
			t.Error("a session line validates as a whole report")
		}
	}
}

func TestJSONLTransactionLines(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSONLWriter(&buf)
	s := testReport().Sessions[0]
	for _, tr := range s.Transactions {
		if err := j.WriteTransaction(s.ID, tr); err != nil {
			t.Fatal(err)
		}
	}
	all := buf.String()
	sc := bufio.NewScanner(strings.NewReader(all))
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if err := ValidateJSONLLine(line); err != nil {
			t.Errorf("line %d: %v\n%s", n, err, line)
		}
		if !bytes.HasPrefix(line, []byte(`{"type":"transaction","session_id":1,"tag":`)) {
			t.Errorf("line %d: %s", n, line)
		}
		n++
	}
	if n != len(s.Transactions) {
		t.Errorf("%d lines for %d transactions", n, len(s.Transactions))
	}
	if !strings.Contains(all, `"tag":"a6","command":"IDLE","args":"","status":null,`) {
		t.Error("never-completed transaction line lacks a null status")
	}
	if err := ValidateJSONLLine([]byte(`{"type":"transaction","tag":"a","command":"NOOP"}`)); err == nil {
		t.Error("incomplete transaction line accepted")
	}
	if err := ValidateJSONLLine([]byte(`{"type":"mystery"}`)); err == nil {
		t.Error("unknown line type accepted")
	}
}

// chunkWriter records each Write call separately.
type chunkWriter struct {
	mu     sync.Mutex
	chunks [][]byte
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.chunks = append(c.chunks, bytes.Clone(p))
	return len(p), nil
}

func TestJSONLConcurrent(t *testing.T) {
	const goroutines, each = 8, 50
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 64) // small buffer: would split lines if unflushed writes interleaved
	j := NewJSONLWriter(bw)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				s := testReport().Sessions[i%2]
				s.ID = g*1000 + i
				var err error
				if i%3 == 0 {
					err = j.WriteTransaction(s.ID, s.Transactions[0])
				} else {
					err = j.WriteSession(s)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if bw.Buffered() != 0 {
		t.Error("writer left data buffered")
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != goroutines*each {
		t.Fatalf("%d lines, want %d", len(lines), goroutines*each)
	}
	seen := map[string]bool{}
	for i, l := range lines {
		if err := ValidateJSONLLine([]byte(l)); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		var v struct {
			Type      string `json:"type"`
			ID        int    `json:"id"`
			SessionID int    `json:"session_id"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprint(v.Type, v.ID, v.SessionID)
		if seen[key] {
			t.Errorf("duplicate line %s", key)
		}
		seen[key] = true
	}
}

func TestJSONLOneWritePerLine(t *testing.T) {
	var c chunkWriter
	j := NewJSONLWriter(&c)
	r := testReport()
	var wg sync.WaitGroup
	for _, s := range r.Sessions {
		wg.Go(func() { _ = j.WriteSession(s) })
	}
	wg.Wait()
	for _, ch := range c.chunks {
		if bytes.Count(ch, []byte("\n")) != 1 || ch[len(ch)-1] != '\n' {
			t.Errorf("write is not exactly one line: %.60q", ch)
		}
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("broken pipe")
	}
	f.n--
	return len(p), nil
}

func TestJSONLStickyError(t *testing.T) {
	j := NewJSONLWriter(&failAfter{n: 1})
	s := testReport().Sessions[0]
	if err := j.WriteSession(s); err != nil {
		t.Fatal(err)
	}
	if err := j.WriteSession(s); err == nil {
		t.Fatal("write error not returned")
	}
	if err := j.WriteTransaction(1, s.Transactions[0]); err == nil || j.Err() == nil {
		t.Fatal("error not sticky")
	}
	if err := NewJSONLWriter(&bytes.Buffer{}).WriteSession(nil); err == nil {
		t.Error("nil session accepted")
	}
	if err := NewJSONLWriter(&bytes.Buffer{}).WriteTransaction(1, nil); err == nil {
		t.Error("nil transaction accepted")
	}
}
