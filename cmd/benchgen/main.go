// Command benchgen writes a deterministic synthetic IMAP capture for
// benchmarks and prints its ground truth.
//
//	benchgen -o FILE [-size 1GB | -sessions N] [-seed S] [-ipv6 0.1] [-concurrency 200]
//	benchgen measure [-out FILE] -- CMD [ARGS...]
//
// The measure form runs a command and reports its wall time and peak RSS
// (see measure.go); scripts/bench.sh uses it instead of /usr/bin/time.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/imapscope/imapscope/internal/benchgen"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "measure" {
		code, err := measure(os.Args[2:], os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
		}
		os.Exit(code)
	}
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output pcap file (required; - for stdout)")
	size := fs.String("size", "", "target file size, e.g. 100MB or 1GB (overrides -sessions)")
	sessions := fs.Int("sessions", benchgen.DefaultSessions, "number of IMAP sessions")
	seed := fs.Uint64("seed", benchgen.DefaultSeed, "generator seed")
	ipv6 := fs.Float64("ipv6", benchgen.DefaultIPv6Share, "share of sessions over IPv6 (0..1)")
	conc := fs.Int("concurrency", benchgen.DefaultConcurrency, "sessions open at once")
	quiet := fs.Bool("q", false, "do not print the summary")
	shape := fs.String("shape", benchgen.ShapeMixed, "kind of session: mixed (bodies), short (no literal) or long (-commands commands each)")
	commands := fs.Int("commands", benchgen.DefaultLongCommands, "commands per session of -shape long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-o FILE is required and no arguments are taken")
	}
	opts := benchgen.Options{Sessions: *sessions, Seed: *seed, IPv6Share: *ipv6, Concurrency: *conc, Shape: *shape, Commands: *commands}
	if *ipv6 == 0 {
		opts.IPv6Share = -1 // explicit zero: no IPv6
	}
	if *size != "" {
		n, err := benchgen.ParseSize(*size)
		if err != nil {
			return err
		}
		opts.TargetBytes, opts.Sessions = n, 0
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	} else {
		stdout = stderr // keep the capture clean
	}
	start := time.Now()
	sum, err := benchgen.Write(w, opts)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	el := time.Since(start)
	if !*quiet {
		fmt.Fprintf(stdout, "wrote %s in %.2fs (%.0f MB/s)\n%s", *out, el.Seconds(),
			float64(sum.Bytes)/el.Seconds()/(1<<20), sum)
	}
	return nil
}
