package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs the test body under mask and restores the old one.
func withUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mustWrite(t *testing.T, path, s string, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// onlyFiles lists the names in dir (to catch temporary files left behind).
func onlyFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCreateCommitReplaces(t *testing.T) {
	withUmask(t, 0o022)
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	mustWrite(t, p, "old", 0o640)
	f, err := Create(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new report")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, p); got != "old" {
		t.Errorf("before Commit the target reads %q, want the old content", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, p); got != "new report" {
		t.Errorf("after Commit: %q", got)
	}
	if m := modeOf(t, p); m != 0o640 {
		t.Errorf("replaced file mode %v, want the old 0640 kept", m)
	}
	if names := onlyFiles(t, dir); len(names) != 1 {
		t.Errorf("files left in the directory: %v", names)
	}
	if err := f.Abort(); err != nil || readString(t, p) != "new report" {
		t.Errorf("Abort after Commit: %v, content %q", err, readString(t, p))
	}
}

func TestAbortKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	mustWrite(t, p, "precious", 0o644)
	before, _ := os.Stat(p)
	f, err := Create(p, Options{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half a report"))
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	if got := readString(t, p); got != "precious" || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
		t.Errorf("old file changed by an aborted run: %q, mode %v", got, after.Mode())
	}
	if names := onlyFiles(t, dir); len(names) != 1 {
		t.Errorf("temporary file left behind: %v", names)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("write after Abort: %v", err)
	}
}

func TestAbortWithoutOldFileLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "new.txt"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if names := onlyFiles(t, dir); len(names) != 0 {
		t.Errorf("aborted new file left %v", names)
	}
}

func TestModes(t *testing.T) {
	for _, c := range []struct {
		name    string
		umask   int
		old     fs.FileMode // 0: no old file
		private bool
		want    fs.FileMode
	}{
		{"public new, umask 022", 0o022, 0, false, 0o644},
		{"public new, umask 002", 0o002, 0, false, 0o664},
		{"private new, umask 000", 0o000, 0, true, 0o600},
		{"private new, umask 022", 0o022, 0, true, 0o600},
		{"private new, umask 277", 0o277, 0, true, 0o600},
		{"private replaces 0644", 0o022, 0o644, true, 0o600},
		{"private replaces 0666", 0o000, 0o666, true, 0o600},
		{"public replaces 0600", 0o022, 0o600, false, 0o600},
	} {
		t.Run(c.name, func(t *testing.T) {
			withUmask(t, c.umask)
			p := filepath.Join(t.TempDir(), "out")
			if c.old != 0 {
				mustWrite(t, p, "old", c.old)
			}
			f, err := Create(p, Options{Private: c.private})
			if err != nil {
				t.Fatal(err)
			}
			// The mode is final before the first byte is written.
			fi, err := f.f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if c.private && fi.Mode().Perm() != PrivateMode {
				t.Errorf("temporary file is %v before writing, want 0600", fi.Mode().Perm())
			}
			f.Write([]byte("secret"))
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			if m := modeOf(t, p); m != c.want {
				t.Errorf("mode %v, want %v", m, c.want)
			}
		})
	}
}

func TestSymlinkTargetReplaced(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	mustWrite(t, real, "old", 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	f, err := Create(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got := readString(t, real); got != "new" {
		t.Errorf("link target reads %q", got)
	}
	// A dangling link: its target is created.
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("made.json", dangling)
	f, err = Create(dangling, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("made"))
	if err := f.Commit(); err != nil || readString(t, filepath.Join(dir, "made.json")) != "made" {
		t.Errorf("dangling link: %v", err)
	}
	// A loop is an error, not a hang.
	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	if _, err := Create(loop, Options{}); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("symlink loop: %v", err)
	}
}

func TestDeviceWrittenDirectly(t *testing.T) {
	f, err := Create(os.DevNull, Options{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("discarded")); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 || fi.Mode().Perm() != 0o666 {
		t.Errorf("%s changed: %v %v", os.DevNull, fi.Mode(), err)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(filepath.Join(dir, "no", "such", "dir", "x"), Options{}); err == nil {
		t.Error("no error for a missing directory")
	}
	if _, err := Create(dir, Options{}); err == nil {
		t.Error("no error for a directory as the output")
	}
	var nilFile *File
	if nilFile.Commit() != nil || nilFile.Abort() != nil || nilFile.Publish() != nil || nilFile.Name() != "" {
		t.Error("nil File methods are not no-ops")
	}
}

func TestPublishThenWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "live.pcapng")
	mustWrite(t, p, "old capture", 0o644)
	f, err := Create(p, Options{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("header"))
	if err := f.Publish(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, p); got != "header" {
		t.Errorf("after Publish: %q", got)
	}
	f.Write([]byte("+packets"))
	// Abort after Publish keeps what was written: it is captured data.
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, p); got != "header+packets" || modeOf(t, p) != PrivateMode {
		t.Errorf("after Abort of a published file: %q, mode %v", got, modeOf(t, p))
	}
}

func TestAppend(t *testing.T) {
	withUmask(t, 0o022)
	dir := t.TempDir()
	p := filepath.Join(dir, "live.jsonl")
	mustWrite(t, p, "line1\n", 0o644)
	f, err := Append(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line2\n")
	f.Close()
	if got := readString(t, p); got != "line1\nline2\n" || modeOf(t, p) != 0o644 {
		t.Errorf("append: %q mode %v", got, modeOf(t, p))
	}
	f, err = Append(p, Options{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line3\n")
	f.Close()
	if got := readString(t, p); got != "line1\nline2\nline3\n" || modeOf(t, p) != PrivateMode {
		t.Errorf("private append: %q mode %v", got, modeOf(t, p))
	}
	q := filepath.Join(dir, "new.jsonl")
	f, err = Append(q, Options{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if modeOf(t, q) != PrivateMode {
		t.Errorf("new private append file mode %v", modeOf(t, q))
	}
}

func TestCheckNotInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.pcap")
	mustWrite(t, in, "capture", 0o644)
	hard := filepath.Join(dir, "hard.pcap")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	sym := filepath.Join(dir, "sym.pcap")
	os.Symlink("x.pcap", sym)
	other := filepath.Join(dir, "other.json")
	mustWrite(t, other, "{}", 0o644)
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out    string
		inputs []string
		clash  bool
	}{
		{in, []string{in}, true},
		{"x.pcap", []string{in}, true},
		{"./sub/../x.pcap", []string{"x.pcap"}, true},
		{hard, []string{in}, true},
		{sym, []string{in}, true},
		{in, []string{"a.pcap", sym}, true},
		{"nosuch.pcap", []string{"./nosuch.pcap"}, true},
		{other, []string{in, hard}, false},
		{"", []string{in}, false},
		{"-", []string{in, "-"}, false},
		{"new.json", []string{in, "-"}, false},
	} {
		err := CheckNotInput(c.out, c.inputs...)
		if (err != nil) != c.clash || (err != nil && !errors.Is(err, ErrIsInput)) {
			t.Errorf("CheckNotInput(%q, %q) = %v; want clash %v", c.out, c.inputs, err, c.clash)
		}
	}
}

func TestAnyPrivate(t *testing.T) {
	dir := t.TempDir()
	pub, priv := filepath.Join(dir, "pub.json"), filepath.Join(dir, "priv.json")
	mustWrite(t, pub, "{}", 0o644)
	mustWrite(t, priv, "{}", 0o600)
	if AnyPrivate(pub, Stdin, filepath.Join(dir, "missing")) {
		t.Error("public files reported private")
	}
	if !AnyPrivate(pub, priv) {
		t.Error("a 0600 input not reported private")
	}
}

func TestCheckNotInputStdin(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.pcap")
	mustWrite(t, in, "capture", 0o644)
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	err = CheckNotInput(in, Stdin)
	var c *InputConflict
	if !errors.As(err, &c) || c.Input != Stdin || !strings.Contains(err.Error(), "standard input") {
		t.Errorf("output read as standard input: %v", err)
	}
}
