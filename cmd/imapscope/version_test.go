package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		ld   string
		info *debug.BuildInfo
		want string
	}{
		{"v1.0.0", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v1.0.0"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v0.9.0"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "dev-0123456789ab-dirty"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev[:1]}, "dev-0123456789ab"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"dev", nil, "dev"},
	} {
		if got := resolveVersion(c.ld, c.info, c.info != nil); got != c.want {
			t.Errorf("resolveVersion(%q, %+v) = %q, want %q", c.ld, c.info, got, c.want)
		}
	}
}

// TestVersionFromGoBuild builds version.go into a small program in a fresh
// git repository with plain go build (VCS stamping on, no ldflags) and
// checks it reports the commit. (A git worktree, where .git is a file, is
// not stamped by go build; a clone is.)
func TestVersionFromGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: VCS stamping not checked")
	}
	dir := t.TempDir()
	src, err := os.ReadFile("version.go")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":     "module example.test/v\n\ngo 1.22\n",
		"version.go": string(src),
		"main.go":    "package main\n\nvar version = \"dev\"\n\nfunc main() { println(programVersion()) }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "x")
	head := git("rev-parse", "HEAD")
	bin := filepath.Join(dir, "v")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	// Go 1.24 and later stamp a pseudo-version (v0.0.0-DATE-REV12) as the
	// module version; older ones leave (devel) and the revision: either
	// names the commit.
	if got := strings.TrimSpace(string(out)); !strings.Contains(got, head[:revisionLen]) {
		t.Errorf("version %q does not name the commit %s", got, head[:revisionLen])
	}
}
