package imap3sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// clientCommands returns "TAG COMMAND-WORDS" for each client command line
// (skipping literal bodies and literal-terminating CRLFs).
func clientCommands(s *Script) []string {
	var out []string
	stream := s.Stream(Client)
	for p := 0; p < len(stream); {
		e := bytes.Index(stream[p:], []byte("\r\n"))
		if e < 0 {
			break
		}
		line := string(stream[p : p+e])
		p += e + 2
		n := 0
		if m := literalRE.FindStringSubmatch(line + "\r\n"); m != nil {
			for _, c := range m[1] {
				n = n*10 + int(c-'0')
			}
			p += n + 2 // literal body, then the CRLF ending the command
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		cmd := strings.ToUpper(f[1])
		if (cmd == "FIND" || cmd == "UID") && len(f) > 2 {
			cmd += " " + strings.ToUpper(f[2])
		}
		out = append(out, f[0]+" "+cmd)
	}
	return out
}

// TestTruthMatchesScript checks each script's @tx list against the
// commands its client actually sends, in order.
func TestTruthMatchesScript(t *testing.T) {
	for _, s := range allScripts(t) {
		var want []string
		for _, tx := range s.Truth.Transactions {
			want = append(want, tx.Tag+" "+tx.Command)
		}
		got := clientCommands(s)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s:\n client %v\n truth  %v", s.Name, got, want)
		}
		if s.Truth.Dialect != "imap2" && s.Truth.Dialect != "imap3" && s.Truth.Dialect != "imap4rev1" {
			t.Errorf("%s: dialect %q", s.Name, s.Truth.Dialect)
		}
	}
}

func TestTruthJSONShape(t *testing.T) {
	tr, err := TruthFor("imap2-port143", "imap3-port143")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Sessions []map[string]json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.Sessions) != 2 {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	for _, k := range []string{"dialect", "supported_versions", "version", "features", "transactions", "expected_anomalies"} {
		if raw, ok := v.Sessions[0][k]; !ok || string(raw) == "null" {
			t.Errorf("session 0: %s missing or null", k)
		}
	}
	if _, err := TruthFor("nope"); err == nil {
		t.Error("TruthFor(nope) succeeded")
	}
}

// TestSetEOLSizes pins the SET.EOL literal sizes: CRLF before, LF after.
func TestSetEOLSizes(t *testing.T) {
	s, err := Lookup("imap3-seteol")
	if err != nil {
		t.Fatal(err)
	}
	srv := string(s.Stream(Server))
	for _, want := range []string{
		"e007 1 FETCH (RFC822.SIZE 94 SIZE 94 RFC822 {94}\r\n",
		"e010 1 FETCH (RFC822.SIZE 94 SIZE 88 RFC822 {88}\r\nDate: Mon, 14 May 90 16:00:00 PDT\nFrom",
		"e011 1 FETCH (RFC822.HEADER {80}\r\n",
	} {
		if !strings.Contains(srv, want) {
			t.Errorf("server stream lacks %q", want)
		}
	}
}
