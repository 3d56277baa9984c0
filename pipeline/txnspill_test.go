package pipeline

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/report"
)

// TestSpillingEveryTransactionChangesNothing dissects every capture under
// ../pcaps with each settled transaction spilled as soon as another
// follows it (dissect.Options.SpillBlock 1) and checks that every format
// renders byte for byte as with the transactions in memory: whatever a
// session does (AUTHENTICATE, IDLE, literals, pipelining, gaps, STARTTLS,
// COMPRESS), a transaction leaves memory only once nothing changes it.
func TestSpillingEveryTransactionChangesNothing(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	files, err := filepath.Glob("../pcaps/*/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	spilled := 0
	for _, f := range files {
		want := renderSpill(t, analyze(t, f, dissect.Options{}))
		txns := report.NewTxnFile()
		rep := analyze(t, f, dissect.Options{TxnFile: txns, SpillBlock: 1})
		for _, s := range rep.Sessions {
			if s.Spilled != nil {
				spilled++
			}
		}
		if got := renderSpill(t, rep); got != want {
			t.Errorf("%s: output differs with transactions spilled (%d vs %d bytes)", f, len(got), len(want))
		}
		txns.Close()
	}
	if spilled == 0 {
		t.Fatal("no session spilled any transaction")
	}
	t.Logf("%d captures, %d sessions spilled", len(files), spilled)
}

// renderSpill renders rep, with its statistics, in every format.
func renderSpill(t *testing.T, rep *report.Report) string {
	t.Helper()
	rep.Stats = report.ComputeStats(rep, report.StatsOptions{Top: 1000})
	var b bytes.Buffer
	b.WriteString(renderEvery(t, rep, true))
	if err := report.WriteTSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
