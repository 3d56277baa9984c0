// Command transportgen writes the crafted transport captures into a
// directory (default pcaps/transport) and a MANIFEST.md saying what each
// one reproduces.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imapscope/imapscope/internal/transportgen"
)

func main() {
	dir := flag.String("dir", "pcaps/transport", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "transportgen:", err)
		os.Exit(1)
	}
	for _, c := range transportgen.All() {
		var b bytes.Buffer
		if err := transportgen.WritePcap(&b, c); err != nil {
			fmt.Fprintln(os.Stderr, "transportgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(*dir, c.Name+".pcap"), b.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "transportgen:", err)
			os.Exit(1)
		}
	}
	if err := os.WriteFile(filepath.Join(*dir, "MANIFEST.md"), transportgen.Manifest(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "transportgen:", err)
		os.Exit(1)
	}
}
