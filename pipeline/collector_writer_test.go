package pipeline

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// streamLines runs path through Run with Stream.Session alone, long
// sessions spilling every settled transaction (SpillBlock 1), and returns
// each session's JSON line as the Session call saw it, and how many of
// them had spilled transactions. Rendering inside the call reads the
// spilled transactions back: a call made after the collector released
// them would fail or come out short.
func streamLines(t *testing.T, path string, workers int) (string, int) {
	t.Helper()
	txns := report.NewTxnFile()
	defer txns.Close()
	var out bytes.Buffer
	jl := report.NewJSONLWriter(&out)
	spilled := 0
	cfg := Config{
		Inputs:     []string{path},
		Reassembly: reassembly.Options{Workers: workers, Ports: []uint16{143, 220, 993}},
		Dissect:    dissect.Options{TxnFile: txns, SpillBlock: 1},
		Stream: Stream{Session: func(s *report.Session) error {
			if s.Spilled != nil {
				spilled++
			}
			return jl.WriteSession(s)
		}},
	}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out.String(), spilled
}

// TestSessionWriterKeepsOrder checks that Session calls made on the
// collector's writer goroutine (GOMAXPROCS ≥ 2) see the same sessions, in
// the same order, as calls made on the dissecting goroutine (GOMAXPROCS
// 1), for every capture under ../pcaps, with long sessions among short
// ones written in their place.
func TestSessionWriterKeepsOrder(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	files, err := filepath.Glob("../pcaps/*/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	if !NewCollector(dissect.Options{}, Stream{Session: func(*report.Session) error { return nil }}).async && runtime.GOMAXPROCS(0) >= 2 {
		t.Fatal("a collector streaming sessions alone does not write them on a goroutine of its own")
	}
	prev := runtime.GOMAXPROCS(1)
	want := make([]string, len(files))
	for i, f := range files {
		want[i], _ = streamLines(t, f, 1)
	}
	runtime.GOMAXPROCS(max(prev, 2))
	defer runtime.GOMAXPROCS(prev)
	spilled := 0
	for i, f := range files {
		for _, workers := range []int{1, 2} {
			got, n := streamLines(t, f, workers)
			spilled += n
			if got != want[i] {
				t.Errorf("%s, %d workers: sessions written by the writer goroutine differ from the synchronous calls (%d vs %d bytes)", f, workers, len(got), len(want[i]))
			}
		}
	}
	if spilled == 0 {
		t.Fatal("no streamed session had spilled transactions: the long-session path went untested")
	}
}

// TestSessionWriterStopsAtError checks that the first error of a Session
// call made on the writer goroutine ends the output: Run returns it as an
// OutputError and no session is written after it.
func TestSessionWriterStopsAtError(t *testing.T) {
	errFull := errors.New("disk full")
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		calls := 0
		cfg := Config{
			Inputs:     []string{"../pcaps/dovecot/curl.pcap"},
			Reassembly: reassembly.Options{Workers: 1, Ports: []uint16{143}},
			Stream: Stream{Session: func(s *report.Session) error {
				calls++
				if calls == 3 {
					return errFull
				}
				return nil
			}},
		}
		_, err := Run(context.Background(), cfg)
		runtime.GOMAXPROCS(prev)
		var oe *OutputError
		if !errors.As(err, &oe) || !errors.Is(err, errFull) {
			t.Errorf("GOMAXPROCS %d: Run returned %v, want the Session error as an OutputError", procs, err)
		}
		if calls != 3 {
			t.Errorf("GOMAXPROCS %d: %d Session calls, want 3 (none after the failing one)", procs, calls)
		}
	}
}

// TestSessionWriterPanicIsAnError checks that a Session call panicking on
// the writer goroutine does not end the program: Run returns it as an
// OutputError.
func TestSessionWriterPanicIsAnError(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	cfg := Config{
		Inputs:     []string{"../pcaps/dovecot/curl.pcap"},
		Reassembly: reassembly.Options{Workers: 1, Ports: []uint16{143}},
		Stream: Stream{Session: func(s *report.Session) error {
			if s.ID == 2 {
				panic("renderer bug")
			}
			return nil
		}},
	}
	_, err := Run(context.Background(), cfg)
	var oe *OutputError
	if !errors.As(err, &oe) {
		t.Fatalf("Run returned %v, want the panic as an OutputError", err)
	}
}
