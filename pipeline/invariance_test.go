package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// TestWorkersGiveIdenticalReports: the report of every capture is the same
// byte for byte whatever the number of workers.
func TestWorkersGiveIdenticalReports(t *testing.T) {
	for _, path := range captures(t) {
		var want []byte
		for _, w := range []int{1, 2, 3} {
			rep, _, err := Analyze(context.Background(), []string{path}, reassembly.Options{Workers: w, Ports: []uint16{143, 220, 993}}, dissect.Options{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			got, err := report.MarshalJSON(rep)
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = got
			} else if !bytes.Equal(got, want) {
				t.Errorf("%s: %d workers give a different report than 1", path, w)
			}
		}
	}
}

// dropFirstRecords returns a classic pcap without its first n packets.
func dropFirstRecords(t *testing.T, pcap []byte, n int) []byte {
	t.Helper()
	if len(pcap) < 24 || binary.LittleEndian.Uint32(pcap) != 0xa1b2c3d4 && binary.LittleEndian.Uint32(pcap) != 0xa1b23c4d {
		t.Fatal("not a little-endian classic pcap")
	}
	off := 24
	for i := 0; i < n && off+16 <= len(pcap); i++ {
		off += 16 + int(binary.LittleEndian.Uint32(pcap[off+8:]))
	}
	return append(append([]byte(nil), pcap[:24]...), pcap[off:]...)
}

// TestCaptureStartingMidSession cuts the start (handshake, greeting, the
// first commands) off real captures: what follows is dissected from the
// first plausible line, marked midstream, and nothing is invented — every
// transaction reported is one the client really sent, with its status.
func TestCaptureStartingMidSession(t *testing.T) {
	for _, name := range []string{"dovecot/demo.pcap", "dovecot/imaplib.pcap", "cyrus/session.pcap", "courier/session.pcap", "imap3/imap3-clean.pcap"} {
		path := filepath.Join("..", "pcaps", name)
		whole, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		clean := analyze(t, path, dissect.Options{})
		truth := map[string]string{} // "client|tag command" -> status in the clean run
		for _, s := range clean.Sessions {
			for _, x := range s.Transactions {
				truth[s.Client+"|"+x.Tag+" "+x.Command] = string(x.Status)
			}
		}
		for _, cut := range []int{7, 12, 25} {
			tmp := filepath.Join(t.TempDir(), "cut.pcap")
			if err := os.WriteFile(tmp, dropFirstRecords(t, whole, cut), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := analyze(t, tmp, dissect.Options{})
			mid, kept := 0, 0
			for _, s := range rep.Sessions {
				if s.Midstream {
					mid++
				}
				for _, x := range s.Transactions {
					want, ok := truth[s.Client+"|"+x.Tag+" "+x.Command]
					if !ok {
						t.Errorf("%s cut %d: invented %s %s in %s", name, cut, x.Tag, x.Command, s.Client)
						continue
					}
					if string(x.Status) != want && x.Status != "" && x.Note == "" {
						t.Errorf("%s cut %d: %s %s status %q, clean run says %q", name, cut, x.Tag, x.Command, x.Status, want)
					}
					kept++
				}
			}
			if mid == 0 {
				t.Errorf("%s cut %d: no session marked midstream", name, cut)
			}
			if kept == 0 && !strings.Contains(name, "imap3") {
				t.Errorf("%s cut %d: nothing recovered after the cut", name, cut)
			}
		}
	}
}

// keepFirstRecords returns a classic pcap with only its first n packets.
func keepFirstRecords(pcap []byte, n int) []byte {
	off := 24
	for i := 0; i < n && off+16 <= len(pcap); i++ {
		off += 16 + int(binary.LittleEndian.Uint32(pcap[off+8:]))
	}
	return append([]byte(nil), pcap[:off]...)
}

// TestConnectionWithoutData: a connection that never carried a byte (here
// the handshake of a real session, cut before the greeting) is counted,
// not reported as a session.
func TestConnectionWithoutData(t *testing.T) {
	whole, err := os.ReadFile("../pcaps/dovecot/demo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "syn.pcap")
	if err := os.WriteFile(tmp, keepFirstRecords(whole, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := analyze(t, tmp, dissect.Options{})
	if len(rep.Sessions) != 0 || rep.Capture.EmptyConnections != 1 {
		t.Errorf("%d sessions, %d empty connections; want 0 and 1", len(rep.Sessions), rep.Capture.EmptyConnections)
	}
	doc, err := report.MarshalJSON(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.ValidateJSON(doc); err != nil {
		t.Error(err)
	}
}

// streamJSONL runs a capture through an engine with the given workers and
// returns the JSONL stream, transaction lines included.
func streamJSONL(t *testing.T, data []byte, workers int) []byte {
	t.Helper()
	var out bytes.Buffer
	jl := report.NewJSONLWriter(&out)
	col := NewCollector(dissect.Options{}, Stream{Session: jl.WriteSession, Transaction: func(s *report.Session, x *report.Transaction) error {
		return jl.WriteTransaction(s.ID, x)
	}})
	e := reassembly.NewEngine(reassembly.Options{Workers: workers, Ports: []uint16{143, 220, 993}}, col)
	if err := e.ReadFrom(context.Background(), "x", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if err := col.Err(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestJSONLOrderIndependentOfWorkers: the streamed output — session lines
// as sessions end and transaction lines as they complete — is the same byte
// for byte for 1, 2 and 3 workers, on every capture and on a synthetic
// capture with 200 sessions overlapping in time.
func TestJSONLOrderIndependentOfWorkers(t *testing.T) {
	inputs := map[string][]byte{}
	for _, p := range captures(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs[p] = b
	}
	syn, _, err := benchgen.Capture(benchgen.Options{Sessions: 200, Seed: 11, Concurrency: 60})
	if err != nil {
		t.Fatal(err)
	}
	inputs["synthetic"] = syn
	for name, data := range inputs {
		want := streamJSONL(t, data, 1)
		if len(want) == 0 {
			t.Fatalf("%s: no output", name)
		}
		for _, w := range []int{2, 3} {
			if got := streamJSONL(t, data, w); !bytes.Equal(got, want) {
				t.Errorf("%s: %d workers stream differently from 1 (%d vs %d bytes)", name, w, len(got), len(want))
			}
		}
	}
}
