package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTSVHeaderAndRows(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)
	s := &Session{ID: 1, Client: "10.0.0.1:40000", Server: "10.0.0.2:143", Start: Time{t0}, User: "bob\tsmith",
		Transactions: []*Transaction{
			{Tag: "a1", Command: "LOGIN", Args: "bob <redacted>", Status: "OK", Start: Time{t0}, LatencyMS: 1.5, ClientBytes: 20, ServerBytes: 30},
			{Tag: "a2", Command: "SEARCH", Args: "SUBJECT \"x\ny\\z\"", Status: "NO", Start: Time{t0.Add(time.Second)}, LatencyMS: 0.25},
			{Tag: "a3", Command: "IDLE", Args: "", Start: Time{t0.Add(2 * time.Second)}},
			{Tag: "-", Command: "NOOP", Args: "(empty)", Status: "OK"},
		}}
	var buf bytes.Buffer
	if err := WriteTSV(&buf, &Report{Sessions: []*Session{s}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 7+4 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if lines[0] != `#separator \x09` || lines[5] != "#fields\tts\tuid\tclient\tserver\tuser\ttag\tcommand\targs\tstatus\tlatency_ms\tbytes" ||
		!strings.HasPrefix(lines[6], "#types\ttime\tstring") {
		t.Errorf("header:\n%s", strings.Join(lines[:7], "\n"))
	}
	uid := SessionUID(s.Client, s.Server, t0)
	want := []string{
		"1772359200.123456\t" + uid + "\t10.0.0.1:40000\t10.0.0.2:143\tbob\\x09smith\ta1\tLOGIN\tbob <redacted>\tOK\t1.500\t50",
		"1772359201.123456\t" + uid + "\t10.0.0.1:40000\t10.0.0.2:143\tbob\\x09smith\ta2\tSEARCH\tSUBJECT \"x\\x0ay\\x5cz\"\tNO\t0.250\t0",
		"1772359202.123456\t" + uid + "\t10.0.0.1:40000\t10.0.0.2:143\tbob\\x09smith\ta3\tIDLE\t(empty)\t-\t-\t0",
		"1772359200.123456\t" + uid + "\t10.0.0.1:40000\t10.0.0.2:143\tbob\\x09smith\t\\x2d\tNOOP\t\\x28empty)\tOK\t0.000\t0",
	}
	for i, w := range want {
		if lines[7+i] != w {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, lines[7+i], w)
		}
	}
	for i, l := range lines[7:] {
		if n := strings.Count(l, "\t"); n != len(tsvColumns)-1 {
			t.Errorf("row %d has %d tabs", i+1, n)
		}
	}
}

// TestTSVOnEveryCapture checks every row of every capture's report has the
// columns of the header and that no password of the capture's truth appears.
func TestTSVOnEveryCapture(t *testing.T) {
	goldens, _ := filepath.Glob("../pcaps/*/*.golden.json")
	if len(goldens) == 0 {
		t.Fatal("no goldens")
	}
	for _, g := range goldens {
		doc, _ := os.ReadFile(g)
		rep, err := ReadJSON(doc)
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		var buf bytes.Buffer
		if err := WriteTSV(&buf, rep); err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if strings.HasPrefix(l, "#") {
				continue
			}
			rows++
			if n := strings.Count(l, "\t"); n != len(tsvColumns)-1 {
				t.Errorf("%s: row with %d tabs: %q", g, n, l)
			}
		}
		n := 0
		for _, s := range rep.Sessions {
			n += len(s.Transactions)
		}
		if rows != n {
			t.Errorf("%s: %d rows for %d transactions", g, rows, n)
		}
		for _, pw := range truthPasswords(t, strings.TrimSuffix(strings.TrimSuffix(g, ".golden.json"), ".keylog")+".truth.json") {
			if strings.Contains(buf.String(), pw) {
				t.Errorf("%s: password %q in the TSV", g, pw)
			}
		}
	}
}

// truthPasswords returns the passwords a capture generator recorded in the
// truth file at path (none when there is no truth file).
func truthPasswords(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var truth struct {
		Passwords []string `json:"passwords"`
		Sessions  []struct {
			Passwords []string `json:"passwords"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := truth.Passwords
	for _, s := range truth.Sessions {
		out = append(out, s.Passwords...)
	}
	var long []string
	for _, p := range out {
		if len(p) >= 4 { // a very short password could match innocently
			long = append(long, p)
		}
	}
	return long
}
