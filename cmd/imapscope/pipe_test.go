//go:build unix

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// curlPcap holds twelve sessions of curl against Dovecot, one after the
// other.
const curlPcap = "../../pcaps/dovecot/curl.pcap"

// TestPausedPipeYieldsCompleteSession feeds a real capture through standard
// input (an os.Pipe) and through a FIFO, pausing right after the packet
// that completes the first session: while the writer is still paused, the
// JSON Lines output must already hold that session and its transactions.
// Once the rest is written, the output must equal the file's, byte for
// byte, for one worker and for two.
func TestPausedPipeYieldsCompleteSession(t *testing.T) {
	bin := imapscopeBinary(t)
	pcap, err := os.ReadFile(curlPcap)
	if err != nil {
		t.Fatal(err)
	}
	// Sessions alone are written by the collector's writer goroutine;
	// with transactions, on the dissecting one (pipeline/collector_writer.go).
	for _, emit := range []string{"transactions", "sessions"} {
		flags := []string{"read", "--format", "jsonl", "--emit", emit, "--quiet"}
		code, want, stderr := runCLI(t, append(flags, curlPcap)...)
		if code != exitOK {
			t.Fatalf("file input: exit %d: %s", code, stderr)
		}
		first, end := firstSession(t, want, emit == "transactions")
		cut := cutAfter(t, pcap, end)
		if cut >= len(pcap) {
			t.Fatalf("session 1 ends with the capture: nothing to pause before")
		}
		for _, input := range []string{"stdin", "fifo"} {
			for _, workers := range []string{"1", "2"} {
				t.Run("emit="+emit+"/"+input+"/workers="+workers, func(t *testing.T) {
					args := append(append([]string{}, flags...), "--workers", workers)
					got := pausedRun(t, bin, args, input, pcap[:cut], pcap[cut:], first)
					if got != want {
						t.Errorf("output after the pause differs from the file's:\n got %d bytes\nwant %d bytes", len(got), len(want))
					}
				})
			}
		}
	}
}

// pausedRun runs bin with args reading input ("stdin" or "fifo"), writes
// head, waits until the output starts with first while the writer stays
// paused, writes tail and returns the whole output.
func pausedRun(t *testing.T, bin string, args []string, input string, head, tail []byte, first string) string {
	t.Helper()
	cmd := exec.Command(bin)
	var w io.WriteCloser
	var fifo string
	if input == "fifo" {
		fifo = filepath.Join(t.TempDir(), "capture.fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		cmd.Args = append(append([]string{bin}, args...), fifo)
	} else {
		cmd.Args = append(append([]string{bin}, args...), "-")
		var err error
		if w, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	out := newLineWatcher()
	cmd.Stdout = out
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if fifo != "" {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the reader
		if err != nil {
			t.Fatal(err)
		}
		w = f
	}
	resume := make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		_, err := w.Write(head)
		<-resume // the writer is paused until the test says so
		if err == nil {
			_, err = w.Write(tail)
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		wrote <- err
	}()
	if !out.waitFor(t, first) {
		close(resume)
		cmd.Wait()
		t.Fatalf("the writer paused after session 1, but the output holds only:\n%s\nstderr: %s", out.String(), errb.String())
	}
	if got := out.String(); got != first {
		t.Errorf("output during the pause:\n%s\nwant session 1 alone:\n%s", got, first)
	}
	close(resume)
	if err := <-wrote; err != nil {
		t.Fatalf("writing the capture: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	return out.String()
}

// firstSession returns the lines of want up to and including the first
// session line (with txns, its transactions come before it), and that
// session's end.
func firstSession(t *testing.T, want string, txns bool) (string, time.Time) {
	t.Helper()
	i := strings.Index(want, `{"type":"session"`)
	j := strings.IndexByte(want[max(i, 0):], '\n')
	if i < 0 || j < 0 {
		t.Fatalf("no session line in\n%s", want)
	}
	first := want[:i+j+1]
	var s struct{ End time.Time }
	if err := json.Unmarshal([]byte(want[i:i+j]), &s); err != nil || s.End.IsZero() {
		t.Fatalf("session line %q: %v", want[i:i+j], err)
	}
	if txns && !strings.Contains(first, `{"type":"transaction","session_id":1,`) {
		t.Fatalf("session 1 has no transaction lines:\n%s", first)
	}
	return first, s.End
}

// cutAfter returns the offset in a little-endian microsecond pcap file just
// after the last record stamped no later than end (records are in time
// order).
func cutAfter(t *testing.T, pcap []byte, end time.Time) int {
	t.Helper()
	if len(pcap) < 24 || binary.LittleEndian.Uint32(pcap) != 0xa1b2c3d4 {
		t.Fatalf("%s is not a little-endian microsecond pcap file", curlPcap)
	}
	off := 24
	for off+16 <= len(pcap) {
		h := pcap[off:]
		ts := time.Unix(int64(binary.LittleEndian.Uint32(h)), int64(binary.LittleEndian.Uint32(h[4:]))*1000)
		if ts.After(end) {
			break
		}
		off += 16 + int(binary.LittleEndian.Uint32(h[8:]))
	}
	return off
}

// lineWatcher collects a command's output and wakes waiters on each write.
type lineWatcher struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{}
}

func newLineWatcher() *lineWatcher { return &lineWatcher{notify: make(chan struct{}, 1)} }

func (l *lineWatcher) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	select {
	case l.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

// String returns the output so far.
func (l *lineWatcher) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the output is at least as long as want. The wait has
// no limit of its own; it gives up (false) only a little before the test
// binary's -timeout would kill the test, so that a failure says what was
// missing rather than dumping goroutines.
func (l *lineWatcher) waitFor(t *testing.T, want string) bool {
	var giveUp <-chan time.Time
	if d, ok := t.Deadline(); ok {
		giveUp = time.After(time.Until(d) - 10*time.Second)
	}
	for len(l.String()) < len(want) {
		select {
		case <-l.notify:
		case <-giveUp:
			return false
		}
	}
	return true
}
