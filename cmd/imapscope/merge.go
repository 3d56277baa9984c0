package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/imapscope/imapscope/internal/outfile"
	"github.com/imapscope/imapscope/report"
)

const mergeUsage = `Usage: imapscope merge [flags] REPORT...

Merges reports written by 'imapscope read --format json' or '--format jsonl'
(or by 'imapscope live') from several sensors or several runs into one
document: sessions are concatenated, a session seen twice (same uid) is kept
once, ordered by start time and renumbered from 1; inputs are combined; capture
counters are summed; statistics are recomputed (with --stats, and always for
html). "-" reads a report from standard input. Filters apply to the merged
result.

Examples:
  imapscope merge --format json -o all.json sensor1.json sensor2.json
  imapscope merge --stats --format table a.json b.json

Flags:
`

// runMerge is 'imapscope merge'.
func runMerge(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg readConfig
	fs := mergeFlags(&cfg, stderr)
	inputs, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	if len(inputs) == 0 {
		return usageError(stderr, "merge", "no reports to merge")
	}
	cfg.set = setFlags(fs)
	cfg.emit, cfg.idleTimeout = "sessions", 1 // not merge flags
	if msg := cfg.validate(); msg != "" {
		return usageError(stderr, "merge", "%s", msg)
	}
	var err error
	if cfg.filter, err = cfg.filters.build(); err != nil {
		return usageError(stderr, "merge", "%v", err)
	}
	if outputIsInput("merge", "o", cfg.output, inputs, stderr) {
		return exitUsage
	}
	tty := cfg.output == "" && isTerminal(stdout)
	if cfg.output == "" || cfg.output == "-" {
		cfg.width = terminalWidth(stdout)
	}
	format := resolveFormat("merge", cfg, tty, stderr)
	if format == "" {
		return exitUsage
	}
	if format == "table" {
		if err := checkColumns(cfg.columns); err != nil {
			fmt.Fprintf(stderr, "imapscope merge: %v\n", err)
			return exitUsage
		}
	}
	reps, ok := readReports(inputs, stdin, stderr)
	if !ok {
		return exitFailure
	}
	merged, err := report.Merge(reps...)
	if err != nil {
		fmt.Fprintf(stderr, "imapscope merge: %v\n", err)
		return exitFailure
	}
	merged.Tool = "imapscope " + programVersion()
	if code := writeMerged(merged, format, cfg, inputs, tty, stdout, stderr); code != exitOK {
		return code
	}
	if !cfg.quiet {
		mergeSummary(stderr, reps, merged)
	}
	if c := merged.Capture; c != nil && (c.TruncatedInput || c.Damage != "") {
		fmt.Fprintf(stderr, "imapscope: input damaged: %s\n", c.Damage)
		return exitDamaged
	}
	return exitOK
}

// mergeFlags defines the flags of 'imapscope merge' into cfg.
func mergeFlags(cfg *readConfig, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.format, "format", "", "output format: table, json, jsonl, tsv, html or ecs (default: table on a terminal, json otherwise)")
	fs.StringVar(&cfg.output, "o", "", "write the merged report to `FILE` instead of standard output")
	fs.BoolVar(&cfg.summary, "summary", false, "table: sessions only, no transaction rows")
	fs.StringVar(&cfg.columns, "columns", "", columnsHelp())
	fs.BoolVar(&cfg.noColor, "no-color", false, "table: never colour statuses (also when NO_COLOR is set)")
	fs.BoolVar(&cfg.quiet, "quiet", false, "no notes on standard error except errors")
	fs.BoolVar(&cfg.stats, "stats", false, "add statistics recomputed over the merged sessions (table, json, html)")
	fs.IntVar(&cfg.top, "top", report.DefaultTop, "statistics: list the `N` slowest transactions")
	cfg.filters.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), mergeUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), filterHelp)
		fmt.Fprint(fs.Output(), "\nExit codes: 0 merged; 3 a merged capture was damaged or truncated; 1 a report unreadable or invalid; 2 usage error.\n")
	}
	return fs
}

// readReports reads every input report ("-": stdin); ok is false (the
// error printed) when one cannot be read.
func readReports(inputs []string, stdin io.Reader, stderr io.Writer) (reps []*report.Report, ok bool) {
	reps = make([]*report.Report, 0, len(inputs))
	for _, in := range inputs {
		var doc []byte
		var err error
		if in == "-" {
			doc, err = io.ReadAll(stdin)
		} else {
			doc, err = os.ReadFile(in)
		}
		if err == nil {
			var r *report.Report
			if r, err = report.ReadReport(doc); err == nil {
				reps = append(reps, r)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "imapscope merge: %s: %v\n", in, err)
			return nil, false
		}
	}
	return reps, true
}

// writeMerged writes the merged report to cfg.output (or stdout) and
// returns the exit code.
func writeMerged(merged *report.Report, format string, cfg readConfig, inputs []string, tty bool, stdout, stderr io.Writer) int {
	out := stdout
	// A report merged from private ones (written with --show-secrets) is
	// private too.
	file, err := createOutput(cfg.output, outfile.AnyPrivate(inputs...))
	if err != nil {
		fmt.Fprintf(stderr, "imapscope: %v\n", err)
		return exitFailure
	}
	defer file.Abort() // no-op once committed
	if file != nil {
		out = file
	}
	bw := bufio.NewWriterSize(out, outputBufferSize)
	if code := filterAndWrite(bw, merged, format, cfg, tty, stderr); code != exitOK {
		return code
	}
	if ferr := bw.Flush(); ferr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", ferr)
		return exitFailure
	}
	if cerr := file.Commit(); cerr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", cerr)
		return exitFailure
	}
	return exitOK
}

// mergeSummary prints the closing line of a merge to stderr.
func mergeSummary(stderr io.Writer, reps []*report.Report, merged *report.Report) {
	total := 0
	for _, r := range reps {
		total += len(r.Sessions)
	}
	fmt.Fprintf(stderr, "imapscope: merged %d reports, %d sessions", len(reps), len(merged.Sessions))
	if dup := total - len(merged.Sessions); dup > 0 {
		fmt.Fprintf(stderr, " (%d duplicate sessions dropped)", dup)
	}
	fmt.Fprintln(stderr)
}
