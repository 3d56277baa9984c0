package report_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/imapscope/imapscope/report"
)

// TestReadReportBothForms reads the same capture's report as a JSON
// document and as JSON Lines (with transaction records too) and gets the
// same sessions; anything else is "not an imapscope JSON report".
func TestReadReportBothForms(t *testing.T) {
	r := analyze(t, goldenCaptures...)
	doc, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	jl := report.NewJSONLWriter(&lines)
	for _, s := range r.Sessions {
		for _, x := range s.Transactions {
			if err := jl.WriteTransaction(s.ID, x); err != nil {
				t.Fatal(err)
			}
		}
		if err := jl.WriteSession(s); err != nil {
			t.Fatal(err)
		}
	}
	fromDoc, err := report.ReadReport(doc)
	if err != nil {
		t.Fatal(err)
	}
	fromLines, err := report.ReadReport(lines.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := report.MarshalJSON(&report.Report{Sessions: fromDoc.Sessions})
	b, _ := report.MarshalJSON(&report.Report{Sessions: fromLines.Sessions})
	if len(fromLines.Sessions) != len(r.Sessions) || !bytes.Equal(a, b) {
		t.Errorf("JSON Lines gave %d sessions, differing from the document's %d", len(fromLines.Sessions), len(fromDoc.Sessions))
	}
	pcap, err := os.ReadFile("../pcaps/dovecot/demo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"pcap": pcap, "empty": nil, "array": []byte(`[1]`), "other JSON": []byte(`{"tool":1}`),
		"other JSON Lines": []byte("{\"type\":\"flow\"}\n"), "truncated": doc[:len(doc)/2],
	} {
		_, err := report.ReadReport(in)
		if !errors.Is(err, report.ErrNotReport) || !bytes.Contains([]byte(err.Error()), []byte("not an imapscope JSON report")) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestMergeDeduplicatesByUID merges a report with itself and with its JSON
// Lines form: every session once.
func TestMergeDeduplicatesByUID(t *testing.T) {
	r := analyze(t, goldenCaptures...)
	doc, _ := report.MarshalJSON(r)
	again, err := report.ReadReport(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := report.Merge(r, again, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sessions) != len(r.Sessions) {
		t.Fatalf("merged %d sessions, want %d", len(m.Sessions), len(r.Sessions))
	}
	for i, s := range m.Sessions {
		if s.UID != r.Sessions[i].UID || s.ID != i+1 {
			t.Errorf("session %d: uid %s id %d", i, s.UID, s.ID)
		}
	}
	// A session without a uid (an older report) is identified from its endpoints and start.
	old := *r.Sessions[0]
	old.UID = ""
	m, _ = report.Merge(r, &report.Report{Sessions: []*report.Session{&old}})
	if len(m.Sessions) != len(r.Sessions) {
		t.Errorf("uid-less copy kept: %d sessions", len(m.Sessions))
	}
}
