package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/outfile"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

const readUsage = `Usage: imapscope read [flags] FILE...

Reads pcap or pcapng captures (detected by content; gzip-compressed files are
read transparently; "-" reads standard input), reassembles TCP, and reports
every IMAP session on the server ports.

Examples:
  imapscope read capture.pcap
  imapscope read --format json -o report.json a.pcapng b.pcap.gz
  tcpdump -i eth0 -w - port 143 | imapscope read --format jsonl -

Flags:
`

// readConfig holds the read command's flags.
type readConfig struct {
	format      string
	output      string
	ports       portList
	workers     int
	showSecrets bool
	keylogs     fileList
	noDissect   bool
	summary     bool
	columns     string
	noColor     bool
	quiet       bool
	idleTimeout time.Duration
	emit        string
	stats       bool
	top         int
	filters     filterFlags

	// statsOnly is set by the stats command: the output is the statistics alone.
	statsOnly bool
	// filter is built from filters once the flags are parsed.
	filter report.Filter
	// set holds the names of the flags given on the command line.
	set map[string]bool
	// width is the terminal width the tables fit (0: no limit).
	width int
}

// readFormats are the output formats of read (and merge).
var readFormats = []string{"table", "json", "jsonl", "tsv", "html", "ecs"}

func runRead(args []string, stdout, stderr io.Writer) int {
	return runReadCommand("read", readUsage, args, stdout, stderr)
}

// runReadCommand parses the flags of read or stats and runs the pipeline.
func runReadCommand(name, usage string, args []string, stdout, stderr io.Writer) int {
	cfg := readConfig{ports: reassembly.DefaultPorts(), statsOnly: name == "stats", emit: "sessions"}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if cfg.statsOnly {
		fs.StringVar(&cfg.format, "format", "", "output format: table or json (the stats object alone) (default: table on a terminal, json otherwise)")
	} else {
		fs.StringVar(&cfg.format, "format", "", "output format: table, json, jsonl, tsv (Zeek-style, one row per transaction), html or ecs (Elastic Common Schema: session, transaction and anomaly events) (default: table on a terminal, json otherwise)")
	}
	fs.StringVar(&cfg.output, "o", "", "write the report to `FILE` instead of standard output")
	fs.Var(&cfg.ports, "ports", "comma-separated IMAP server `ports`")
	fs.IntVar(&cfg.workers, "workers", 0, "reassembly workers (default: 1 when the load average leaves no CPU idle, else one more than the idle CPUs, within the available CPUs and at most 4)")
	fs.BoolVar(&cfg.showSecrets, "show-secrets", false, "show passwords and SASL secrets instead of <redacted>")
	fs.Var(&cfg.keylogs, "keylog", "decrypt TLS with the NSS key log `FILE` (SSLKEYLOGFILE format; repeatable)")
	if !cfg.statsOnly {
		fs.BoolVar(&cfg.noDissect, "no-dissect", false, "reassemble only and count bytes (benchmark floor); no IMAP work")
		fs.BoolVar(&cfg.summary, "summary", false, "table: sessions only, no transaction rows")
		fs.StringVar(&cfg.columns, "columns", "", columnsHelp())
		fs.StringVar(&cfg.emit, "emit", "sessions", "jsonl: emit `what`: sessions, or transactions (each as it completes) and sessions")
		fs.BoolVar(&cfg.stats, "stats", false, "add statistics: per command, server and user counts, statuses, latency p50/p90/p99/max, bytes; slowest transactions; anomalies (table, json, html)")
	}
	fs.BoolVar(&cfg.noColor, "no-color", false, "table: never colour statuses (also when NO_COLOR is set)")
	fs.BoolVar(&cfg.quiet, "quiet", false, "no notes or progress bar on standard error, only errors")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", reassembly.DefaultIdleTimeout, "close connections idle this long (capture time)")
	fs.IntVar(&cfg.top, "top", report.DefaultTop, "statistics: list the `N` slowest transactions")
	cfg.filters.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), filterHelp)
		fmt.Fprint(fs.Output(), "\nExit codes: 0 read fully; 3 input damaged or truncated, report produced; 1 input unreadable; 2 usage error.\n")
	}
	inputs, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	if len(inputs) == 0 {
		return usageError(stderr, name, "no input files (use - for standard input)")
	}
	cfg.set = setFlags(fs)
	if msg := cfg.validate(); msg != "" {
		return usageError(stderr, name, "%s", msg)
	}
	var err error
	if cfg.filter, err = cfg.filters.build(); err != nil {
		return usageError(stderr, name, "%v", err)
	}
	if cfg.statsOnly {
		cfg.stats = true
	}
	if outputIsInput(name, "o", cfg.output, inputs, stderr) {
		return exitUsage
	}
	return readInputs(cfg, inputs, stdout, stderr)
}

// resolveFormat picks the output format (table on a terminal, json otherwise)
// and checks it against the other flags; it returns "" after printing a usage
// error.
func resolveFormat(name string, cfg readConfig, tty bool, stderr io.Writer) string {
	format := cfg.format
	if format == "" {
		format = "json"
		if tty {
			format = "table"
		}
	}
	msg := ""
	switch {
	case !slices.Contains(readFormats, format):
		msg = fmt.Sprintf("unknown --format %q (want %s)", format, strings.Join(readFormats, ", "))
	case cfg.statsOnly && format != "table" && format != "json":
		msg = fmt.Sprintf("--format must be table or json, not %q", format)
	case cfg.stats && !cfg.statsOnly && (format == "jsonl" || format == "ecs" || format == "tsv"):
		msg = fmt.Sprintf("--stats works with --format table, json or html, not %s", format)
	default:
		msg = cfg.checkFormatFlags(format)
	}
	if msg != "" {
		usageError(stderr, name, "%s", msg)
		return ""
	}
	return format
}

// useColor reports whether table statuses are coloured: on a terminal, unless
// --no-color or the NO_COLOR environment variable (any non-empty value) says no.
func useColor(cfg readConfig, tty bool) bool {
	return tty && !cfg.noColor && os.Getenv("NO_COLOR") == ""
}

// writeReport writes rep, already filtered and with its stats computed, in format.
func writeReport(w io.Writer, rep *report.Report, format string, cfg readConfig, tty bool) error {
	topts := tableOptions(cfg, tty)
	switch {
	case cfg.statsOnly && format == "json":
		return writeStatsJSON(w, rep.Stats)
	case cfg.statsOnly:
		return report.WriteStatsTable(w, rep.Stats, topts)
	}
	switch format {
	case "json":
		return report.WriteJSON(w, rep)
	case "jsonl":
		jl := report.NewJSONLWriter(w)
		for _, s := range rep.Sessions {
			if err := jl.WriteSession(s); err != nil {
				return err
			}
		}
		return nil
	case "html":
		return report.WriteHTML(w, rep, report.HTMLOptions{Stats: cfg.stats})
	case "ecs":
		return report.WriteECS(w, rep)
	case "tsv":
		return report.WriteTSV(w, rep)
	}
	if err := report.WriteTable(w, rep, topts); err != nil {
		return err
	}
	if rep.Stats == nil {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return report.WriteStatsTable(w, rep.Stats, topts)
}

// tableOptions are the table renderer's options of cfg.
func tableOptions(cfg readConfig, tty bool) report.TableOptions {
	topts := report.TableOptions{Summary: cfg.summary, Color: useColor(cfg, tty), Width: cfg.width}
	if cfg.columns != "" {
		topts.Columns = strings.Split(cfg.columns, ",")
	}
	return topts
}

// readInputs runs the pipeline and writes the report.
func readInputs(cfg readConfig, inputs []string, stdout, stderr io.Writer) int {
	name := commandName(cfg)
	format, tty := outputFormat(name, &cfg, stdout, stderr)
	if format == "" {
		return exitUsage
	}
	// Every input is opened and its header read before anything is
	// written: a bad input leaves no output behind.
	if err := reassembly.CheckInputs(inputs); err != nil {
		fmt.Fprintf(stderr, "imapscope: %v\n", err)
		return exitFailure
	}
	// Signals are caught before the output file exists, so that an
	// interrupted run always gets to remove its temporary file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, file, err := openOutput(cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "imapscope: %v\n", err)
		return exitFailure
	}
	defer file.Abort() // no-op once committed: every early return keeps the old file
	keys, ok := readKeyLogs(cfg, inputs, name, stderr)
	if !ok {
		return exitUsage
	}
	bw := bufio.NewWriterSize(out, outputBufferSize)

	prog := newProgress(stderr, inputs, cfg.quiet)
	pc := pipeline.Config{
		Inputs:     inputs,
		Reassembly: reassembly.Options{Ports: cfg.ports, Workers: cfg.workers, IdleTimeout: cfg.idleTimeout},
		Dissect:    dissect.Options{ShowSecrets: cfg.showSecrets, TLSKeys: keyLookup(keys)},
		Tool:       "imapscope " + programVersion(),
		NoDissect:  cfg.noDissect,
		Progress:   prog.hook(),
	}
	txns := withTxnFile(&pc)
	defer txns.Close()
	keep, code := setStream(&pc, bw, format, cfg, tty, stderr)
	if code != exitOK {
		return code
	}
	if keep != nil {
		defer keep.close()
	}
	pc.Stream.Flush = bw.Flush // a paused pipe gets what is complete now
	res, err := pipeline.Run(ctx, pc)
	err = interruptedErr(ctx, err)
	warnTxnFile(txns, stderr)
	prog.done()
	if res.Report != nil {
		keyLogStats(keys, res.Report.Capture)
	}
	st := res.Stats
	if outputFailed(err, stderr) {
		return exitFailure
	}
	if cfg.noDissect {
		writeCounted(bw, res)
		return finish(bw, file, st, err, stderr, cfg.quiet)
	}
	var inErr *reassembly.InputError
	if errors.As(err, &inErr) && st.Packets == 0 {
		// Nothing was read: no report, just the error.
		return finish(bw, file, st, err, stderr, cfg.quiet)
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		res.Report.Capture.Interrupted = true
	}
	if code := writeDocument(bw, res.Report, keep, format, cfg, tty, stderr); code != exitOK {
		return code
	}
	if !cfg.quiet && err == nil {
		readSummary(stderr, res.Report, st)
	}
	return finish(bw, file, st, err, stderr, cfg.quiet)
}

// withTxnFile gives pc's dissection a file for the finished transactions
// of long sessions (report.TxnFile), which the caller closes.
func withTxnFile(pc *pipeline.Config) *report.TxnFile {
	pc.Dissect.TxnFile = report.NewTxnFile()
	return pc.Dissect.TxnFile
}

// warnTxnFile reports a transaction spill file that failed; the sessions
// kept their transactions in memory instead.
func warnTxnFile(txns *report.TxnFile, stderr io.Writer) {
	if err := txns.Err(); err != nil {
		fmt.Fprintf(stderr, "imapscope: %v (long sessions were kept in memory instead)\n", err)
	}
}

// commandName is the name a read runs under: read, or stats.
func commandName(cfg readConfig) string {
	if cfg.statsOnly {
		return "stats"
	}
	return "read"
}

// openOutput creates the output file cfg names (nil for stdout) and
// returns where the report goes; with --show-secrets it warns first.
func openOutput(cfg readConfig, stdout, stderr io.Writer) (io.Writer, *outfile.File, error) {
	file, err := createOutput(cfg.output, cfg.showSecrets)
	if err != nil {
		return nil, nil, err
	}
	if cfg.showSecrets && !cfg.quiet {
		fmt.Fprintln(stderr, "imapscope: --show-secrets: passwords and SASL secrets will appear in the output")
	}
	if file != nil {
		return file, file, nil
	}
	return stdout, nil, nil
}

// outputFormat settles the output format of the command name and whether
// it goes to a terminal (and sets cfg.width for it); "" is a usage error,
// already reported.
func outputFormat(name string, cfg *readConfig, stdout, stderr io.Writer) (format string, tty bool) {
	tty = cfg.output == "" && isTerminal(stdout)
	if cfg.output == "" || cfg.output == "-" {
		cfg.width = terminalWidth(stdout)
	}
	return resolveFormat(name, *cfg, tty, stderr), tty
}

// readKeyLogs loads the --keylog files and the secrets embedded in pcapng
// inputs; false: a key log could not be read (reported).
func readKeyLogs(cfg readConfig, inputs []string, name string, stderr io.Writer) (*tlsdecrypt.KeyLog, bool) {
	keys, ok := loadKeyLogs(cfg.keylogs, stderr, name)
	if !ok {
		return nil, false
	}
	return embeddedSecrets(keys, inputs), true
}

// outputFailed reports (to stderr) whether err is the output failing.
func outputFailed(err error, stderr io.Writer) bool {
	outErr := (*pipeline.OutputError)(nil)
	if !errors.As(err, &outErr) {
		return false
	}
	fmt.Fprintf(stderr, "imapscope: writing output: %v\n", outErr.Err)
	return true
}

// writeCounted writes the one-line JSON summary of a --no-dissect run.
func writeCounted(w io.Writer, res pipeline.Result) {
	st, tot := res.Stats, res.Counted
	fmt.Fprintf(w, "{\"packets\":%d,\"bytes\":%d,\"imap_packets\":%d,\"connections\":%d,\"stream_bytes\":%d}\n",
		st.Packets, st.Bytes, st.IMAPPackets, st.Conns, tot.ClientBytes+tot.ServerBytes)
}

// readSummary prints the closing line of a read to stderr.
func readSummary(stderr io.Writer, rep *report.Report, st reassembly.Stats) {
	empty := rep.Capture.EmptyConnections
	fmt.Fprintf(stderr, "imapscope: %d packets, %d IMAP sessions", st.Packets, st.Conns-empty)
	if empty > 0 {
		fmt.Fprintf(stderr, " (and %d connections without data)", empty)
	}
	fmt.Fprint(stderr, skippedSummary(st))
	fmt.Fprintln(stderr)
}

// setStream sets how the pipeline of pc hands over sessions for format:
// streamed as they end (jsonl, ecs) or to the returned keeper (the other
// formats and stats). A code other than exitOK ends the run.
func setStream(pc *pipeline.Config, bw io.Writer, format string, cfg readConfig, tty bool, stderr io.Writer) (*keeper, int) {
	name := commandName(cfg)
	switch {
	case cfg.noDissect:
		return nil, exitOK
	case format == "jsonl":
		stream, err := jsonlStream(lineWriter{bw}, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "imapscope %s: %v\n", name, err)
			return nil, exitUsage
		}
		pc.Stream = stream
	case format == "ecs":
		pc.Stream = ecsFiltered(lineWriter{bw}, cfg.filter)
	case keptFormat(format, cfg):
		keep, err := newKeeper(cfg, format, len(pc.Inputs) > 1)
		if err != nil {
			fmt.Fprintf(stderr, "imapscope: %v\n", err)
			return nil, exitFailure
		}
		if err := keep.streamDocument(bw, format, cfg, tty, pc); err != nil {
			fmt.Fprintf(stderr, "imapscope %s: %v\n", name, err)
			return nil, exitUsage
		}
		pc.Stream = keep.stream()
		return keep, exitOK
	}
	return nil, exitOK
}

// writeDocument writes the report of a whole-document format at the end
// of the run (nothing for the streamed ones).
func writeDocument(w io.Writer, rep *report.Report, keep *keeper, format string, cfg readConfig, tty bool, stderr io.Writer) int {
	switch {
	case keep != nil:
		if err := keep.write(w, rep, format, cfg, tty); err != nil {
			fmt.Fprintf(stderr, "imapscope: writing output: %v\n", err)
			return exitFailure
		}
	case format != "jsonl" && format != "ecs":
		return filterAndWrite(w, rep, format, cfg, tty, stderr)
	}
	return exitOK
}

// keptFormat reports whether a run in format hands its sessions to a
// keeper as they end (statistics computed incrementally, sessions spilled).
func keptFormat(format string, cfg readConfig) bool {
	return !cfg.noDissect && format != "jsonl" && format != "ecs"
}

// jsonlStream writes sessions that pass the filters as JSONL lines to w as
// they end, and with --emit transactions each kept transaction as it
// completes.
func jsonlStream(w io.Writer, cfg readConfig) (pipeline.Stream, error) {
	return jsonlFiltered(w, cfg.filter, cfg.emit == "transactions"), nil
}

// filterAndWrite applies the filters, computes the statistics when asked
// (always for html, whose charts need them) and writes rep.
func filterAndWrite(w io.Writer, rep *report.Report, format string, cfg readConfig, tty bool, stderr io.Writer) int {
	rep, ferr := cfg.filter.Apply(rep)
	if ferr != nil {
		fmt.Fprintf(stderr, "imapscope: %v\n", ferr)
		return exitFailure
	}
	if cfg.stats || format == "html" {
		cp := *rep
		cp.Stats = report.ComputeStats(rep, report.StatsOptions{Top: topOrNone(cfg.top)})
		rep = &cp
	}
	if werr := writeReport(w, rep, format, cfg, tty); werr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", werr)
		return exitFailure
	}
	return exitOK
}

// topOrNone maps the --top value to StatsOptions.Top (where 0 means the default).
func topOrNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// interruptedErr returns ctx's error when a signal arrived during a run that
// otherwise ended well (the reader may have been blocked on a pipe and
// never seen it): an interrupted run is reported as one, and does not
// replace an output file.
func interruptedErr(ctx context.Context, err error) error {
	if err == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// finish flushes the output and turns the run's outcome into an exit code.
// An output file replaces the old one only when the run neither failed nor
// was interrupted; otherwise it is discarded and the old file kept.
func finish(bw *bufio.Writer, file *outfile.File, st reassembly.Stats, err error, stderr io.Writer, quiet bool) int {
	if ferr := bw.Flush(); ferr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", ferr)
		return exitFailure
	}
	if file != nil && err != nil {
		file.Abort()
		why := err.Error()
		if errors.Is(err, context.Canceled) {
			why = "interrupted"
		}
		fmt.Fprintf(stderr, "imapscope: %s; no report written, %s left as it was\n", why, file.Name())
		return exitFailure
	}
	if cerr := file.Commit(); cerr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", cerr)
		return exitFailure
	}
	switch {
	case err != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "imapscope: interrupted; report covers what was read")
		return exitDamaged
	case err != nil:
		fmt.Fprintf(stderr, "imapscope: %v\n", err)
		return exitFailure
	case st.Truncated || st.Damage != "":
		fmt.Fprintf(stderr, "imapscope: input damaged: %s\n", st.Damage)
		return exitDamaged
	case st.Skip.UnsupportedLinkType > 0:
		fmt.Fprintf(stderr, "imapscope: %d packets of unsupported link type %s not read\n", st.Skip.UnsupportedLinkType, st.UnsupportedLinkTypes)
		return exitDamaged
	}
	return exitOK
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
