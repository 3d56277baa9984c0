// Command pcapmangle writes a deterministically damaged copy of a classic
// pcap file and prints, as JSON on standard error, which packets it touched.
//
//	pcapmangle -fault drop -rate 0.05 -seed 7 -o damaged.pcap clean.pcap
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/imapscope/imapscope/internal/pcapmangle"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("pcapmangle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fault := fs.String("fault", "drop", "fault: drop, dup, reorder, truncate, snaplen, corrupt or badrecord")
	rate := fs.Float64("rate", pcapmangle.DefaultRate, "fraction of packets (or reorder windows) touched")
	window := fs.Int("window", pcapmangle.DefaultWindow, "reorder window in packets")
	snap := fs.Int("snaplen", pcapmangle.DefaultSnapLen, "captured length kept by snaplen")
	skip := fs.Int("skip", 0, "leave the first N packets alone")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("o", "", "output `file` (required)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *out == "" {
		fmt.Fprintln(stderr, "usage: pcapmangle [flags] -o OUT IN.pcap")
		fs.PrintDefaults()
		return 2
	}
	k, err := pcapmangle.ParseKind(*fault)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	in, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "pcapmangle:", err)
		return 1
	}
	b, rep, err := pcapmangle.Mangle(in, pcapmangle.Fault{Kind: k, Rate: *rate, Window: *window, SnapLen: *snap, Skip: *skip}, *seed)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(stderr, "pcapmangle:", err)
		return 1
	}
	js, _ := json.Marshal(rep)
	fmt.Fprintln(stderr, string(js))
	return 0
}
