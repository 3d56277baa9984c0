package pipeline

import (
	"context"
	"errors"
	"testing"

	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// TestRunStreamErrors: an error writing a streamed transaction or session
// ends in an *OutputError from Run, and nothing is written after it.
func TestRunStreamErrors(t *testing.T) {
	full := errors.New("disk full")
	for _, failTxn := range []bool{true, false} {
		var txns, sessions int
		st := Stream{
			Session: func(*report.Session) error {
				sessions++
				if !failTxn {
					return full
				}
				return nil
			},
			Transaction: func(*report.Session, *report.Transaction) error {
				txns++
				if failTxn {
					return full
				}
				return nil
			},
		}
		cfg := Config{Inputs: []string{"../pcaps/dovecot/auth.pcap"}, Reassembly: reassembly.Options{Workers: 1}, Stream: st}
		res, err := Run(context.Background(), cfg)
		var oe *OutputError
		if !errors.As(err, &oe) || !errors.Is(err, full) {
			t.Fatalf("failTxn %v: err %v, want an OutputError wrapping %v", failTxn, err, full)
		}
		if res.Report == nil || len(res.Report.Sessions) != 0 || res.Stats.Packets == 0 {
			t.Errorf("failTxn %v: streamed run kept sessions or read nothing: %+v", failTxn, res.Stats)
		}
		if want := [2]int{1, 0}; failTxn && [2]int{txns, sessions} != want {
			t.Errorf("failing transactions: %d transactions, %d sessions written, want %v", txns, sessions, want)
		}
		if !failTxn && (sessions != 1 || txns == 0) {
			t.Errorf("failing sessions: %d transactions, %d sessions written, want some and 1", txns, sessions)
		}
	}
}
