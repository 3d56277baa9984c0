package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// testPorts are the server ports the CLI analyses by default.
var testPorts = []uint16{143, 220, 993}

// analyzeBytes runs a capture held in memory through the engine and the
// collector, as pipeline.Analyze does for a file.
func analyzeBytes(ctx context.Context, name string, file []byte, workers int, dopts dissect.Options) (*report.Report, reassembly.Stats, error) {
	col := pipeline.NewCollector(dopts, pipeline.Stream{})
	e := reassembly.NewEngine(reassembly.Options{Workers: workers, Ports: testPorts}, col)
	err := e.ReadFrom(ctx, name, bytes.NewReader(file))
	st := e.Close()
	rep := &report.Report{Tool: "imapscope test", Inputs: []string{name}, Sessions: col.Sessions(), Capture: pipeline.CaptureStats(st)}
	return rep, st, err
}

// fuzzSeedFiles are small real captures used as FuzzPcap seeds, whole and
// cut short.
var fuzzSeedFiles = []string{
	"../pcaps/imap3/imap3-pipelined.pcap",
	"../pcaps/dovecot/idle.pcap",
	"../pcaps/dovecot/auth.pcap",
	"../pcaps/imap3/rfc1203-sample.pcap",
}

// FuzzPcap feeds mutated captures through reassembly and dissection: no
// panic (none recovered either), no error other than "not a capture", and
// the report renders as schema-valid JSON.
func FuzzPcap(f *testing.F) {
	for _, p := range fuzzSeedFiles {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)*2/3])
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		rep, st, err := analyzeBytes(context.Background(), "fuzz.pcap", file, 1, dissect.Options{MaxLine: 256, MaxPending: 16})
		if err != nil {
			if !errors.Is(err, reassembly.ErrNotCapture) {
				t.Fatalf("error other than not-a-capture: %v", err)
			}
			return
		}
		if st.Panics != 0 {
			t.Fatalf("recovered panic: %s", st.Damage)
		}
		var js bytes.Buffer
		if err := report.WriteJSON(&js, rep); err != nil {
			t.Fatal(err)
		}
		if err := report.ValidateJSON(js.Bytes()); err != nil {
			t.Fatalf("schema: %v", err)
		}
	})
}

// TestWritePcapSeeds writes the committed FuzzPcap corpus with -update
// (go test ./pipeline -run TestWritePcapSeeds -update): the smallest seed
// captures whole, cut mid-record, and with a bad record header.
func TestWritePcapSeeds(t *testing.T) {
	if !*golden.Update {
		t.Skip("run with -update to rewrite testdata/fuzz/FuzzPcap")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzPcap")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(fuzzSeedFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	write("seed-imap3-pipelined", b)
	write("seed-imap3-pipelined-cut", b[:len(b)/2+7])
	bad := bytes.Clone(b)
	bad[24+8] = 0xff // first record's captured length
	write("seed-imap3-pipelined-badrecord", bad)
	write("seed-empty-pcap-header", b[:24])
}
