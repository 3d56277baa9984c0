package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffEqual(t *testing.T) {
	if d := Diff("a\nb\n", "a\nb\n"); d != "" {
		t.Fatalf("Diff of equal strings = %q, want empty", d)
	}
}

func TestDiffShowsFirstDifference(t *testing.T) {
	want := "l1\nl2\nl3\nl4\nold\nl6\n"
	got := "l1\nl2\nl3\nl4\nnew\x1b\nl6\n"
	d := Diff(want, got)
	for _, s := range []string{"@@ -5,1 +5,1 @@", " l2\n", " l4\n", "-old\n", `+new\x1b` + "\n"} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	if strings.Contains(d, "l1") || strings.Contains(d, "l6") {
		t.Errorf("diff shows lines outside context:\n%s", d)
	}
}

func TestDiffMissingNewline(t *testing.T) {
	d := Diff("a\n", "a")
	if !strings.Contains(d, "no newline at end") {
		t.Errorf("diff does not mention missing newline:\n%s", d)
	}
}

// fakeTB records failures without stopping the test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper()                         {}
func (f *fakeTB) Errorf(format string, a ...any)  { f.failed = true; f.msg = format }
func (f *fakeTB) Fatalf(format string, a ...any)  { f.failed = true; f.msg = format }
func (f *fakeTB) Logf(format string, args ...any) {}

func TestCheckAndUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.golden")
	f := &fakeTB{TB: t}
	Check(f, path, []byte("x\n"))
	if !f.failed {
		t.Fatal("Check passed with a missing golden file")
	}
	old := *Update
	*Update = true
	f = &fakeTB{TB: t}
	Check(f, path, []byte("x\n"))
	*Update = old
	if f.failed {
		t.Fatalf("Check with -update failed: %s", f.msg)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "x\n" {
		t.Fatalf("golden file = %q, %v", b, err)
	}
	f = &fakeTB{TB: t}
	Check(f, path, []byte("x\n"))
	if f.failed {
		t.Fatal("Check failed on equal output")
	}
	f = &fakeTB{TB: t}
	Check(f, path, []byte("y\n"))
	if !f.failed {
		t.Fatal("Check passed on different output")
	}
}
