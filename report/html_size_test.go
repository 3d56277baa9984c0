package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/report"
)

// TestHTMLSizeBounded renders the worst report the page's limits allow:
// many sessions, each failing, with more transactions than a timeline
// draws and long arguments, texts and users. The page stays under
// 20 MB (the bound), whatever the number of sessions.
func TestHTMLSizeBounded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("<&x\"", 1000) // escapes grow it
	sizes := []int{}
	for _, n := range []int{300, 3000} {
		r := &report.Report{Tool: "t"}
		for i := range n {
			start := t0.Add(time.Duration(i) * time.Second)
			s := &report.Session{ID: i + 1, Client: fmt.Sprintf("10.0.%d.%d:4000", i/250, i%250), Server: long[:200],
				Start: report.Time{Time: start}, End: report.Time{Time: start.Add(time.Second)}, User: long[:300] + fmt.Sprint(i)}
			for j := range report.MaxTimelineRows + 50 {
				s.Transactions = append(s.Transactions, &report.Transaction{Tag: fmt.Sprint("a", j), Command: "UID FETCH", Args: long, Text: long, Code: long,
					Status: "NO", LatencyMS: float64(j), Start: report.Time{Time: start.Add(time.Duration(j) * time.Millisecond)}})
			}
			r.Sessions = append(r.Sessions, s)
		}
		sizes = append(sizes, len(writeHTML(t, r, report.HTMLOptions{})))
	}
	for _, n := range sizes {
		if n > 20<<20 {
			t.Errorf("page of %d bytes, limit %d", n, 20<<20)
		}
	}
	t.Logf("page sizes %v", sizes)
}
