// Package dovecottest starts a throwaway Dovecot IMAP server inside a fresh
// network namespace, for integration tests that capture real IMAP traffic.
//
// Everything lives in a temporary directory (configuration, passwd-file
// users, maildirs, sockets, log) and in the namespace, both removed by
// t.Cleanup. The server listens on the namespace's 127.0.0.1, port 143,
// without TLS and with plaintext LOGIN allowed. Tests that use it need
// root and "ip netns"; Start skips the test (with the reason) otherwise,
// and installs dovecot-imapd with apt-get when Dovecot is missing.
//
// Not safe for concurrent use by several goroutines of one test; several
// tests may each run their own server (namespaces are named after the
// process and a counter).
package dovecottest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Port is the IMAP port the server listens on.
const Port = 143

// startTimeout bounds how long Start waits for the server to accept.
const startTimeout = 15 * time.Second

// Users are the accounts every server has (name → password).
var Users = map[string]string{
	"alice": "Wh1sper-Test-4417",
	"bob":   "Bl0wfish-Test-2290",
}

// Server is a running Dovecot in its own network namespace.
type Server struct {
	// NS is the network namespace name; Addr is "127.0.0.1:143" in it.
	NS, Addr string
	// Dir is the temporary directory holding everything; Log its log file.
	Dir, Log string
	cmd      *exec.Cmd
}

var nsCounter atomic.Int64

// Require skips t unless the process is root and "ip netns" works.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("dovecottest: needs root (network namespaces, AF_PACKET); skipping")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("dovecottest: no ip command (iproute2); skipping")
	}
	if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
		t.Skipf("dovecottest: ip netns unavailable: %v: %s", err, bytes.TrimSpace(out))
	}
}

// ensureDovecot installs dovecot-imapd when no dovecot binary is found.
func ensureDovecot(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Log("dovecottest: dovecot not found; running apt-get install -y dovecot-imapd")
	// Keep Debian's maintainer scripts from starting the system Dovecot.
	const rcd = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(rcd); os.IsNotExist(err) {
		if err := os.WriteFile(rcd, []byte("#!/bin/sh\nexit 101\n"), 0o755); err == nil {
			defer os.Remove(rcd)
		}
	}
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	install := func() ([]byte, error) {
		c := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "dovecot-imapd")
		c.Env = env
		return c.CombinedOutput()
	}
	if _, err := install(); err != nil {
		t.Logf("dovecottest: apt-get install failed (%v); running apt-get update and retrying", err)
		upd := exec.Command("apt-get", "update")
		upd.Env = env
		if uout, uerr := upd.CombinedOutput(); uerr != nil {
			t.Skipf("dovecottest: SKIPPING: apt-get update failed: %v\n%s", uerr, tail(uout))
		}
		if out, err := install(); err != nil {
			t.Skipf("dovecottest: SKIPPING: apt-get install dovecot-imapd failed: %v\n%s", err, tail(out))
		}
	}
	p, err := exec.LookPath("dovecot")
	if err != nil {
		p = "/usr/sbin/dovecot"
	}
	return p
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Start creates a namespace, starts Dovecot in it and waits until it
// accepts connections. Everything is torn down by t.Cleanup. It skips the
// test when Require would, or when Dovecot cannot be installed.
func Start(t testing.TB) *Server {
	t.Helper()
	Require(t)
	bin := ensureDovecot(t)
	s := &Server{
		NS:   fmt.Sprintf("imapscope-t%d-%d", os.Getpid(), nsCounter.Add(1)),
		Addr: net.JoinHostPort("127.0.0.1", fmt.Sprint(Port)),
	}
	if out, err := exec.Command("ip", "netns", "add", s.NS).CombinedOutput(); err != nil {
		t.Skipf("dovecottest: ip netns add: %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { s.stop(t) })
	if out, err := exec.Command("ip", "-n", s.NS, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("dovecottest: lo up: %v: %s", err, out)
	}

	dir, err := os.MkdirTemp("", "imapscope-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	s.Dir, s.Log = dir, filepath.Join(dir, "dovecot.log")
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf, err := s.writeFiles(bin)
	if err != nil {
		t.Fatalf("dovecottest: %v", err)
	}
	s.cmd = exec.Command("ip", "netns", "exec", s.NS, bin, "-F", "-c", conf)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("dovecottest: starting dovecot: %v", err)
	}
	if err := s.waitReady(); err != nil {
		log, _ := os.ReadFile(s.Log)
		t.Fatalf("dovecottest: %v\nlog:\n%s", err, tail(log))
	}
	return s
}

// writeFiles writes the users, maildirs and configuration; it returns the
// configuration path.
func (s *Server) writeFiles(bin string) (string, error) {
	mailUser := "nobody"
	u, err := user.Lookup(mailUser)
	if err != nil {
		return "", fmt.Errorf("looking up %s: %w", mailUser, err)
	}
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return "", err
		}
	}
	mail := filepath.Join(s.Dir, "mail")
	if err := os.Chown(mail, atoi(u.Uid), atoi(u.Gid)); err != nil {
		return "", err
	}
	var pw strings.Builder
	for _, name := range []string{"alice", "bob"} {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s:%s:%s::%s::\n", name, Users[name], u.Uid, u.Gid, filepath.Join(mail, name))
	}
	passwd := filepath.Join(s.Dir, "passwd")
	if err := os.WriteFile(passwd, []byte(pw.String()), 0o644); err != nil {
		return "", err
	}
	ver, _ := exec.Command(bin, "--version").Output()
	conf := configV23
	if strings.HasPrefix(string(ver), "2.4") || strings.HasPrefix(string(ver), "3.") {
		conf = configV24
	}
	r := strings.NewReplacer("@DIR@", s.Dir, "@PASSWD@", passwd, "@MAIL@", mail,
		"@UID@", u.Uid, "@GID@", u.Gid, "@PORT@", fmt.Sprint(Port), "@NAME@", s.NS)
	path := filepath.Join(s.Dir, "dovecot.conf")
	return path, os.WriteFile(path, []byte(r.Replace(conf)), 0o644)
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// waitReady polls the server from inside the namespace until it greets.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if s.cmd.ProcessState != nil {
			return fmt.Errorf("dovecot exited: %v", s.cmd.ProcessState)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		out, _ := s.Command(ctx, "bash", "-c",
			fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && head -c 4 <&3", Port)).Output()
		cancel()
		if bytes.HasPrefix(out, []byte("* OK")) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("dovecot did not accept on %s within %v", s.Addr, startTimeout)
}

// Command returns a command that runs name inside the namespace.
func (s *Server) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", s.NS, name}, args...)...)
}

// stop ends Dovecot and every process left in the namespace, then removes
// the namespace and the directory.
func (s *Server) stop(t testing.TB) {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	// Processes still in our namespace were started by this test.
	if out, err := exec.Command("ip", "netns", "pids", s.NS).Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if pid := atoi(f); pid > 1 {
				if p, err := os.FindProcess(pid); err == nil {
					_ = p.Kill()
				}
			}
		}
	}
	if out, err := exec.Command("ip", "netns", "del", s.NS).CombinedOutput(); err != nil {
		t.Logf("dovecottest: ip netns del %s: %v: %s", s.NS, err, out)
	}
	if s.Dir != "" && !t.Failed() {
		os.RemoveAll(s.Dir)
	} else if s.Dir != "" {
		t.Logf("dovecottest: kept %s for inspection", s.Dir)
	}
}
