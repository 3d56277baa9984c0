package reassembly

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/imapscope/imapscope/internal/benchgen"
)

// callLog is a ConnFactory that writes every call it and its Conns get,
// bytes included as they are at the time of the call, into one log per
// connection and, for one worker, one log for everything in order.
type callLog struct {
	mu     sync.Mutex
	all    []string
	conns  map[uint64][]string
	panicN int // the panicN-th Data call panics (0: none)
	datas  int
}

func newCallLog() *callLog { return &callLog{conns: map[uint64][]string{}} }

func (l *callLog) note(seq uint64, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, fmt.Sprintf("%d %s", seq, s))
	l.conns[seq] = append(l.conns[seq], s)
}

// calls returns the global log without the NewConn calls, which are never
// queued (a connection is made when its first packet is assembled), and
// with the calls of the final flush in connection order: gopacket ends the
// connections left at the end of the input in no fixed order.
func (l *callLog) calls() []string {
	var out, final []string
	finalKey := fmt.Sprintf(" %d ", uint64(math.MaxUint64))
	for _, s := range l.all {
		switch {
		case strings.Contains(s, " new "):
		case strings.Contains(s, finalKey) && !strings.HasPrefix(s, "progress"):
			final = append(final, s)
		default:
			out = append(out, s)
		}
	}
	seq := func(s string) int {
		n, _ := strconv.Atoi(s[:strings.IndexByte(s, ' ')])
		return n
	}
	sort.SliceStable(final, func(i, j int) bool { return seq(final[i]) < seq(final[j]) })
	return append(out, final...)
}

func (l *callLog) Workers(int) {}

func (l *callLog) Progress(w int, key uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, fmt.Sprintf("progress %d %d", w, key))
}

func (l *callLog) NewConn(info ConnInfo) Conn {
	l.note(info.Seq, "new "+info.Client.String()+" "+info.Server.String())
	return &loggedConn{l: l, seq: info.Seq}
}

// loggedConn is one connection of a callLog.
type loggedConn struct {
	l   *callLog
	seq uint64
}

func (c *loggedConn) Data(key uint64, d Direction, ts time.Time, p []byte) {
	c.l.mu.Lock()
	c.l.datas++
	boom := c.l.datas == c.l.panicN
	c.l.mu.Unlock()
	if boom {
		panic("conn failure")
	}
	c.l.note(c.seq, fmt.Sprintf("data %d %d %d %q", key, d, ts.UnixNano(), p))
}

func (c *loggedConn) Gap(key uint64, d Direction, ts time.Time, n int) {
	c.l.note(c.seq, fmt.Sprintf("gap %d %d %d %d", key, d, ts.UnixNano(), n))
}

func (c *loggedConn) End(key uint64, ts time.Time, closed bool) {
	c.l.note(c.seq, fmt.Sprintf("end %d %d %v", key, ts.UnixNano(), closed))
}

func (c *loggedConn) Anomaly(d Direction, ts time.Time, kind, detail string) {
	c.l.note(c.seq, fmt.Sprintf("anomaly %d %d %s %s", d, ts.UnixNano(), kind, detail))
}

// deliveryMode is how an engine under test makes its Conn calls.
type deliveryMode int

const (
	atOnce   deliveryMode = iota // no batching
	batched                      // batched, made on the shard's goroutine
	async                        // batched, made on a goroutine of their own (one worker)
	swinging                     // async, paused and resumed at every block switch
)

// swingingCPUs is a readCPUTimes under which others keep the whole host
// busy and idle by turns, from one look to the next.
func swingingCPUs() func() cpuTimes {
	var n int64
	return func() cpuTimes {
		n++
		return cpuTimes{at: time.Now(), ticks: 200 * n, busy: 200 * (n / 2), cpus: 2, ok: true}
	}
}

// logRun reads file through an engine and returns its log, its stats and,
// for one worker, how many calls its shard queued and how many batches it
// handed to an asynchronous caller.
func logRun(t *testing.T, file []byte, workers int, mode deliveryMode, panicN int) (*callLog, Stats, int64, int64) {
	t.Helper()
	defer func(n int) { asyncCPUs = n }(asyncCPUs)
	asyncCPUs = 1 << 30 // never
	if mode == async || mode == swinging {
		asyncCPUs = 1 // even on one CPU
	}
	defer func(f func() cpuTimes, d time.Duration) { readCPUTimes, contentionEvery = f, d }(readCPUTimes, contentionEvery)
	readCPUTimes = func() cpuTimes { return cpuTimes{} } // cannot tell: never pauses
	if mode == swinging {
		readCPUTimes, contentionEvery = swingingCPUs(), 0
	}
	l := newCallLog()
	l.panicN = panicN
	e := NewEngine(Options{Workers: workers, BatchDelivery: mode != atOnce}, l)
	if err := e.ReadFrom(context.Background(), "test", bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	var queued, handed int64
	if e.inline != nil {
		queued, handed = e.inline.cq.total, e.inline.cq.handed
		if mode == swinging && len(file) > 3*blockSizeInline && e.inline.cq.pauses < 2 {
			t.Errorf("asynchronous delivery paused %d times over %d bytes", e.inline.cq.pauses, len(file))
		}
	}
	return l, e.Close(), queued, handed
}

// deliveryCaptures are the captures batching is checked on: every capture
// under pcaps/ (real servers and clients, IMAP2/3 scripts, crafted
// transport damage) and a generated one of several read blocks.
func deliveryCaptures(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir("../pcaps", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".pcap") || strings.HasSuffix(path, ".pcapng")) {
			return err
		}
		b, err := os.ReadFile(path)
		files[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d captures under pcaps/", len(files))
	}
	gen, _, err := benchgen.Capture(benchgen.Options{Sessions: 60, Seed: 11, Concurrency: 25})
	if err != nil {
		t.Fatal(err)
	}
	if len(gen) < 3*blockSizeInline {
		t.Fatalf("generated capture of %d bytes spans fewer than 3 blocks", len(gen))
	}
	files["benchgen"] = gen
	files["large segments"] = largeSegments(t)
	files["reordered"] = reordered(t)
	return files
}

// reordered is a capture in which every other pair of server segments
// arrives swapped (a path with two queues, or a capture merged from two
// taps): gopacket keeps the early segment and delivers it with the next one
// from bytes of its own, which it reuses, so those calls cannot be queued.
func reordered(t *testing.T) []byte {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40001, 143)
	k.add(handshake()...)
	const size, n = 700, 600
	payload := func(i int) string { return strings.Repeat(fmt.Sprintf("%07d ", i), size/8) }
	for i := 0; i < n; i += 2 {
		if i%4 == 0 {
			k.add(sv((i+1)*size, payload(i+1)), sv(i*size, payload(i)))
		} else {
			k.add(sv(i*size, payload(i)), sv((i+1)*size, payload(i+1)))
		}
	}
	k.add(seg{flags: "FA", off: n * size}, seg{client: true, flags: "FA", ack: n*size + 1})
	return cp.pcap()
}

// largeSegments is a capture taken where segmentation offload hands the
// capture whole 60,000-byte segments (tcpdump on the sender with TSO on):
// a read block holds only a few records, so queued calls span blocks unless
// the reader settles them before it lets go of each block.
func largeSegments(t *testing.T) []byte {
	cp := newCapture(t, layers.LinkTypeEthernet)
	k := cp.conn("10.0.0.1", "10.0.0.2", 40000, 143)
	k.add(handshake()...)
	const size, n = 60000, 100
	for i := range n {
		k.add(sv(i*size, strings.Repeat(string(rune('a'+i%26)), size)))
	}
	k.add(seg{flags: "FA", off: n * size}, seg{client: true, flags: "FA", ack: n*size + 1})
	file := cp.pcap()
	if len(file) < 5*blockSizeInline {
		t.Fatalf("large-segment capture of %d bytes", len(file))
	}
	return file
}

// TestBatchedDeliveryMakesTheSameCalls: with batching, made at once or
// asynchronously, every Conn gets the same calls with the same bytes as
// without, and with one worker the calls and progress reports come in
// exactly the same global order.
func TestBatchedDeliveryMakesTheSameCalls(t *testing.T) {
	files := deliveryCaptures(t)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var queuedAll int64
	for _, name := range names {
		file := files[name]
		plain, pst, _, _ := logRun(t, file, 1, atOnce, 0)
		for _, mode := range []deliveryMode{batched, async, swinging} {
			got, st, queued, handed := logRun(t, file, 1, mode, 0)
			queuedAll += queued
			if d := firstDiff(plain.calls(), got.calls()); d != "" {
				t.Errorf("%s, one worker, mode %d: %s", name, mode, d)
			}
			if pst.Panics != 0 || st.Panics != 0 || pst.Damage != st.Damage {
				t.Errorf("%s, mode %d: panics %d/%d, damage %q vs %q", name, mode, pst.Panics, st.Panics, pst.Damage, st.Damage)
			}
			if name != "benchgen" && name != "large segments" {
				continue
			}
			if queued < int64(len(plain.all))/2 {
				t.Errorf("%s, mode %d: only %d of %d calls were queued", name, mode, queued, len(plain.all))
			}
			if (mode != batched) != (handed > 0) {
				t.Errorf("%s, mode %d: %d batches handed over asynchronously", name, mode, handed)
			}
		}
		// With workers, each connection's calls are those of the same
		// number of workers without batching.
		plainTwo, _, _, _ := logRun(t, file, 2, atOnce, 0)
		two, _, _, _ := logRun(t, file, 2, batched, 0)
		if len(two.conns) != len(plainTwo.conns) {
			t.Errorf("%s, two workers: %d connections, want %d", name, len(two.conns), len(plainTwo.conns))
		}
		for seq, want := range plainTwo.conns {
			if d := firstDiff(want, two.conns[seq]); d != "" {
				t.Errorf("%s, two workers, connection %d: %s", name, seq, d)
			}
		}
	}
	if queuedAll == 0 {
		t.Error("no call was ever queued: batching is not exercised")
	}
}

// firstDiff describes the first difference between two logs ("" if none).
func firstDiff(want, got []string) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("call %d is %.200s, want %.200s", i, got[i], want[i])
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("%d calls, want %d", len(got), len(want))
	}
	return ""
}

// TestBatchedDeliveryPanic: a Conn that panics on a queued call is damage,
// as a panic during assembly is, and every other call is still made.
func TestBatchedDeliveryPanic(t *testing.T) {
	gen, _, err := benchgen.Capture(benchgen.Options{Sessions: 20, Seed: 5, Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, _, _ := logRun(t, gen, 1, atOnce, 0)
	for _, mode := range []deliveryMode{batched, async} {
		const victim = 100
		l, st, queued, _ := logRun(t, gen, 1, mode, victim)
		if queued == 0 {
			t.Fatalf("mode %d: nothing was queued", mode)
		}
		if st.Panics != 1 || !strings.Contains(st.Damage, "conn failure") {
			t.Fatalf("mode %d: panics %d, damage %q", mode, st.Panics, st.Damage)
		}
		checkOneLost(t, plain, l)
	}
}

// checkOneLost checks that got's log is want's with one call missing.
func checkOneLost(t *testing.T, plain, l *callLog) {
	t.Helper()
	lost := 0
	for seq, want := range plain.conns {
		got := l.conns[seq]
		if len(got) == len(want) {
			continue
		}
		lost += len(want) - len(got)
		if d := firstDiff(want, got); d == "" || !strings.HasPrefix(want[len(want)-1], "end ") || !strings.HasPrefix(got[len(got)-1], "end ") {
			t.Errorf("connection %d: %s", seq, d)
		}
	}
	if lost != 1 {
		t.Errorf("%d calls lost, want the one that panicked", lost)
	}
}
