package transportgen

import (
	"bytes"
	"fmt"
)

// Manifest returns pcaps/transport/MANIFEST.md: one line per capture.
func Manifest() []byte {
	var b bytes.Buffer
	b.WriteString("# pcaps/transport\n\nCrafted by internal/transportgen (`go run ./internal/transportgen/cmd/transportgen`);\n")
	b.WriteString("asserted by pipeline/transport_test.go. Each reproduces a real transport condition:\n\n")
	for _, c := range All() {
		fmt.Fprintf(&b, "- `%s.pcap` (%d packets): %s.\n", c.Name, len(c.Frames), c.What)
	}
	return b.Bytes()
}
