package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// TestPausesKeepStreamedOutput reads real captures as a pipe that pauses at
// record boundaries chosen at random, each pause lasting until the engine
// has pushed what it read (the Collector's Idle): at every pause the JSON
// Lines written so far must be a prefix of the file's output, and in the
// end equal to it byte for byte, for one, two and three workers.
func TestPausesKeepStreamedOutput(t *testing.T) {
	for _, name := range []string{"dovecot/curl.pcap", "dovecot/concurrent.pcap", "cyrus/session.pcap"} {
		path := filepath.Join("..", "pcaps", name)
		pcap, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := pausedJSONL(t, pcap, 1, nil)
		if !strings.Contains(want, `"type":"session"`) {
			t.Fatalf("%s: no session streamed", name)
		}
		cuts := recordCuts(t, pcap, 12, rand.New(rand.NewPCG(uint64(len(pcap)), 15)))
		for _, w := range []int{1, 2, 3} {
			got, prefixes := pausedJSONL(t, pcap, w, cuts)
			if got != want {
				t.Errorf("%s, %d workers, paused at %v: output differs from the file's", name, w, cuts)
			}
			grew := 0
			for i, p := range prefixes {
				if !strings.HasPrefix(want, p) {
					t.Errorf("%s, %d workers: output at pause %d is not a prefix of the final output", name, w, i)
				}
				if i > 0 && len(p) > len(prefixes[i-1]) {
					grew++
				}
			}
			if grew == 0 {
				t.Errorf("%s, %d workers: no pause let out anything (%d pauses)", name, w, len(prefixes))
			}
		}
	}
}

// pausedJSONL runs pcap through an Engine of w workers and a streaming
// Collector writing JSON Lines (transactions too). With cuts, the input is
// a pipe that pauses before each offset until the Collector's Idle has run
// w times; the output at each pause is returned as well.
func pausedJSONL(t *testing.T, pcap []byte, w int, cuts []int) (string, []string) {
	t.Helper()
	var mu sync.Mutex
	var out bytes.Buffer
	jl := report.NewJSONLWriter(lockedWriter{&mu, &out})
	col := NewCollector(dissect.Options{}, Stream{
		Session:     jl.WriteSession,
		Transaction: func(s *report.Session, x *report.Transaction) error { return jl.WriteTransaction(s.ID, x) },
	})
	f := &idleFactory{Collector: col, idle: make(chan struct{}, 1<<12)}
	eng := reassembly.NewEngine(reassembly.Options{Workers: w}, f)
	var in io.Reader = bytes.NewReader(pcap) // not a pipe: no pushes
	r := &pausingPipe{data: pcap, cuts: cuts, idle: f.idle, workers: w}
	r.snapshot = func() {
		mu.Lock()
		defer mu.Unlock()
		r.prefixes = append(r.prefixes, out.String())
	}
	if cuts != nil {
		in = r
	}
	if err := eng.ReadFrom(context.Background(), "pipe", in); err != nil {
		t.Fatal(err)
	}
	eng.Close()
	if err := col.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String(), r.prefixes
}

// idleFactory is a Collector that signals every Idle.
type idleFactory struct {
	*Collector
	idle chan struct{}
}

func (f *idleFactory) Idle() {
	f.Collector.Idle()
	select {
	case f.idle <- struct{}{}:
	default: // cannot fill up: a push sends one per worker
	}
}

// lockedWriter serialises writes with the test's reads of the buffer.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// pausingPipe is an input that says it is a pipe and, before each cut,
// blocks until every worker has called Idle since the read began.
type pausingPipe struct {
	data     []byte
	off      int
	cuts     []int
	idle     chan struct{}
	workers  int
	snapshot func()
	prefixes []string
}

func (p *pausingPipe) Read(b []byte) (int, error) {
	if len(p.cuts) > 0 && p.off == p.cuts[0] {
		p.cuts = p.cuts[1:]
		for drained := false; !drained; {
			select {
			case <-p.idle: // from an earlier push
			default:
				drained = true
			}
		}
		for range p.workers {
			<-p.idle
		}
		p.snapshot()
	}
	end := len(p.data)
	if len(p.cuts) > 0 {
		end = p.cuts[0]
	}
	if p.off == len(p.data) {
		return 0, io.EOF
	}
	n := copy(b, p.data[p.off:end])
	p.off += n
	return n, nil
}

// Stat makes the Engine treat the input as a pipe.
func (p *pausingPipe) Stat() (fs.FileInfo, error) { return pipeInfo{}, nil }

// pipeInfo describes a pipe.
type pipeInfo struct{}

func (pipeInfo) Name() string       { return "pipe" }
func (pipeInfo) Size() int64        { return 0 }
func (pipeInfo) Mode() fs.FileMode  { return fs.ModeNamedPipe | 0o600 }
func (pipeInfo) ModTime() time.Time { return time.Time{} }
func (pipeInfo) IsDir() bool        { return false }
func (pipeInfo) Sys() any           { return nil }

// recordCuts returns n distinct record boundaries of a classic pcap file
// (after its first record, before its end), in order.
func recordCuts(t *testing.T, pcap []byte, n int, r *rand.Rand) []int {
	t.Helper()
	if len(pcap) < 24 || binary.LittleEndian.Uint32(pcap) != 0xa1b2c3d4 {
		t.Fatal("not a little-endian classic pcap")
	}
	var bounds []int
	for off := 24; off+16 <= len(pcap); {
		off += 16 + int(binary.LittleEndian.Uint32(pcap[off+8:]))
		if off < len(pcap) {
			bounds = append(bounds, off)
		}
	}
	r.Shuffle(len(bounds), func(i, j int) { bounds[i], bounds[j] = bounds[j], bounds[i] })
	bounds = bounds[:min(n, len(bounds))]
	for i := 1; i < len(bounds); i++ {
		for j := i; j > 0 && bounds[j] < bounds[j-1]; j-- {
			bounds[j], bounds[j-1] = bounds[j-1], bounds[j]
		}
	}
	return bounds
}
