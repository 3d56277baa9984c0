package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunWritesCapture(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.pcap")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-o", out, "-sessions", "5", "-seed", "3", "-ipv6", "0"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() < 100<<10 {
		t.Fatalf("capture: %v, %v", st, err)
	}
	if s := stdout.String(); !strings.Contains(s, "sessions:       5 (0 IPv6") {
		t.Fatalf("summary: %s", s)
	}
	if err := run([]string{"-sessions", "5"}, &stdout, &stderr); err == nil {
		t.Fatal("no error without -o")
	}
}

func TestMeasure(t *testing.T) {
	res := filepath.Join(t.TempDir(), "m")
	var stderr bytes.Buffer
	code, err := measure([]string{"-out", res, "--", "sh", "-c", "exit 3"}, &stderr)
	if err != nil || code != 3 {
		t.Fatalf("code %d, err %v", code, err)
	}
	b, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[2] != "3" || f[1] == "0" {
		t.Fatalf("result line %q", b)
	}
}

func TestRunShapes(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-o", filepath.Join(dir, "l.pcap"), "-shape", "long", "-commands", "40"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if s := stdout.String(); !strings.Contains(s, "sessions:       1 (") || !strings.Contains(s, "commands:       40\n") {
		t.Fatalf("long summary: %s", s)
	}
	stdout.Reset()
	if err := run([]string{"-o", filepath.Join(dir, "s.pcap"), "-shape", "short", "-sessions", "7"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if s := stdout.String(); !strings.Contains(s, "sessions:       7 (") || !strings.Contains(s, "commands:       21\n") {
		t.Fatalf("short summary: %s", s)
	}
	if err := run([]string{"-o", filepath.Join(dir, "x.pcap"), "-shape", "tiny"}, &stdout, &stderr); err == nil {
		t.Fatal("no error for an unknown shape")
	}
}
