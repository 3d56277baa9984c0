package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imapscope/imapscope/internal/dovecottest"
	"github.com/imapscope/imapscope/reassembly/live"
)

func TestLiveFlagValidation(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no interface", []string{}, "no interface"},
		{"positional", []string{"-i", "lo", "x.pcap"}, "unexpected argument"},
		{"emit", []string{"-i", "lo", "--emit", "all"}, "--emit"},
		{"json format", []string{"-i", "lo", "--format", "json"}, "table, jsonl or ecs"},
		{"emit table", []string{"-i", "lo", "--format", "table", "--emit", "transactions"}, "--emit applies to --format jsonl"},
		{"columns jsonl", []string{"-i", "lo", "--format", "jsonl", "--columns", "id"}, "--columns applies to --format table"},
		{"unknown column", []string{"-i", "lo", "--columns", "nope"}, `unknown --columns key "nope"`},
		{"bad filter", []string{"-i", "lo", "--status", "MAYBE"}, "unknown status"},
		{"bad server", []string{"-i", "lo", "--server", "x:y:z"}, "bad endpoint"},
		{"fanout", []string{"-i", "lo", "--fanout-group", "70000"}, "--fanout-group"},
		{"negative count", []string{"-i", "lo", "--count", "-1"}, "negative"},
		{"idle", []string{"-i", "lo", "--idle-timeout", "0"}, "--idle-timeout"},
		{"bad port", []string{"-i", "lo", "--ports", "143,x"}, "bad port"},
	}
	if !live.HavePcap {
		cases = append(cases, struct {
			name string
			args []string
			want string
		}{"filter outside the pure-Go subset", []string{"-i", "lo", "-f", "port 143 or 993"}, "unsupported or malformed expression"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"live"}, c.args...), nil, &out, &errb)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), c.want)
			}
		})
	}
}

func TestLiveHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"live", "--help"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Usage: imapscope live -i IFACE", "--stats-interval", "--fanout-group", "--run-as NAME", "--user users", "--command commands", "Exit codes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// ---------------------------------------------------------------- helpers

// liveRun is an imapscope live process inside a namespace.
type liveRun struct {
	cmd   *exec.Cmd
	lines chan string // stderr lines
	mu    sync.Mutex
	all   []string
	done  chan error
}

// buildImapscope builds the command once per test binary, without cgo.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func imapscopeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "imapscope-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "imapscope")
		// The go command that runs the tests may not be on PATH (go test
		// started by absolute path): prefer the one beside the toolchain.
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go") // go test sets GOROOT
		}
		cmd := exec.Command(goBin, "build", "-o", buildOnce.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func startLive(t *testing.T, srv *dovecottest.Server, args ...string) *liveRun {
	t.Helper()
	bin := imapscopeBinary(t)
	cmd := srv.Command(context.Background(), bin, append([]string{"live"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &liveRun{cmd: cmd, lines: make(chan string, 4096), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.all = append(r.all, sc.Text())
			r.mu.Unlock()
			select {
			case r.lines <- sc.Text():
			default:
			}
		}
		r.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	r.waitLine(t, "capturing on", 10*time.Second)
	return r
}

// waitLine waits for a stderr line containing s and returns it.
func (r *liveRun) waitLine(t *testing.T, s string, d time.Duration) string {
	t.Helper()
	timer := time.After(d)
	for {
		select {
		case l := <-r.lines:
			if strings.Contains(l, s) {
				return l
			}
		case <-timer:
			t.Fatalf("no %q on imapscope's stderr within %v; got:\n%s", s, d, r.stderr())
		}
	}
}

func (r *liveRun) stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.all, "\n")
}

// interrupt sends SIGINT and waits for a clean exit.
func (r *liveRun) interrupt(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("imapscope live: %v\n%s", err, r.stderr())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("imapscope live did not stop on SIGINT\n%s", r.stderr())
	}
	if !strings.Contains(r.stderr(), "done (interrupted)") {
		t.Errorf("no summary line:\n%s", r.stderr())
	}
}

// jsonlSession is what the tests read back from imapscope's JSONL.
type jsonlSession struct {
	Type         string `json:"type"`
	Client       string `json:"client"`
	Transactions []struct {
		Tag     string  `json:"tag"`
		Command string  `json:"command"`
		Status  *string `json:"status"`
		Note    string  `json:"note"`
	} `json:"transactions"`
}

// readSessions parses the JSONL file into sessions keyed by client port,
// failing on a port seen twice.
func readSessions(t *testing.T, path string) map[int]*jsonlSession {
	t.Helper()
	out := map[int]*jsonlSession{}
	for port, list := range readSessionsByPort(t, path) {
		if len(list) > 1 {
			t.Errorf("session from client port %d reported %d times", port, len(list))
		}
		out[port] = list[0]
	}
	return out
}

// readSessionsByPort parses a JSONL file into session lines grouped by
// client port, in file order (a port the kernel reuses for a later
// connection, after the server closed the earlier one, has several).
func readSessionsByPort(t *testing.T, path string) map[int][]*jsonlSession {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]*jsonlSession{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var s jsonlSession
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("bad JSONL line %q: %v", line, err)
		}
		if s.Type != "session" {
			continue
		}
		_, p, _ := net.SplitHostPort(s.Client)
		port, _ := strconv.Atoi(p)
		out[port] = append(out[port], &s)
	}
	return out
}

// checkSession compares a reported session with what the client did.
func checkSession(t *testing.T, got *jsonlSession, want dovecottest.Session) {
	t.Helper()
	if got == nil {
		t.Errorf("session from port %d missing", want.Port)
		return
	}
	if len(got.Transactions) != len(want.Txns) {
		t.Errorf("port %d: %d transactions, client sent %d: %+v", want.Port, len(got.Transactions), len(want.Txns), got.Transactions)
		return
	}
	for i, w := range want.Txns {
		g := got.Transactions[i]
		st := ""
		if g.Status != nil {
			st = *g.Status
		}
		if g.Tag != w.Tag || g.Command != w.Command || st != w.Status {
			t.Errorf("port %d txn %d: got %s %s %q, client saw %s %s %q", want.Port, i, g.Tag, g.Command, st, w.Tag, w.Command, w.Status)
		}
		if w.Status == "" && g.Note == "" {
			t.Errorf("port %d txn %s: pending command without a note", want.Port, w.Tag)
		}
	}
}

// startClient runs the IMAP client helper (TestLiveClientHelper) inside
// the namespace.
func startClient(t *testing.T, srv *dovecottest.Server, mode string, n, conc int) (*exec.Cmd, *bufio.Scanner, *os.File) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := srv.Command(context.Background(), exe, "-test.run=^TestLiveClientHelper$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("IMAPSCOPE_LIVE_CLIENT=%s,%d,%d,%s", mode, n, conc, srv.Addr))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	t.Cleanup(func() { pw.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return cmd, sc, pw
}

// readTruth reads the client's session records until a line equal to stop
// (or EOF when stop is "").
func readTruth(t *testing.T, sc *bufio.Scanner, stop string) []dovecottest.Session {
	t.Helper()
	var out []dovecottest.Session
	for sc.Scan() {
		line := sc.Text()
		if stop != "" && line == stop {
			return out
		}
		if !strings.HasPrefix(line, "{") {
			continue // go test's own output
		}
		var cs dovecottest.Session
		if err := json.Unmarshal([]byte(line), &cs); err != nil {
			t.Fatalf("client output %q: %v", line, err)
		}
		out = append(out, cs)
	}
	if stop != "" {
		t.Fatalf("client ended before %q", stop)
	}
	return out
}

var heapRE = regexp.MustCompile(`heap_inuse=(\d+)`)

func heapOf(t *testing.T, line string) int64 {
	t.Helper()
	m := heapRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no heap_inuse in %q", line)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// TestLiveClientHelper is not a test: it is the IMAP client that the live
// tests run inside the namespace (re-executing this test binary).
func TestLiveClientHelper(t *testing.T) {
	spec := os.Getenv("IMAPSCOPE_LIVE_CLIENT")
	if spec == "" {
		t.Skip("helper process for the live tests")
	}
	if err := dovecottest.RunClient(spec, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestLiveDovecot captures real Dovecot sessions on the namespace's
// loopback and checks every command, and that SIGINT loses nothing.
func TestLiveDovecot(t *testing.T) {
	srv := dovecottest.Start(t)
	out := filepath.Join(t.TempDir(), "live.jsonl")
	pcapOut := filepath.Join(t.TempDir(), "live.pcapng")
	lr := startLive(t, srv, "-i", "lo", "--format", "jsonl", "-o", out, "-w", pcapOut)

	const sessions = 12
	cmd, sc, _ := startClient(t, srv, "full", sessions, 4)
	truth := readTruth(t, sc, "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v", err)
	}
	if len(truth) != sessions {
		t.Fatalf("client ran %d sessions, want %d", len(truth), sessions)
	}
	// One more session, left IDLE-ing while imapscope is interrupted.
	icmd, isc, release := startClient(t, srv, "idle", 1, 1)
	idle := readTruth(t, isc, "IDLING")
	time.Sleep(time.Second) // let the ring hand over the last block
	lr.interrupt(t)
	release.Close()
	if err := icmd.Wait(); err != nil {
		t.Errorf("idle client: %v", err)
	}
	truth = append(truth, idle...)

	got := readSessions(t, out)
	if len(got) != len(truth) {
		t.Errorf("imapscope reported %d sessions, clients ran %d", len(got), len(truth))
	}
	for _, w := range truth {
		checkSession(t, got[w.Port], w)
	}
	t.Logf("%d sessions, %d transactions checked; %s", len(truth), countTxns(truth), lastLine(lr.stderr()))

	// The -w capture replays to the same sessions.
	var rb, re bytes.Buffer
	if code := run([]string{"read", "--format", "jsonl", pcapOut}, nil, &rb, &re); code != exitOK && code != exitDamaged {
		t.Fatalf("read -w output: exit %d: %s", code, re.String())
	}
	replay := filepath.Join(t.TempDir(), "replay.jsonl")
	if err := os.WriteFile(replay, rb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := readSessions(t, replay); len(again) != len(truth) {
		t.Errorf("replaying -w gave %d sessions, want %d", len(again), len(truth))
	}
}

// TestLiveIdleTimeoutWallClock checks that a silent session ends after
// --idle-timeout even though no packet arrives (wall-clock flushing), and
// is not reported again at SIGINT.
func TestLiveIdleTimeoutWallClock(t *testing.T) {
	srv := dovecottest.Start(t)
	out := filepath.Join(t.TempDir(), "live.jsonl")
	lr := startLive(t, srv, "-i", "lo", "--format", "jsonl", "-o", out, "--idle-timeout", "2s")
	_, isc, release := startClient(t, srv, "idle", 1, 1)
	idle := readTruth(t, isc, "IDLING")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, _ := os.ReadFile(out); bytes.Contains(b, []byte(fmt.Sprintf(":%d\"", idle[0].Port))) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle session not reported within 15s of silence with --idle-timeout 2s\n%s", lr.stderr())
		}
		time.Sleep(200 * time.Millisecond)
	}
	lr.interrupt(t)
	release.Close()
	got := readSessions(t, out)
	if len(got) != 1 {
		t.Errorf("%d sessions reported, want 1", len(got))
	}
	checkSession(t, got[idle[0].Port], idle[0])
}

// TestLiveSoak runs thousands of short sessions through one imapscope
// live and checks that each is reported once and that memory comes back.
func TestLiveSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped with -short")
	}
	srv := dovecottest.Start(t)
	out := filepath.Join(t.TempDir(), "soak.jsonl")
	lr := startLive(t, srv, "-i", "lo", "--format", "jsonl", "-o", out, "--stats-interval", "1s")
	first := heapOf(t, lr.waitLine(t, "stats packets=", 5*time.Second))

	const sessions = 3000
	start := time.Now()
	cmd, sc, _ := startClient(t, srv, "short", sessions, 16)
	truth := readTruth(t, sc, "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v", err)
	}
	elapsed := time.Since(start)
	// Wait for a stats line showing every session ended.
	var last string
	deadline := time.Now().Add(20 * time.Second)
	for {
		last = lr.waitLine(t, "stats packets=", 5*time.Second)
		if strings.Contains(last, fmt.Sprintf("sessions_open=0 sessions=%d ", sessions)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions still open: %s", last)
		}
	}
	last = lr.waitLine(t, "stats packets=", 5*time.Second) // one more, after the last writes
	lr.interrupt(t)
	end := heapOf(t, last)

	// Each client connection exactly once. With thousands of quick
	// connections the kernel may reuse a client port once the server has
	// closed the earlier connection, so match per port, in order.
	got := readSessionsByPort(t, out)
	want := map[int][]dovecottest.Session{}
	for _, w := range truth {
		want[w.Port] = append(want[w.Port], w)
	}
	reported := 0
	for _, l := range got {
		reported += len(l)
	}
	if len(truth) != sessions || reported != sessions {
		t.Errorf("client ran %d sessions, imapscope reported %d, want %d", len(truth), reported, sessions)
	}
	for port, ws := range want {
		if len(got[port]) != len(ws) {
			t.Errorf("client port %d: %d connections, %d reported", port, len(ws), len(got[port]))
			continue
		}
		for i, w := range ws {
			checkSession(t, got[port][i], w)
		}
	}
	t.Logf("%d sessions in %v; heap in use %.1f MiB at start, %.1f MiB after; %s",
		sessions, elapsed.Round(time.Millisecond), float64(first)/(1<<20), float64(end)/(1<<20), lastLine(lr.stderr()))
	if limit := 2*first + 16<<20; end > limit {
		t.Errorf("heap in use %d after the run, start %d: over 2x+16MiB", end, first)
	}
}

func countTxns(ss []dovecottest.Session) int {
	n := 0
	for _, s := range ss {
		n += len(s.Txns)
	}
	return n
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// TestLiveECSFiltered runs live with a pure-Go -f capture filter, --format
// ecs and a negated command filter against Dovecot: every session gives one imapscope.session event,
// no LOGOUT transaction is written, and every event names its session uid
// and Community ID.
func TestLiveECSFiltered(t *testing.T) {
	srv := dovecottest.Start(t)
	out := filepath.Join(t.TempDir(), "live.ndjson")
	// The kernel filter is the pure-Go compilation of a tcpdump expression.
	lr := startLive(t, srv, "-i", "lo", "-f", "host 127.0.0.1 and tcp port 143 and not vlan", "--format", "ecs", "--command", "!LOGOUT", "-o", out)
	const sessions = 3
	cmd, sc, _ := startClient(t, srv, "full", sessions, 1)
	truth := readTruth(t, sc, "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v", err)
	}
	time.Sleep(time.Second)
	lr.interrupt(t)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev struct {
			Event   struct{ Dataset string }
			Network struct {
				CommunityID string `json:"community_id"`
			}
			IMAP struct {
				SessionID string `json:"session_id"`
				Command   string
			}
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		counts[ev.Event.Dataset]++
		if ev.IMAP.Command == "LOGOUT" {
			t.Errorf("LOGOUT written despite --command '!LOGOUT': %s", line)
		}
		if ev.IMAP.SessionID == "" || !strings.HasPrefix(ev.Network.CommunityID, "1:") {
			t.Errorf("event without uid or community id: %s", line)
		}
	}
	if counts["imapscope.session"] != len(truth) || counts["imapscope.transaction"] == 0 {
		t.Errorf("events %v for %d sessions", counts, len(truth))
	}
}
