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
	"strings"
	"syscall"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
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
	noDissect   bool
	summary     bool
	columns     string
	noColor     bool
	quiet       bool
	idleTimeout time.Duration
	emit        string
}

// defaultPorts are IMAP (143), IMAP3 (220) and IMAPS (993).
var defaultPorts = portList{143, 220, 993}

func runRead(args []string, stdout, stderr io.Writer) int {
	cfg := readConfig{ports: append(portList(nil), defaultPorts...)}
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.format, "format", "", "output format: table, json or jsonl (default: table on a terminal, json otherwise)")
	fs.StringVar(&cfg.output, "o", "", "write the report to `FILE` instead of standard output")
	fs.Var(&cfg.ports, "ports", "comma-separated IMAP server `ports`")
	fs.IntVar(&cfg.workers, "workers", 0, "reassembly workers (default: number of CPUs)")
	fs.BoolVar(&cfg.showSecrets, "show-secrets", false, "show passwords and SASL secrets instead of <redacted>")
	fs.BoolVar(&cfg.noDissect, "no-dissect", false, "reassemble only and count bytes (benchmark floor); no IMAP work")
	fs.BoolVar(&cfg.summary, "summary", false, "table: sessions only, no transaction rows")
	fs.StringVar(&cfg.columns, "columns", "", "table: comma-separated `keys` of the columns to show")
	fs.BoolVar(&cfg.noColor, "no-color", false, "table: never colour statuses")
	fs.BoolVar(&cfg.quiet, "quiet", false, "no notes on standard error except errors")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", reassembly.DefaultIdleTimeout, "close connections idle this long (capture time)")
	fs.StringVar(&cfg.emit, "emit", "sessions", "jsonl: emit `what`: sessions, or transactions (each as it completes) and sessions")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), readUsage)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 read fully; 3 input damaged or truncated, report produced; 1 input unreadable; 2 usage error.\n")
	}
	inputs, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "imapscope read: no input files (use - for standard input)")
		fs.Usage()
		return exitUsage
	}
	if cfg.emit != "sessions" && cfg.emit != "transactions" {
		fmt.Fprintf(stderr, "imapscope read: --emit must be sessions or transactions, not %q\n", cfg.emit)
		return exitUsage
	}
	return readInputs(cfg, inputs, stdout, stderr)
}

// readInputs runs the pipeline and writes the report.
func readInputs(cfg readConfig, inputs []string, stdout, stderr io.Writer) int {
	out := stdout
	var file *os.File
	if cfg.output != "" && cfg.output != "-" {
		f, err := os.Create(cfg.output)
		if err != nil {
			fmt.Fprintf(stderr, "imapscope: %v\n", err)
			return exitFailure
		}
		file = f
		out = f
	}
	tty := cfg.output == "" && isTerminal(stdout)
	format := cfg.format
	if format == "" {
		format = "json"
		if tty {
			format = "table"
		}
	}
	switch format {
	case "table", "json", "jsonl":
	default:
		fmt.Fprintf(stderr, "imapscope read: unknown --format %q (want table, json or jsonl)\n", format)
		return exitUsage
	}
	if cfg.showSecrets && !cfg.quiet {
		fmt.Fprintln(stderr, "imapscope: --show-secrets: passwords and SASL secrets will appear in the output")
	}
	bw := bufio.NewWriterSize(out, 64<<10)

	ropts := reassembly.Options{Ports: cfg.ports, Workers: cfg.workers, IdleTimeout: cfg.idleTimeout}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.noDissect {
		var cf reassembly.CountingFactory
		st, err := reassembly.Run(ctx, inputs, ropts, &cf)
		tot := cf.Totals()
		fmt.Fprintf(bw, "{\"packets\":%d,\"bytes\":%d,\"imap_packets\":%d,\"connections\":%d,\"stream_bytes\":%d}\n",
			st.Packets, st.Bytes, st.IMAPPackets, st.Conns, tot.ClientBytes+tot.ServerBytes)
		return finish(bw, file, st, err, stderr, cfg.quiet)
	}

	dopts := dissect.Options{ShowSecrets: cfg.showSecrets}
	var stream func(*report.Session) error
	if format == "jsonl" {
		jl := report.NewJSONLWriter(bw)
		stream = jl.WriteSession
		if cfg.emit == "transactions" {
			dopts.OnTransaction = func(s *report.Session, t *report.Transaction) {
				_ = jl.WriteTransaction(s.ID, t)
			}
		}
	}
	col := pipeline.NewCollector(dopts, stream)
	st, err := reassembly.Run(ctx, inputs, ropts, col)
	if cerr := col.Err(); cerr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", cerr)
		return exitFailure
	}
	rep := &report.Report{
		Tool:    "imapscope " + version,
		Inputs:  inputs,
		Capture: pipeline.CaptureStats(st),
	}
	switch format {
	case "json":
		rep.Sessions = col.Sessions()
		if werr := report.WriteJSON(bw, rep); werr != nil {
			fmt.Fprintf(stderr, "imapscope: writing output: %v\n", werr)
			return exitFailure
		}
	case "table":
		rep.Sessions = col.Sessions()
		topts := report.TableOptions{Summary: cfg.summary, Color: tty && !cfg.noColor}
		if cfg.columns != "" {
			topts.Columns = strings.Split(cfg.columns, ",")
		}
		if werr := report.WriteTable(bw, rep, topts); werr != nil {
			fmt.Fprintf(stderr, "imapscope: writing output: %v\n", werr)
			return exitFailure
		}
	}
	if !cfg.quiet && err == nil {
		fmt.Fprintf(stderr, "imapscope: %d packets, %d IMAP sessions\n", st.Packets, st.Conns)
	}
	return finish(bw, file, st, err, stderr, cfg.quiet)
}

// finish flushes the output and turns the run's outcome into an exit code.
func finish(bw *bufio.Writer, file *os.File, st reassembly.Stats, err error, stderr io.Writer, quiet bool) int {
	if ferr := bw.Flush(); ferr != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", ferr)
		return exitFailure
	}
	if file != nil {
		if cerr := file.Close(); cerr != nil {
			fmt.Fprintf(stderr, "imapscope: writing output: %v\n", cerr)
			return exitFailure
		}
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
