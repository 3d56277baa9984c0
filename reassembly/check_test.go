package reassembly

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckInputs(t *testing.T) {
	good := "../pcaps/dovecot/demo.pcap"
	if err := CheckInputs([]string{good, StdinName}); err != nil {
		t.Fatalf("good inputs: %v", err)
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, not a capture\n"), 0o644)
	var ie *InputError
	err := CheckInputs([]string{good, filepath.Join(dir, "missing.pcap")})
	if !errors.As(err, &ie) || !errors.Is(err, fs.ErrNotExist) || ie.Name != filepath.Join(dir, "missing.pcap") {
		t.Errorf("missing: %v", err)
	}
	if err := CheckInputs([]string{text}); !errors.Is(err, ErrNotCapture) {
		t.Errorf("text file: %v", err)
	}
	if err := CheckInputs([]string{dir}); !errors.Is(err, ErrNotCapture) {
		t.Errorf("directory: %v", err)
	}
}
