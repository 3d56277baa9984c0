package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/imapscope/imapscope/report"
)

const (
	demoPcap    = "../../pcaps/dovecot/demo.pcap"
	imaplibPcap = "../../pcaps/dovecot/imaplib.pcap"
)

// runCLI runs the command line and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestUsageOnceAndErrorsOneLine: help goes to stdout once and nothing to
// stderr; a usage error is one line in GNU spelling plus the pointer to the
// help, exit 2.
func TestUsageOnceAndErrorsOneLine(t *testing.T) {
	for _, args := range [][]string{{"help", "read"}, {"read", "--help"}, {"read", "-h"}, {"help", "live"}, {"help"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitOK || errs != "" || strings.Count(out, "Usage:") != 1 {
			t.Errorf("%v: exit %d, %d usages on stdout, stderr %q", args, code, strings.Count(out, "Usage:"), errs)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--ports", "abc", demoPcap}, `invalid value "abc" for --ports`},
		{[]string{"read", "--nosuch", demoPcap}, "unknown flag --nosuch"},
		{[]string{"read", demoPcap, "-o"}, "missing value for -o"},
		{[]string{"merge", "--stats=maybe", "x.json"}, "--stats"},
		{[]string{"live", "--workers", "x"}, "--workers"},
	} {
		code, out, errs := runCLI(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != exitUsage || out != "" || len(lines) != 2 || !strings.Contains(lines[0], c.want) ||
			lines[1] != "see 'imapscope help "+c.args[0]+"'" {
			t.Errorf("%v: exit %d, stderr:\n%s", c.args, code, errs)
		}
		if strings.Contains(errs, " -ports") || strings.Contains(errs, " -nosuch") {
			t.Errorf("%v: single-dash spelling: %s", c.args, errs)
		}
	}
}

func TestReadHelpDocumentsEveryFlag(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"format", "o", "ports", "workers", "show-secrets", "no-dissect", "summary", "columns",
		"no-color", "quiet", "idle-timeout", "emit", "stats", "top", "user", "server", "client", "command",
		"status", "min-latency", "mailbox"} {
		if !strings.Contains(out, "\n  "+dashed(f)+" ") && !strings.Contains(out, "\n  "+dashed(f)+"\n") {
			t.Errorf("read --help does not document %s", dashed(f))
		}
	}
	for _, want := range []string{"html", "ecs", "Exit codes", "Filters", "NO_COLOR"} {
		if !strings.Contains(out, want) {
			t.Errorf("read --help does not mention %q", want)
		}
	}
	for _, cmd := range []string{"stats", "merge"} {
		if code, out, _ := runCLI(t, "help", cmd); code != exitOK || !strings.Contains(out, "-min-latency") {
			t.Errorf("help %s: exit %d", cmd, code)
		}
	}
}

func TestReadStatsTable(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--stats", "--summary", "--format", "table", "--top", "3", demoPcap)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"| ID |", "Statistics: 1 sessions, 12 transactions; latency percentiles exact", "Slowest 3 transactions:", "FROBNICATE"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour written to a non-terminal")
	}
}

func TestStatsCommandJSON(t *testing.T) {
	code, out, _ := runCLI(t, "stats", "--format", "json", "--quiet", demoPcap, imaplibPcap)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var st report.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Sessions != 4 || st.Transactions != 52 || st.Total.NO != 3 || st.Total.BAD != 2 || len(st.Slowest) != 10 {
		t.Errorf("stats: %+v", st)
	}
	if code, _, _ := runCLI(t, "stats", "--format", "html", demoPcap); code != exitUsage {
		t.Errorf("stats --format html: exit %d, want 2", code)
	}
}

func TestReadFilters(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--format", "json", "--stats", "--status", "no,BAD", "--quiet", demoPcap, imaplibPcap)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if err := report.ValidateJSON([]byte(out)); err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range r.Sessions {
		for _, x := range s.Transactions {
			n++
			if x.Status != "NO" && x.Status != "BAD" {
				t.Errorf("kept %s %s", x.Command, x.Status)
			}
		}
	}
	if n != 5 || r.Stats == nil || r.Stats.Transactions != 5 {
		t.Errorf("%d transactions kept, stats %+v; want 5", n, r.Stats)
	}
	// Session filter with no match: an empty, valid report.
	code, out, _ = runCLI(t, "read", "--format", "json", "--user", "nobody", "--quiet", demoPcap)
	if code != exitOK || !strings.Contains(out, `"sessions": []`) {
		t.Errorf("exit %d, output %s", code, out)
	}
	// JSONL streaming honours the filters too.
	code, out, _ = runCLI(t, "read", "--format", "jsonl", "--emit", "transactions", "--command", "login", "--quiet", imaplibPcap)
	if code != exitOK {
		t.Fatalf("jsonl exit %d", code)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, `"type":"transaction"`) && !strings.Contains(l, `"command":"LOGIN"`) {
			t.Errorf("jsonl kept %s", l)
		}
	}
}

func TestReadUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"read", "--status", "MAYBE", demoPcap},
		{"read", "--server", "mail.example.org", demoPcap},
		{"read", "--min-latency", "-1s", demoPcap},
		{"read", "--top", "-1", demoPcap},
		{"read", "--format", "xml", demoPcap},
		{"read", "--stats", "--format", "ecs", demoPcap},
		{"read", "--stats", "--format", "jsonl", demoPcap},
		{"merge"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := runCLI(t, "read", "no-such-file.pcap"); code != exitFailure {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestReadHTMLAndECS(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "r.html")
	if code, _, errs := runCLI(t, "read", "--format", "html", "-o", html, demoPcap); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("FROBNICATE")) {
		t.Errorf("html output: %v, %d bytes", err, len(b))
	}
	if bytes.Contains(b, []byte("Statistics per command")) {
		t.Error("html without --stats has the statistics sections")
	}
	if code, out, _ := runCLI(t, "read", "--format", "html", "--stats", "--quiet", demoPcap); code != exitOK || !strings.Contains(out, "Statistics per command") {
		t.Errorf("html --stats: exit %d, no statistics sections", code)
	}
	code, out, _ := runCLI(t, "read", "--format", "ecs", "--quiet", "--status", "OK", demoPcap)
	// One session event, its 10 OK transactions and the cleartext_login
	// finding's anomaly event.
	if code != exitOK || strings.Count(out, "\n") != 12 || strings.Count(out, `"dataset":"imapscope.anomaly"`) != 1 || strings.Count(out, `"dataset":"imapscope.session"`) != 1 || !strings.Contains(out, `"outcome":"success"`) {
		t.Errorf("ecs: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	for _, x := range [][2]string{{a, demoPcap}, {b, imaplibPcap}} {
		if code, _, _ := runCLI(t, "read", "--format", "json", "-o", x[0], "--quiet", x[1]); code != exitOK {
			t.Fatalf("read %s: exit %d", x[1], code)
		}
	}
	code, out, _ := runCLI(t, "merge", "--format", "json", "--stats", "--quiet", b, a)
	if code != exitOK {
		t.Fatalf("merge exit %d", code)
	}
	r, err := report.ReadJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sessions) != 4 || r.Sessions[0].Transactions[10].Command != "FROBNICATE" || r.Stats.Transactions != 52 {
		t.Errorf("merged: %d sessions, stats %+v", len(r.Sessions), r.Stats)
	}
	if len(r.Inputs) != 2 || r.Inputs[0] != imaplibPcap {
		t.Errorf("inputs %v", r.Inputs)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"tool":1}`), 0o644)
	if code, _, _ := runCLI(t, "merge", a, bad); code != exitFailure {
		t.Errorf("invalid report: exit %d, want 1", code)
	}
	if code, _, errs := runCLI(t, "merge", a, demoPcap); code != exitFailure || !strings.Contains(errs, "not an imapscope JSON report") {
		t.Errorf("merge of a pcap: exit %d: %s", code, errs)
	}
	// JSON Lines (what live writes), and the same report twice: every session once.
	l := filepath.Join(dir, "a.jsonl")
	if code, _, _ := runCLI(t, "read", "--format", "jsonl", "--emit", "transactions", "-o", l, "--quiet", demoPcap); code != exitOK {
		t.Fatalf("read jsonl: exit %d", code)
	}
	code, out, errs := runCLI(t, "merge", "--format", "json", a, a, l)
	if code != exitOK || !strings.Contains(errs, "duplicate sessions dropped") {
		t.Fatalf("merge a a a.jsonl: exit %d: %s", code, errs)
	}
	if r, err := report.ReadJSON([]byte(out)); err != nil || len(r.Sessions) != 1 {
		t.Errorf("merge a a a.jsonl: %v, want the session of demo once", err)
	}
}

func TestColorAndProgressOff(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if !useColor(readConfig{}, true) || useColor(readConfig{noColor: true}, true) || useColor(readConfig{}, false) {
		t.Error("useColor: wrong without NO_COLOR")
	}
	t.Setenv("NO_COLOR", "1")
	if useColor(readConfig{}, true) {
		t.Error("NO_COLOR=1 did not turn colour off")
	}
	var buf bytes.Buffer
	if p := newProgress(&buf, []string{demoPcap}, false); p != nil {
		t.Error("progress bar on a non-terminal")
	}
	var p *progress // nil: every method is a no-op
	if p.hook() != nil {
		t.Error("nil progress has a hook")
	}
	p.done()
}

// TestReadExitCodes checks the documented exit codes and what goes where.
func TestReadExitCodes(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pcap")
	os.WriteFile(garbage, []byte("this is not a capture at all\n"), 0o644)
	whole, _ := os.ReadFile(demoPcap)
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, whole[:len(whole)/2], 0o644)

	for _, c := range []struct {
		args     []string
		code     int
		stdout   bool   // a report is written
		inStderr string // a word the message on stderr must contain
	}{
		{[]string{"read", "--format", "json", demoPcap}, exitOK, true, ""},
		{[]string{"read", "--format", "json", "no-such-file.pcap"}, exitFailure, false, "no such file"},
		{[]string{"read", "--format", "json", garbage}, exitFailure, false, "not a pcap"},
		{[]string{"read", "--format", "json", cut}, exitDamaged, true, "truncated"},
		{[]string{"read", "--no-such-flag", demoPcap}, exitUsage, false, "no-such-flag"},
		{[]string{"read"}, exitUsage, false, "no input"},
		{[]string{"frobnicate"}, exitUsage, false, "unknown command"},
		{[]string{"--version"}, exitOK, true, ""},
	} {
		code, out, errs := runCLI(t, c.args...)
		if code != c.code || (out != "") != c.stdout || !strings.Contains(errs, c.inStderr) {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want exit %d, stdout %v, stderr containing %q",
				c.args, code, len(out), errs, c.code, c.stdout, c.inStderr)
		}
		if c.code == exitDamaged {
			if err := report.ValidateJSON([]byte(out)); err != nil {
				t.Errorf("%v: the partial report is not valid: %v", c.args, err)
			}
		}
	}
}

func TestReadTSV(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--format", "tsv", "--quiet", "--command", "LOGIN,SELECT", demoPcap)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || len(lines) < 9 || !strings.HasPrefix(lines[5], "#fields\tts\tuid\t") {
		t.Fatalf("tsv: exit %d:\n%s", code, out)
	}
	for _, l := range lines[7:] {
		c := strings.Split(l, "\t")
		if len(c) != 11 || (c[6] != "LOGIN" && c[6] != "SELECT") {
			t.Errorf("row %q", l)
		}
		if c[6] == "LOGIN" && !strings.Contains(c[7], "<redacted>") {
			t.Errorf("LOGIN args not redacted: %q", c[7])
		}
	}
}

func TestReadNegatedFilter(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--format", "tsv", "--quiet", "--command", "!IDLE", "../../pcaps/dovecot/idle.pcap")
	if code != exitOK || strings.Contains(out, "\tIDLE\t") || strings.Count(out, "\n") < 9 {
		t.Errorf("--command '!IDLE': exit %d\n%s", code, out)
	}
	_, all, _ := runCLI(t, "read", "--format", "tsv", "--quiet", "../../pcaps/dovecot/idle.pcap")
	if !strings.Contains(all, "\tIDLE\t") {
		t.Error("idle.pcap has no IDLE: no test")
	}
}

// TestValuesValidatedBeforeInput gives bad values with an input that does
// not exist: the usage error (exit 2) must come first.
func TestValuesValidatedBeforeInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "0"}, "--workers must be at least 1"},
		{[]string{"--workers", "-1"}, "--workers must be at least 1"},
		{[]string{"--idle-timeout", "0"}, "--idle-timeout must be positive"},
		{[]string{"--idle-timeout", "-1s"}, "--idle-timeout must be positive"},
		{[]string{"--min-latency", "0s"}, "--min-latency must be positive"},
		{[]string{"--columns", "id,foo"}, `unknown --columns key "foo"`},
		{[]string{"--format", "json", "--summary"}, "--summary applies to --format table, not json"},
		{[]string{"--format", "tsv", "--columns", "id"}, "--columns applies to --format table"},
		{[]string{"--format", "json", "--emit", "transactions"}, "--emit applies to --format jsonl"},
		{[]string{"--summary"}, "because standard output is not a terminal"},
		{[]string{"--top", "3"}, "--top needs --stats"},
		{[]string{"--format", "yaml"}, `unknown --format "yaml"`},
	} {
		args := append(append([]string{"read"}, c.args...), "no-such-input.pcap")
		code, out, errs := runCLI(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 2 {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errs, c.want)
		}
	}
	if code, _, errs := runCLI(t, "read", "--help"); code != exitOK || errs != "" {
		t.Errorf("help: %d %q", code, errs)
	}
	_, help, _ := runCLI(t, "read", "--help")
	for _, k := range append(report.SessionColumns(), report.TransactionColumns()...) {
		if !strings.Contains(help, k) {
			t.Errorf("help does not list column %q", k)
		}
	}
}

// TestMissingInputWritesNothing: with a missing input among good ones the
// run exits 1 before writing: no report on stdout, no -o file.
func TestMissingInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	o := filepath.Join(dir, "r.json")
	code, out, errs := runCLI(t, "read", "--format", "json", demoPcap, filepath.Join(dir, "nosuch.pcap"))
	if code != exitFailure || out != "" || !strings.Contains(errs, "nosuch.pcap") {
		t.Errorf("stdout: exit %d, %d bytes out, stderr %q", code, len(out), errs)
	}
	code, _, _ = runCLI(t, "read", "--format", "json", "-o", o, demoPcap, filepath.Join(dir, "nosuch.pcap"))
	if _, err := os.Stat(o); code != exitFailure || err == nil {
		t.Errorf("-o: exit %d, file written: %v", code, err == nil)
	}
	code, out, _ = runCLI(t, "read", "--format", "json", "README.md")
	if code != exitFailure || out != "" {
		t.Errorf("not a capture: exit %d, %d bytes", code, len(out))
	}
}

// TestInterruptedRunSaysSo: read from a pipe that stays open, SIGINT, then
// the pipe closes: the report says capture.interrupted and exit is 3.
func TestInterruptedRunSaysSo(t *testing.T) {
	bin := imapscopeBinary(t)
	pcap, err := os.ReadFile(demoPcap)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "read", "--format", "json", "--quiet", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write(pcap[:len(pcap)/2])
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	stdin.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitDamaged {
		t.Fatalf("exit: %v; stderr %s", err, errb.String())
	}
	r, err := report.ReadJSON(out.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if r.Capture == nil || !r.Capture.Interrupted {
		t.Errorf("capture %+v: not marked interrupted", r.Capture)
	}
}

// TestSeveralInputsInStartOrder reads two captures given latest first: the
// sessions come out by start time, numbered from 1.
func TestSeveralInputsInStartOrder(t *testing.T) {
	code, out, _ := runCLI(t, "read", "--format", "json", "--quiet", imaplibPcap, demoPcap)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	r, err := report.ReadJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range r.Sessions {
		if s.ID != i+1 || i > 0 && s.Start.Before(r.Sessions[i-1].Start.Time) {
			t.Errorf("session %d (id %d) starts %v, before the previous", i, s.ID, s.Start)
		}
	}
	if len(r.Sessions) < 2 || r.Inputs[0] != imaplibPcap {
		t.Errorf("%d sessions, inputs %v", len(r.Sessions), r.Inputs)
	}
}

// TestTableFitsColumns: with $COLUMNS set (no terminal), tables fit it.
func TestTableFitsColumns(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	code, out, _ := runCLI(t, "read", "--format", "table", "--quiet", "--stats", demoPcap, imaplibPcap)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, "|") || strings.HasPrefix(l, "+")) && utf8.RuneCountInString(l) > 80 {
			t.Errorf("%d wide: %s", utf8.RuneCountInString(l), l)
		}
	}
	if got := progressBarWidth(80); 72+got > 82 || got < progressMinBar {
		t.Errorf("bar %d at 80 columns", got)
	}
	if progressBarWidth(0) != progressBarWidth(progressDefaultWidth) || progressBarWidth(500) != progressMaxBar {
		t.Error("bar width bounds")
	}
}
