// Package golden compares test output with files under testdata and rewrites
// them when the test binary is run with -update.
//
// Usage, in any package's tests:
//
//	golden.Check(t, "testdata/session.table", got)
//
// and `go test ./pkg -update` to regenerate. The flag is registered by this
// package, so it exists only in test binaries that import it: name the
// packages (`go test ./report -update`) rather than ./..., or the binaries of
// other packages reject the unknown flag. Not for use in production code.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Update is set by the -update flag: Check then writes the golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// ContextLines is how many equal lines Diff shows around the first difference.
const ContextLines = 3

// MaxDiffLines bounds the number of differing lines Diff reports.
const MaxDiffLines = 20

// Check compares got with the file at path. With -update it writes got to
// path (creating directories) and passes. A missing file is a failure that
// says to run with -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		t.Logf("golden: updated %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("golden: output differs from %s (run go test with -update to accept):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff returns a short unified-style diff of want and got: a few lines of
// context, then the differing lines from the first difference ("-" want,
// "+" got), at most MaxDiffLines of them. It returns "" when they are equal.
func Diff(want, got string) string {
	if want == got {
		return ""
	}
	w := strings.SplitAfter(want, "\n")
	g := strings.SplitAfter(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	// Find the end of the differing block by matching from the back.
	ew, eg := len(w), len(g)
	for ew > i && eg > i && w[ew-1] == g[eg-1] {
		ew--
		eg--
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", i+1, ew-i, i+1, eg-i)
	for j := max(0, i-ContextLines); j < i; j++ {
		b.WriteString(" " + line(w[j]))
	}
	n := 0
	for j := i; j < ew && n < MaxDiffLines; j, n = j+1, n+1 {
		b.WriteString("-" + line(w[j]))
	}
	for j := i; j < eg && n < 2*MaxDiffLines; j, n = j+1, n+1 {
		b.WriteString("+" + line(g[j]))
	}
	if ew-i+eg-i > n {
		fmt.Fprintf(&b, "... %d more differing lines\n", ew-i+eg-i-n)
	}
	return b.String()
}

// line makes one diff line visible: control characters quoted, newline ensured.
func line(s string) string {
	body := strings.TrimSuffix(s, "\n")
	q := fmt.Sprintf("%q", body)
	q = q[1 : len(q)-1]
	if s == body {
		return q + "  (no newline at end)\n"
	}
	return q + "\n"
}
