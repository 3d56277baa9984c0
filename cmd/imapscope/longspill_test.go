package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// TestLongSessionSpilledMatchesInMemory checks that sessions long enough
// to spill their finished transactions (report.TxnFile) are written byte
// for byte as when every transaction stays in memory, in every format and
// for any number of workers, with a transaction filter too: two
// interleaved sessions of 6,000 commands (a transaction table above the
// piece size, several spilled blocks each).
func TestLongSessionSpilledMatchesInMemory(t *testing.T) {
	t.Setenv("COLUMNS", "")
	gen := filepath.Join(t.TempDir(), "long.pcap")
	f, err := os.Create(gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := benchgen.Write(f, benchgen.Options{Sessions: 2, Concurrency: 2, Shape: benchgen.ShapeLong, Commands: 6000}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n := spilledSessions(t, gen); n != 2 {
		t.Fatalf("%d sessions spilled transactions, want 2", n)
	}
	for _, format := range []string{"json", "table", "html", "tsv", "jsonl", "ecs"} {
		for _, extra := range [][]string{nil, {"--status", "!OK"}, {"--emit", "transactions"}} {
			cfg := readConfig{top: report.DefaultTop, emit: "sessions"}
			switch {
			case extra == nil:
			case extra[0] == "--status":
				cfg.filter.Statuses, _ = report.ParseStatuses(extra[1])
			case format != "jsonl":
				continue
			default:
				cfg.emit = extra[1]
			}
			var want string
			switch format {
			case "jsonl":
				want = streamInMemory(t, func(w io.Writer) pipeline.Stream { return jsonlFiltered(w, cfg.filter, cfg.emit == "transactions") }, gen)
			case "ecs":
				want = streamInMemory(t, func(w io.Writer) pipeline.Stream { return ecsFiltered(w, cfg.filter) }, gen)
			default:
				want = inMemory(t, format, cfg, gen)
			}
			for _, w := range []string{"1", "3"} {
				args := append([]string{"read", "--quiet", "--format", format, "--workers", w}, extra...)
				code, got, errs := runCLI(t, append(args, gen)...)
				if code != exitOK || got != want {
					t.Errorf("%v: exit %d (%s), output differs from the in-memory one (%d vs %d bytes)", args, code, errs, len(got), len(want))
				}
			}
		}
	}
}

// streamInMemory streams inputs to the stream of a streamed format,
// without a transaction spill file.
func streamInMemory(t *testing.T, stream func(io.Writer) pipeline.Stream, inputs ...string) string {
	t.Helper()
	var buf bytes.Buffer
	_, err := pipeline.Run(context.Background(), pipeline.Config{
		Inputs:     inputs,
		Reassembly: reassembly.Options{Ports: reassembly.DefaultPorts(), Workers: 1, IdleTimeout: reassembly.DefaultIdleTimeout},
		Tool:       "imapscope " + programVersion(),
		Stream:     stream(&buf),
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// spilledSessions counts the sessions of inputs that spilled transactions
// when dissected with a TxnFile, checking that the spilled ones and those
// in memory add up to the whole.
func spilledSessions(t *testing.T, inputs ...string) int {
	t.Helper()
	txns := report.NewTxnFile()
	defer txns.Close()
	n := 0
	_, err := pipeline.Run(context.Background(), pipeline.Config{
		Inputs:     inputs,
		Reassembly: reassembly.Options{Ports: reassembly.DefaultPorts(), Workers: 1, IdleTimeout: reassembly.DefaultIdleTimeout},
		Dissect:    dissect.Options{TxnFile: txns},
		Stream: pipeline.Stream{Session: func(s *report.Session) error {
			if s.Spilled == nil {
				return nil
			}
			n++
			if len(s.Transactions) >= 3*dissect.SpillTransactions {
				t.Errorf("session %d keeps %d transactions in memory", s.ID, len(s.Transactions))
			}
			i := 0
			for range s.Txns() {
				i++
			}
			if i != s.TransactionCount() || s.TxnErr() != nil {
				t.Errorf("session %d: read %d of %d transactions (%v)", s.ID, i, s.TransactionCount(), s.TxnErr())
			}
			return nil
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTxnFileErrorKeepsTransactions checks that a transaction spill file
// that cannot be created is reported and changes nothing else: the long
// session's transactions stay in memory and the output is whole.
func TestTxnFileErrorKeepsTransactions(t *testing.T) {
	t.Setenv("COLUMNS", "")
	gen := filepath.Join(t.TempDir(), "long.pcap")
	f, err := os.Create(gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := benchgen.Write(f, benchgen.Options{Sessions: 1, Shape: benchgen.ShapeLong, Commands: 3000}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := streamInMemory(t, func(w io.Writer) pipeline.Stream { return jsonlFiltered(w, report.Filter{}, false) }, gen)
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	code, got, errs := runCLI(t, "read", "--quiet", "--format", "jsonl", gen)
	if code != exitOK || got != want || !strings.Contains(errs, "transaction spill file") {
		t.Errorf("exit %d, stderr %q, output %d bytes, want %d", code, errs, len(got), len(want))
	}
}
