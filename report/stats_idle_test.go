package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/report"
)

// TestIdleKeptOutOfTotals analyses the IDLE capture: IDLE's latencies are
// in the waiting row and the IDLE command row, not in the total, server,
// user or slowest figures.
func TestIdleKeptOutOfTotals(t *testing.T) {
	r := analyze(t, "dovecot/idle.pcap")
	st := report.ComputeStats(r, report.StatsOptions{Top: 1000})
	var idleMax, otherMax float64
	idles := 0
	for _, s := range r.Sessions {
		for _, x := range s.Transactions {
			if x.Status == "" {
				continue
			}
			if x.Command == "IDLE" {
				idles++
				idleMax = max(idleMax, x.LatencyMS)
			} else {
				otherMax = max(otherMax, x.LatencyMS)
			}
		}
	}
	if idles == 0 || idleMax <= otherMax {
		t.Fatalf("capture has %d IDLEs, longest %.3f ms, others %.3f ms: no test", idles, idleMax, otherMax)
	}
	if st.Waiting.Key != "IDLE" || st.Waiting.OK+st.Waiting.NO+st.Waiting.BAD+st.Waiting.BYE != idles || st.Waiting.MaxMS != idleMax {
		t.Errorf("waiting row %+v", st.Waiting)
	}
	if st.Total.MaxMS != otherMax || st.Total.Count != st.Transactions {
		t.Errorf("total max %.3f (want %.3f without IDLE), count %d of %d", st.Total.MaxMS, otherMax, st.Total.Count, st.Transactions)
	}
	for _, row := range append(st.Servers, st.Users...) {
		if row.MaxMS > otherMax {
			t.Errorf("row %q max %.3f includes IDLE", row.Key, row.MaxMS)
		}
	}
	for _, x := range st.Slowest {
		if x.Command == "IDLE" {
			t.Errorf("IDLE among the slowest: %+v", x)
		}
	}
	var tbl bytes.Buffer
	if err := report.WriteStatsTable(&tbl, st, report.TableOptions{}); err != nil || !strings.Contains(tbl.String(), "IDLE (waiting)") {
		t.Errorf("table has no waiting row: %v\n%s", err, tbl.String())
	}
}
