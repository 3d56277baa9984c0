// Package gen holds the capture generators of pcaps/ (shell and Python, see
// pcaps/README.md); its only Go is this test, which checks what can be
// checked without root or servers: the scripts parse, and every committed
// capture passes the check each generator runs after a capture.
package gen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed: cannot check the pcaps/gen scripts (apt-get install %s)", tool, tool)
	}
	return p
}

func glob(t *testing.T, pattern string, min int) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < min {
		t.Fatalf("%s: %d files, want at least %d", pattern, len(files), min)
	}
	return files
}

// TestShellParses: bash -n on every generator and on lib.sh.
func TestShellParses(t *testing.T) {
	bash := need(t, "bash")
	for _, f := range glob(t, "*.sh", 9) {
		if out, err := exec.Command(bash, "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}

// TestPythonParses: every client script and module compiles (without
// writing __pycache__ into the tree).
func TestPythonParses(t *testing.T) {
	py := need(t, "python3")
	for _, f := range glob(t, "*.py", 7) {
		cmd := exec.Command(py, "-c", "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1])", f)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}

// TestCommittedCapturesPassCheck runs check_pcap.py, as the generators do
// after each capture, over every committed capture with a truth file: no
// truncated packet, no TCP payload over 1448 bytes, one client SYN per truth
// session and in the truth's order of client ports.
func TestCommittedCapturesPassCheck(t *testing.T) {
	py := need(t, "python3")
	n := 0
	for _, pcap := range glob(t, "../*/*.pcap", 40) {
		truth := strings.TrimSuffix(pcap, ".pcap") + ".truth.json"
		if _, err := os.Stat(truth); err != nil {
			continue
		}
		n++
		if out, err := exec.Command(py, "check_pcap.py", pcap, truth).CombinedOutput(); err != nil {
			t.Errorf("%v: %s", err, out)
		}
	}
	if n < 40 {
		t.Fatalf("only %d captures with truth files", n)
	}
}
