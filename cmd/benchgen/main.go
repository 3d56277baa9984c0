// Command benchgen writes a deterministic synthetic IMAP capture for
// benchmarks and prints its ground truth.
//
//	benchgen -o FILE [-size 1GB | -sessions N] [-seed S] [-ipv6 0.1] [-concurrency 200]
//	         [-tls -keylog KEYLOG [-tls12 0.25] | -tls-twin]
//	         [-shape mixed|short|long] [-commands 200000]
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
	shape := fs.String("shape", "mixed", "session shape: mixed (full conversation), short (login, select, logout) or long (one session of -commands commands)")
	commands := fs.Int("commands", benchgen.DefaultLongCommands, "tagged commands of a -shape long session")
	quiet := fs.Bool("q", false, "do not print the summary")
	useTLS := fs.Bool("tls", false, "IMAP over TLS on port 993, made with crypto/tls (needs -keylog)")
	keylog := fs.String("keylog", "", "with -tls: write the NSS key log to `FILE`")
	tls12 := fs.Float64("tls12", benchgen.DefaultTLS12Share, "with -tls: share of sessions using TLS 1.2 (0..1)")
	twin := fs.Bool("tls-twin", false, "the clear-text twin of a -tls capture with the same options (same IMAP messages, port 143)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-o FILE is required and no arguments are taken")
	}
	sh, err := benchgen.ParseShape(*shape)
	if err != nil {
		return err
	}
	opts := benchgen.Options{Sessions: *sessions, Seed: *seed, IPv6Share: *ipv6, Concurrency: *conc,
		Shape: sh, Commands: *commands}
	if sh == benchgen.ShapeLong && !flagSet(fs, "sessions") {
		opts.Sessions = 1
	}
	if *ipv6 == 0 {
		opts.IPv6Share = -1 // explicit zero: no IPv6
	}
	if err := setTLS(&opts, *useTLS, *twin, *keylog, *tls12); err != nil {
		return err
	}
	if *size != "" {
		n, err := benchgen.ParseSize(*size)
		if err != nil {
			return err
		}
		opts.TargetBytes, opts.Sessions = n, 0
	}
	if *out == "-" {
		stdout = stderr // keep the capture clean
	}
	start := time.Now()
	sum, err := writeCapture(*out, *keylog, *useTLS, opts)
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

// setTLS applies the -tls, -tls-twin, -keylog and -tls12 flags to opts.
func setTLS(opts *benchgen.Options, useTLS, twin bool, keylog string, tls12 float64) error {
	if useTLS && twin || useTLS != (keylog != "") {
		return fmt.Errorf("-tls needs -keylog FILE (and excludes -tls-twin)")
	}
	if twin {
		opts.TLS = benchgen.TLSTwin
	}
	if tls12 == 0 {
		opts.TLS12Share = -1
	} else {
		opts.TLS12Share = tls12
	}
	return nil
}

// writeCapture writes the capture to out (- for stdout) and, with useTLS,
// the key log to keylog; the first error wins, close errors included.
func writeCapture(out, keylog string, useTLS bool, opts benchgen.Options) (benchgen.Summary, error) {
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "-" {
		var err error
		if f, err = os.Create(out); err != nil {
			return benchgen.Summary{}, err
		}
		w = f
	}
	var kf *os.File
	if useTLS {
		var err error
		if kf, err = os.Create(keylog); err != nil {
			if f != nil {
				f.Close()
			}
			return benchgen.Summary{}, err
		}
		opts.TLS, opts.KeyLog = benchgen.TLSOn, kf
	}
	sum, err := benchgen.Write(w, opts)
	for _, c := range []*os.File{f, kf} {
		if c != nil {
			if cerr := c.Close(); err == nil {
				err = cerr
			}
		}
	}
	return sum, err
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
