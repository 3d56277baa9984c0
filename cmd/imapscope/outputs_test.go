package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// oldTime is set as the mtime of files that must stay untouched, so that
// any write to them shows.
var oldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// fileState is what a file must keep when imapscope leaves it alone.
type fileState struct {
	data  []byte
	mtime time.Time
	mode  fs.FileMode
}

// plant writes a file with content, mode and oldTime as its mtime, and
// returns its state.
func plant(t *testing.T, path string, content []byte, mode fs.FileMode) fileState {
	t.Helper()
	if err := os.WriteFile(path, content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, oldTime, oldTime); err != nil {
		t.Fatal(err)
	}
	return stateOf(t, path)
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{data: b, mtime: fi.ModTime(), mode: fi.Mode()}
}

// intact fails unless path is still exactly was.
func intact(t *testing.T, what, path string, was fileState) {
	t.Helper()
	now := stateOf(t, path)
	if !bytes.Equal(now.data, was.data) || !now.mtime.Equal(was.mtime) || now.mode != was.mode {
		t.Errorf("%s: %s changed: %d bytes (was %d), mtime %v (was %v), mode %v (was %v)",
			what, path, len(now.data), len(was.data), now.mtime, was.mtime, now.mode, was.mode)
	}
}

// noTempFiles fails when a temporary output file was left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".imapscope-tmp") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func permOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// setUmask sets the process umask for the test.
func setUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// TestOutputOntoInputRefused: -o naming an input, however spelled, is a
// usage error before anything is read, and the input is untouched.
func TestOutputOntoInputRefused(t *testing.T) {
	dir := t.TempDir()
	demo, err := os.ReadFile(demoPcap)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "x.pcap")
	was := plant(t, in, demo, 0o644)
	hard := filepath.Join(dir, "hard.pcap")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	sym := filepath.Join(dir, "sym.pcap")
	if err := os.Symlink("x.pcap", sym); err != nil {
		t.Fatal(err)
	}
	rep := filepath.Join(dir, "r.json")
	if code, _, errs := runCLI(t, "read", "--format", "json", "--quiet", "-o", rep, demoPcap); code != exitOK {
		t.Fatalf("read: exit %d: %s", code, errs)
	}
	repWas := plant(t, rep, stateOf(t, rep).data, 0o644)
	other := filepath.Join(dir, "other.json")

	for _, c := range []struct {
		name string
		args []string
	}{
		{"same path", []string{"read", "-o", in, in}},
		{"other spelling", []string{"read", "-o", filepath.Join(dir, "sub", "..", ".", "x.pcap"), in}},
		{"hard link", []string{"read", "-o", hard, in}},
		{"symlink", []string{"read", "-o", sym, in}},
		{"symlink as input", []string{"read", "-o", in, sym}},
		{"second input", []string{"read", "--format", "json", "-o", in, demoPcap, in}},
		{"stats", []string{"stats", "-o", in, in}},
		{"show-secrets", []string{"read", "--show-secrets", "-o", hard, in}},
		{"merge", []string{"merge", "-o", rep, rep}},
		{"merge, other spelling", []string{"merge", "-o", filepath.Join(dir, ".", "r.json"), other, rep}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.args...)
			if code != exitUsage || out != "" || !strings.Contains(errs, "refusing to write -o") || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d, stdout %d bytes, stderr %q; want exit 2 and one line", code, len(out), errs)
			}
			intact(t, c.name, in, was)
			intact(t, c.name, rep, repWas)
			noTempFiles(t, dir)
		})
	}
	// live: -w and -o naming one file are refused before any capture (the
	// interface does not exist: nothing is captured even without the check).
	code, _, errs := runCLI(t, "live", "-i", "imapscope-no0", "-o", in, "-w", hard)
	if code != exitUsage || !strings.Contains(errs, "same file") {
		t.Errorf("live -o X -w X: exit %d, %q", code, errs)
	}
	intact(t, "live", in, was)
}

// TestFailingRunKeepsOldReport: a run that fails leaves the previous
// report byte for byte as it was, and no file where there was none.
func TestFailingRunKeepsOldReport(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	was := plant(t, rep, []byte(`{"previous":"report"}`+"\n"), 0o644)
	garbage := filepath.Join(dir, "garbage.pcap")
	plant(t, garbage, []byte("this is not a capture\n"), 0o644)
	bad := filepath.Join(dir, "bad.json")
	plant(t, bad, []byte(`{"tool":1}`), 0o644)
	cols := filepath.Join(dir, "c.txt")

	for _, c := range []struct {
		name string
		code int
		args []string
	}{
		{"missing input", exitFailure, []string{"read", "-o", rep, filepath.Join(dir, "nosuch.pcap")}},
		{"not a capture", exitFailure, []string{"read", "--format", "json", "-o", rep, garbage}},
		{"second input missing", exitFailure, []string{"read", "--format", "json", "-o", rep, demoPcap, filepath.Join(dir, "nosuch.pcap")}},
		{"show-secrets", exitFailure, []string{"read", "--show-secrets", "-o", rep, garbage}},
		{"bad columns", exitUsage, []string{"read", "--format", "table", "--columns", "foo", "-o", rep, demoPcap}},
		{"bad merge input", exitFailure, []string{"merge", "--format", "json", "-o", rep, bad}},
		{"bad format", exitUsage, []string{"read", "--format", "xml", "-o", rep, demoPcap}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, errs)
			}
			intact(t, c.name, rep, was)
			noTempFiles(t, dir)
		})
	}
	// --columns foo creates no file at all.
	if code, _, _ := runCLI(t, "read", "--format", "table", "--columns", "foo", "-o", cols, demoPcap); code != exitUsage {
		t.Errorf("--columns foo: exit %d, want 2", code)
	}
	if _, err := os.Stat(cols); err == nil {
		t.Errorf("--columns foo left %s", cols)
	}
	// A run that works replaces the report.
	if code, _, errs := runCLI(t, "read", "--format", "json", "--quiet", "-o", rep, demoPcap); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(rep); !bytes.Contains(b, []byte("FROBNICATE")) {
		t.Errorf("report not replaced: %q", b)
	}
	noTempFiles(t, dir)
}

// TestInterruptedRunKeepsOldReport interrupts (SIGINT) a read that is
// still waiting for input; the old report stays as it was.
func TestInterruptedRunKeepsOldReport(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	was := plant(t, rep, []byte(`{"previous":"report"}`+"\n"), 0o644)
	demo, err := os.ReadFile(demoPcap)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(imapscopeBinary(t), "read", "--format", "json", "-o", rep, "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Half the capture, and the pipe held open. The half is more than a
	// pipe holds (64 KiB), so the write returns only once imapscope has
	// been reading: the run is under way, its output file set up.
	const pipeBuffer = 64 << 10
	if len(demo)/2 <= pipeBuffer {
		t.Fatalf("%s is too small (%d bytes) for this test", demoPcap, len(demo))
	}
	if _, err := stdin.Write(demo[:len(demo)/2]); err != nil {
		t.Fatalf("imapscope stopped reading: %v: %s", err, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The reader is blocked on the pipe: let the signal be taken, then
	// end the input so that the run can finish.
	waitSignalTaken(t, cmd.Process.Pid)
	time.Sleep(100 * time.Millisecond)
	stdin.Close()
	err = <-exited
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailure {
		t.Errorf("interrupted run: %v, want exit 1; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted; no report written") {
		t.Errorf("stderr: %s", stderr.String())
	}
	intact(t, "SIGINT", rep, was)
	noTempFiles(t, dir)
}

// TestReportModes: reports showing secrets are 0600, whatever the umask
// and also when they replace a readable file; others keep the usual mode.
func TestReportModes(t *testing.T) {
	setUmask(t, 0o022)
	dir := t.TempDir()
	pub := filepath.Join(dir, "pub.json")
	sec := filepath.Join(dir, "sec.json")
	replaced := filepath.Join(dir, "replaced.json")
	plant(t, replaced, []byte("old"), 0o644)
	kept := filepath.Join(dir, "kept.json")
	plant(t, kept, []byte("old"), 0o640)
	stats := filepath.Join(dir, "stats.txt")
	merged := filepath.Join(dir, "merged.json")
	for _, args := range [][]string{
		{"read", "--format", "json", "-o", pub, imaplibPcap},
		{"read", "--format", "json", "--show-secrets", "-o", sec, imaplibPcap},
		{"read", "--format", "table", "--show-secrets", "-o", replaced, imaplibPcap},
		{"read", "--format", "json", "-o", kept, imaplibPcap},
		{"stats", "--show-secrets", "--format", "table", "-o", stats, imaplibPcap},
		{"merge", "--format", "json", "-o", merged, pub, sec},
	} {
		if code, _, errs := runCLI(t, append(args, "--quiet")...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	for path, want := range map[string]fs.FileMode{pub: 0o644, sec: 0o600, replaced: 0o600, kept: 0o640, stats: 0o600, merged: 0o600} {
		if got := permOf(t, path); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
		}
	}
	// The secrets really are in the private file and not in the public one.
	pw := "Wh1sper-Secret-4417" // alice's password in the imaplib capture (pcaps/dovecot/MANIFEST.md)
	pb, _ := os.ReadFile(pub)
	sb, _ := os.ReadFile(sec)
	if bytes.Contains(pb, []byte(pw)) || !bytes.Contains(sb, []byte(pw)) {
		t.Errorf("password in public report %v, in private report %v", bytes.Contains(pb, []byte(pw)), bytes.Contains(sb, []byte(pw)))
	}
	setUmask(t, 0o000)
	open := filepath.Join(dir, "umask0.json")
	if code, _, _ := runCLI(t, "read", "--format", "json", "--quiet", "--show-secrets", "-o", open, imaplibPcap); code != exitOK || permOf(t, open) != 0o600 {
		t.Errorf("umask 0: --show-secrets report mode %v, want 0600", permOf(t, open))
	}
	noTempFiles(t, dir)
}

// waitSignalTaken waits until process pid has no signal pending (the
// kernel has delivered what was sent).
func waitSignalTaken(t *testing.T, pid int) {
	t.Helper()
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		pending := false
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) == 2 && (f[0] == "SigPnd:" || f[0] == "ShdPnd:") && strings.Trim(f[1], "0") != "" {
				pending = true
			}
		}
		if !pending {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
