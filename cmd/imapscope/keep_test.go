package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// inMemory renders inputs the way read did before sessions were spilled:
// the whole report in memory, filtered, then written.
func inMemory(t *testing.T, format string, cfg readConfig, inputs ...string) string {
	t.Helper()
	res, err := pipeline.Run(context.Background(), pipeline.Config{
		Inputs:     inputs,
		Reassembly: reassembly.Options{Ports: reassembly.DefaultPorts(), Workers: 1, IdleTimeout: reassembly.DefaultIdleTimeout},
		Tool:       "imapscope " + programVersion(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if code := filterAndWrite(&buf, res.Report, format, cfg, false, io.Discard); code != exitOK {
		t.Fatalf("in-memory %s: exit %d", format, code)
	}
	return buf.String()
}

// TestSpilledOutputMatchesInMemory checks that the whole-document formats,
// now written from sessions spilled as they end, are byte-identical to the
// in-memory rendering, for any number of workers: several real captures
// read together (sessions ordered by start time) and a generated capture
// of 300 sessions (above the HTML report's summarising threshold), with
// and without statistics and a filter, and captures with TLS sessions.
func TestSpilledOutputMatchesInMemory(t *testing.T) {
	t.Setenv("COLUMNS", "")
	gen := filepath.Join(t.TempDir(), "short.pcap")
	f, err := os.Create(gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := benchgen.Write(f, benchgen.Options{Sessions: 300, Shape: benchgen.ShapeShort, Concurrency: 40}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sets := [][]string{{gen}, {demoPcap, imaplibPcap, "../../pcaps/cyrus/session.pcap", "../../pcaps/dovecot/idle.pcap"},
		// TLS sessions: the table's TLS column is decided over every session, spilled or not.
		{demoPcap, "../../pcaps/tls/compress-tls.pcap", "../../pcaps/dovecot/starttls.pcap"}}
	for _, in := range sets {
		for _, format := range []string{"json", "table", "html", "tsv"} {
			for _, extra := range [][]string{nil, {"--stats"}, {"--stats", "--status", "!OK", "--top", "40"}} {
				if format == "tsv" && len(extra) > 0 {
					continue
				}
				cfg := readConfig{top: report.DefaultTop}
				for i := 0; i < len(extra); i++ {
					switch extra[i] {
					case "--stats":
						cfg.stats = true
					case "--status":
						cfg.filter.Statuses, _ = report.ParseStatuses(extra[i+1])
						i++
					case "--top":
						cfg.top, _ = strconv.Atoi(extra[i+1])
						i++
					}
				}
				want := inMemory(t, format, cfg, in...)
				// Every session spilled (budget 0), some, or none.
				for _, run := range []struct {
					w      string
					budget int64
				}{{"1", 0}, {"3", 0}, {"3", 30000}, {"1", pipeline.MemoryBudget}} {
					args := append([]string{"read", "--quiet", "--format", format, "--workers", run.w}, extra...)
					code, got, errs := runWithBudget(t, run.budget, append(args, in...)...)
					if code != exitOK || got != want {
						t.Errorf("%v %v (memory budget %d): exit %d (%s), output differs from the in-memory report (%d vs %d bytes)", args, in, run.budget, code, errs, len(got), len(want))
					}
				}
			}
		}
	}
}

// runWithBudget runs the CLI with pipeline.MemoryBudget set to budget.
func runWithBudget(t *testing.T, budget int64, args ...string) (int, string, string) {
	t.Helper()
	defer func(b int64) { pipeline.MemoryBudget = b }(pipeline.MemoryBudget)
	pipeline.MemoryBudget = budget
	return runCLI(t, args...)
}

// TestSpillFileErrorReported checks that a spill file that cannot be
// created fails the run with a clear message and leaves no report.
func TestSpillFileErrorReported(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	out := filepath.Join(dir, "r.json")
	code, stdout, errs := runCLI(t, "read", "--format", "json", "-o", out, demoPcap)
	if code != exitFailure || !bytes.Contains([]byte(errs), []byte("spill file")) || stdout != "" {
		t.Errorf("exit %d, stderr %q, stdout %d bytes", code, errs, len(stdout))
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("report file left behind: %v", err)
	}
	t.Setenv("TMPDIR", dir)
	if code, _, errs := runCLI(t, "read", "--format", "json", "-o", out, demoPcap); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary directory holds %v, want the report alone", ents)
	}
}
