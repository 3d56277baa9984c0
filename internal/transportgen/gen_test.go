package transportgen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedCaptures: the files under pcaps/transport are what the
// generator writes (regenerate with go run ./internal/transportgen/cmd/transportgen).
func TestCommittedCaptures(t *testing.T) {
	dir := "../../pcaps/transport"
	for _, c := range All() {
		var b bytes.Buffer
		if err := WritePcap(&b, c); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, c.Name+".pcap"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b.Bytes()) {
			t.Errorf("%s.pcap differs from the generator's output", c.Name)
		}
	}
	m, err := os.ReadFile(filepath.Join(dir, "MANIFEST.md"))
	if err != nil || !bytes.Equal(m, Manifest()) {
		t.Errorf("MANIFEST.md differs from the generator's (%v)", err)
	}
}
