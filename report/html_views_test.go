package report_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/report"
)

func writeHTML(t *testing.T, r *report.Report, opts report.HTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLStatsSectionsAndViews renders real captures (one of them IMAPS):
// --stats adds the statistics sections; the per-server, per-user, over-time
// and TLS/SNI parts are always there.
func TestHTMLStatsSectionsAndViews(t *testing.T) {
	var reps []*report.Report
	for _, g := range []string{"demo", "idle", "imaps"} {
		doc, err := os.ReadFile("../pcaps/dovecot/" + g + ".golden.json")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := report.ReadReport(doc)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	r, err := report.Merge(reps...)
	if err != nil {
		t.Fatal(err)
	}
	r.Stats = report.ComputeStats(r, report.StatsOptions{})
	plain := writeHTML(t, r, report.HTMLOptions{})
	full := writeHTML(t, r, report.HTMLOptions{Stats: true})
	for _, sec := range []string{"Statistics per command", "Statistics per server", "Statistics per user", "Slowest transactions", "Anomalies by kind", "IDLE alone"} {
		if strings.Contains(plain, sec) || !strings.Contains(full, sec) {
			t.Errorf("section %q: without --stats %v, with %v", sec, strings.Contains(plain, sec), strings.Contains(full, sec))
		}
	}
	for _, want := range []string{"<h2>Per server</h2>", "<h2>Per user</h2>", "Latency and failures over time", "<polyline points=", "<th>TLS</th><th>SNI</th>"} {
		if !strings.Contains(plain, want) {
			t.Errorf("no %q", want)
		}
	}
	tlsRows := 0
	for _, s := range r.Sessions {
		if s.TLS {
			tlsRows++
			label := "<td>" + s.TLSVersion // then the cipher and "decrypted", when known
			if s.StartTLS {
				label = "<td>STARTTLS " + s.TLSVersion
			}
			if s.TLSVersion != "" && !strings.Contains(plain, label) {
				t.Errorf("session %d: TLS version %q not shown", s.ID, s.TLSVersion)
			}
			if s.TLSSNI != "" && !strings.Contains(plain, "<td>"+s.TLSSNI+"</td>") {
				t.Errorf("session %d: SNI %q not shown", s.ID, s.TLSSNI)
			}
		}
	}
	if tlsRows == 0 {
		t.Error("imaps.pcap gave no TLS session")
	}
}

// TestHTMLLargeSessionListSummarised builds a report of 500 sessions: the
// table lists the slowest and the failing ones, not all 500.
func TestHTMLLargeSessionListSummarised(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &report.Report{Tool: "t"}
	for i := range 500 {
		st, lat := report.Status("OK"), 1.0+float64(i%7)
		if i == 123 {
			lat = 9000 // the slowest
		}
		if i%100 == 50 {
			st = "NO" // five failing
		}
		start := t0.Add(time.Duration(i) * time.Second)
		r.Sessions = append(r.Sessions, &report.Session{ID: i + 1, Client: fmt.Sprintf("10.0.%d.%d:4000", i/250, i%250), Server: "10.1.0.1:143",
			Start: report.Time{Time: start}, End: report.Time{Time: start.Add(time.Second)}, User: fmt.Sprintf("u%d", i%9),
			Transactions: []*report.Transaction{{Tag: "a1", Command: "SELECT", Status: st, LatencyMS: lat,
				Start: report.Time{Time: start}, End: report.Time{Time: start.Add(time.Duration(lat * float64(time.Millisecond)))}}}})
	}
	page := writeHTML(t, r, report.HTMLOptions{})
	rows := strings.Count(page, `<tr><td class="n"><a href="#s`)
	if rows > report.HTMLSlowestSessions+report.HTMLFailingSessions || rows < 5 {
		t.Errorf("%d session rows for 500 sessions", rows)
	}
	for _, id := range []int{124, 51, 151, 251, 351, 451} {
		if !strings.Contains(page, fmt.Sprintf(`<a href="#s%d">%d</a>`, id, id)) {
			t.Errorf("session %d (slowest or failing) not listed", id)
		}
	}
	if !strings.Contains(page, "500 sessions: listed are the") {
		t.Error("no summary line")
	}
	if !strings.Contains(page, "holds all 500 sessions") {
		t.Error("the page does not say how many sessions the JSON report holds")
	}
}
