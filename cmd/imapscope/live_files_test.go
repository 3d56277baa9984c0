package main

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/internal/dovecottest"
)

// unprivilegedUser is the --user the live tests switch to.
const unprivilegedUser = "nobody"

// TestLiveFilesAndPrivilegeDrop runs live as root in a namespace with
// --user nobody and checks, in /proc, that every thread ended with the
// user's ids, no_new_privs and empty capability sets (bounding included);
// that -w is 0600 and -o is appended to, not truncated; and that -o with
// --show-secrets is 0600 even under umask 000.
func TestLiveFilesAndPrivilegeDrop(t *testing.T) {
	srv := dovecottest.Start(t) // skips, saying why, unless root with ip netns
	u, err := user.Lookup(unprivilegedUser)
	if err != nil {
		t.Skipf("SKIPPING: no user %q to drop privileges to: %v", unprivilegedUser, err)
	}
	dir := t.TempDir()
	setUmask(t, 0o022) // the child inherits it
	out := filepath.Join(dir, "live.jsonl")
	previous := []byte(`{"type":"previous","note":"written by an earlier run"}` + "\n")
	plant(t, out, previous, 0o644)
	pcapOut := filepath.Join(dir, "live.pcapng")
	plant(t, pcapOut, []byte("an older capture"), 0o644)

	lr := startLive(t, srv, "-i", "lo", "--format", "jsonl", "-o", out, "-w", pcapOut, "--user", unprivilegedUser)
	tasks := checkDropped(t, lr.cmd.Process.Pid, u)
	cmd, sc, _ := startClient(t, srv, "full", 2, 1)
	truth := readTruth(t, sc, "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v", err)
	}
	time.Sleep(time.Second) // let the ring hand over the last block
	lr.interrupt(t)
	t.Logf("%d threads checked in /proc; %s", tasks, lastLine(lr.stderr()))

	if m := permOf(t, pcapOut); m != 0o600 {
		t.Errorf("-w file mode %v, want 0600", m)
	}
	if m := permOf(t, out); m != 0o644 {
		t.Errorf("-o file mode %v, want 0644 (no secrets, umask 022)", m)
	}
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(b, previous) {
		t.Errorf("-o did not append: the earlier line is gone; file starts %q", b[:min(len(b), 80)])
	}
	if got := readSessions(t, out); len(got) != len(truth) {
		t.Errorf("%d sessions reported, client ran %d", len(got), len(truth))
	}
	if bytes.Contains(b, []byte(dovecottest.Users["alice"])) {
		t.Error("password in the -o output without --show-secrets")
	}
	var rb, re bytes.Buffer
	if code := run([]string{"read", "--format", "jsonl", pcapOut}, nil, &rb, &re); code != exitOK && code != exitDamaged {
		t.Fatalf("read -w output: exit %d: %s", code, re.String())
	}
	if n := strings.Count(rb.String(), `"type":"session"`); n != len(truth) {
		t.Errorf("replaying -w: %d sessions, want %d", n, len(truth))
	}

	// --show-secrets: the report is private whatever the umask, and an
	// existing readable file becomes private before secrets go into it.
	setUmask(t, 0o000)
	secret := filepath.Join(dir, "secret.jsonl")
	plant(t, secret, previous, 0o666)
	lr = startLive(t, srv, "-i", "lo", "--format", "jsonl", "--show-secrets", "-o", secret)
	cmd, sc, _ = startClient(t, srv, "full", 1, 1)
	readTruth(t, sc, "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v", err)
	}
	time.Sleep(time.Second)
	lr.interrupt(t)
	if m := permOf(t, secret); m != 0o600 {
		t.Errorf("--show-secrets -o mode %v, want 0600", m)
	}
	if b, _ := os.ReadFile(secret); !bytes.HasPrefix(b, previous) || !bytes.Contains(b, []byte(dovecottest.Users["alice"])) {
		t.Errorf("--show-secrets -o: earlier line kept %v, password shown %v", bytes.HasPrefix(b, previous), bytes.Contains(b, []byte(dovecottest.Users["alice"])))
	}
}

// checkDropped reads /proc/PID/task/*/status of the imapscope process and
// checks every thread; it returns the number of threads.
func checkDropped(t *testing.T, pid int, u *user.User) int {
	t.Helper()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(comm)) != "imapscope" {
		t.Fatalf("process %d is %q (%v), not imapscope", pid, comm, err)
	}
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads of %d: %v", pid, err)
	}
	want := map[string]string{
		"Uid:":        strings.Repeat(u.Uid+" ", 4),
		"Gid:":        strings.Repeat(u.Gid+" ", 4),
		"NoNewPrivs:": "1",
		"CapInh:":     "0000000000000000",
		"CapPrm:":     "0000000000000000",
		"CapEff:":     "0000000000000000",
		"CapBnd:":     "0000000000000000",
		"CapAmb:":     "0000000000000000",
	}
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 {
				continue
			}
			w, ok := want[f[0]]
			if !ok {
				continue
			}
			seen++
			if got := strings.Join(f[1:], " "); got != strings.TrimSpace(w) {
				t.Errorf("%s: %s %s, want %s", task, f[0], got, strings.TrimSpace(w))
			}
		}
		if seen != len(want) {
			t.Errorf("%s: %d of the %d checked lines present", task, seen, len(want))
		}
	}
	if _, err := strconv.Atoi(u.Uid); err != nil || u.Uid == "0" {
		t.Fatalf("user %s has uid %q", u.Username, u.Uid)
	}
	return len(tasks)
}
