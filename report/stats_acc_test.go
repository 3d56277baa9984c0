package report_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/imapscope/imapscope/report"
)

// TestAccumulatorMatchesComputeStats feeds the sessions of real captures
// to a StatsAccumulator in shuffled order (as sessions end, not as they
// started), with their positions, and checks the result equals
// ComputeStats over the ordered report: totals, waiting row, per-key rows,
// slowest (ties included), anomalies and findings.
func TestAccumulatorMatchesComputeStats(t *testing.T) {
	r := analyze(t, "dovecot/demo.pcap", "dovecot/imaplib.pcap", "dovecot/idle.pcap", "cyrus/curl.pcap", "courier/curl.pcap", "courier/features.pcap")
	if len(r.Sessions) < 5 {
		t.Fatalf("%d sessions: no test", len(r.Sessions))
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, opts := range []report.StatsOptions{{}, {Top: 1000}, {Top: 3, ExactLimit: 4}, {Top: -1}} {
		want := report.ComputeStats(r, opts)
		for range 5 {
			a := report.NewStatsAccumulator(opts)
			for _, i := range rng.Perm(len(r.Sessions)) {
				a.Add(r.Sessions[i], report.Position{Seq: uint64(i)})
			}
			if got := a.Stats(nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("options %+v: shuffled accumulation\n got %+v\nwant %+v", opts, got, want)
			}
		}
	}
}
