package main

import (
	"bytes"
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
	"github.com/imapscope/imapscope/internal/outfile"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/reassembly/live"
	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

const liveUsage = `Usage: imapscope live -i IFACE [flags]

Captures IMAP traffic from a network interface (Linux AF_PACKET, needs root
or CAP_NET_RAW), reassembles TCP and reports every IMAP session as it ends.
A kernel BPF filter built from --ports lets only TCP on those ports reach
imapscope. "-i any" captures on all interfaces.

Capture stops on SIGINT or SIGTERM, after --duration or after --count
packets; sessions still open are then reported (commands still waiting
have status null and a note), and a summary line goes to standard error.

Examples:
  imapscope live -i eth0
  imapscope live -i any --format jsonl -o sessions.jsonl --stats-interval 1m
  imapscope live -i eth0 --emit transactions --duration 1h -w eth0.pcapng
  imapscope live -i eth0 --run-as nobody --fanout-group 7   # run several
  imapscope live -i any --format ecs --command '!IDLE' -o imap.ndjson

Flags:
`

// liveConfig holds the live command's flags.
type liveConfig struct {
	iface         string
	expr          string
	format        string
	emit          string
	output        string
	pcapOut       string
	keylogs       fileList
	ports         portList
	workers       int
	duration      time.Duration
	count         int64
	idleTimeout   time.Duration
	statsInterval time.Duration
	fanoutGroup   int
	bufferMiB     int
	noPromisc     bool
	showSecrets   bool
	summary       bool
	columns       string
	noColor       bool
	quiet         bool
	runAs         string
	filters       filterFlags
	filter        report.Filter
}

func runLive(args []string, stdout, stderr io.Writer) int {
	cfg := liveConfig{ports: reassembly.DefaultPorts()}
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.iface, "i", "", "capture on interface `IFACE` (any: all interfaces)")
	fs.Var(&cfg.ports, "ports", "comma-separated IMAP server `ports` (also the kernel filter)")
	fs.StringVar(&cfg.expr, "f", "", "tcpdump filter `EXPR` instead of the port filter, Ethernet interfaces: host, net, port, portrange, vlan, ip, ip6, tcp, udp with and/or/not in pure Go (all of tcpdump's language with -tags pcap)")
	fs.StringVar(&cfg.format, "format", "", "output format: table, jsonl or ecs (Elastic Common Schema events, each session's as it ends) (default: table on a terminal, jsonl otherwise)")
	fs.StringVar(&cfg.emit, "emit", "sessions", "jsonl: emit `what`: sessions, or transactions (each as it completes) and sessions")
	fs.StringVar(&cfg.output, "o", "", "append the report to `FILE` instead of standard output")
	fs.StringVar(&cfg.pcapOut, "w", "", "also write the captured packets to `FILE` (pcapng; replay with imapscope read)")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after this long (0: until SIGINT/SIGTERM)")
	fs.Int64Var(&cfg.count, "count", 0, "stop after `N` captured packets (0: no limit)")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", reassembly.DefaultIdleTimeout, "end sessions idle this long")
	fs.DurationVar(&cfg.statsInterval, "stats-interval", 0, "print capture statistics on standard error every `D` (0: off)")
	fs.StringVar(&cfg.runAs, "run-as", "", "drop privileges to user `NAME` once the socket and files are open (tcpdump's -Z)")
	fs.IntVar(&cfg.fanoutGroup, "fanout-group", -1, "join AF_PACKET fanout group `N` (0-65535, hash mode) to share the interface with other imapscope processes")
	fs.IntVar(&cfg.workers, "workers", 1, "reassembly workers (1: lowest latency)")
	fs.IntVar(&cfg.bufferMiB, "buffer-size", live.DefaultBufferSize>>20, "kernel capture ring size in `MiB`")
	fs.BoolVar(&cfg.noPromisc, "no-promisc", false, "do not put the interface in promiscuous mode")
	fs.BoolVar(&cfg.showSecrets, "show-secrets", false, "show passwords and SASL secrets instead of <redacted>")
	fs.Var(&cfg.keylogs, "keylog", "decrypt TLS with the NSS key log `FILE`, re-read as it grows (repeatable)")
	fs.BoolVar(&cfg.summary, "summary", false, "table: sessions only, no transaction rows")
	fs.StringVar(&cfg.columns, "columns", "", columnsHelp())
	fs.BoolVar(&cfg.noColor, "no-color", false, "table: never colour statuses")
	fs.BoolVar(&cfg.quiet, "quiet", false, "no notes on standard error except errors, statistics and the summary")
	cfg.filters.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), liveUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), filterHelp)
		fmt.Fprint(fs.Output(), "\nExit codes: 0 stopped cleanly; 1 capture or output failed; 2 usage error.\n")
	}
	pos, code, done := parseFlags(fs, args, stdout)
	if done {
		return code
	}
	if msg := cfg.validate(pos, setFlags(fs)); msg != "" {
		return usageError(stderr, "live", "%s", msg)
	}
	var err error
	if cfg.filter, err = cfg.filters.build(); err != nil {
		return usageError(stderr, "live", "%v", err)
	}
	if len(cfg.filters.users) > 0 && !cfg.quiet {
		// --user dropped privileges before it became the mail-user filter.
		fmt.Fprintln(stderr, "imapscope live: note: --user keeps sessions of those mail users; --run-as USER drops privileges")
	}
	return captureLive(cfg, stdout, stderr)
}

// validate checks the flags; it returns a message for a usage error.
func (cfg *liveConfig) validate(pos []string, set map[string]bool) string {
	if set["min-latency"] && cfg.filters.minLatency <= 0 {
		return fmt.Sprintf("--min-latency must be positive, not %s", cfg.filters.minLatency)
	}
	if msg := columnsProblem(cfg.columns); msg != "" {
		return msg
	}
	if cfg.format != "" {
		for _, f := range formatOnlyFlags {
			if set[f.flag] && cfg.format != f.format {
				return fmt.Sprintf("--%s applies to --format %s, not %s", f.flag, f.format, cfg.format)
			}
		}
	}
	switch {
	case len(pos) > 0:
		return fmt.Sprintf("unexpected argument %q (live reads an interface: -i IFACE)", pos[0])
	case cfg.iface == "":
		return "no interface: use -i IFACE (or -i any)"
	case cfg.emit != "sessions" && cfg.emit != "transactions":
		return fmt.Sprintf("--emit must be sessions or transactions, not %q", cfg.emit)
	case cfg.format != "" && cfg.format != "table" && cfg.format != "jsonl" && cfg.format != "ecs":
		return fmt.Sprintf("unknown --format %q (live streams: table, jsonl or ecs)", cfg.format)
	case cfg.emit == "transactions" && cfg.format != "jsonl" && cfg.format != "":
		return "--emit transactions needs --format jsonl"
	case len(cfg.ports) > live.MaxFilterPorts:
		return fmt.Sprintf("at most %d --ports", live.MaxFilterPorts)
	case cfg.duration < 0 || cfg.count < 0 || cfg.statsInterval < 0:
		return "--duration, --count and --stats-interval cannot be negative"
	case cfg.idleTimeout <= 0:
		return "--idle-timeout must be positive"
	case cfg.fanoutGroup < -1 || cfg.fanoutGroup > 65535:
		return "--fanout-group must be 0 to 65535"
	case cfg.bufferMiB < 1 || cfg.bufferMiB > 4096:
		return "--buffer-size must be 1 to 4096 MiB"
	case cfg.workers < 1:
		return "--workers must be at least 1"
	}
	if cfg.expr != "" {
		if err := live.CheckExpr(cfg.expr); err != nil {
			return err.Error()
		}
	}
	if cfg.format != "jsonl" {
		if err := checkColumns(cfg.columns); err != nil {
			return err.Error()
		}
	}
	if cfg.pcapOut != "" && cfg.output != "-" {
		if err := outfile.CheckNotInput(cfg.pcapOut, cfg.output); err != nil {
			return fmt.Sprintf("-w %s and -o %s are the same file", cfg.pcapOut, cfg.output)
		}
	}
	return ""
}

// captureLive opens everything, captures until told to stop, and reports.
func captureLive(cfg liveConfig, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "imapscope live: "+format+"\n", a...)
		return exitFailure
	}
	// Signals are caught before any file exists, so that an interrupted
	// set-up still removes its temporary file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var ident *live.Identity
	if cfg.runAs != "" {
		// Looked up first: a wrong --user touches no file.
		id, err := live.LookupUser(cfg.runAs)
		if err != nil {
			return fail("%v", err)
		}
		ident = id
	}
	out := stdout
	if cfg.output != "" && cfg.output != "-" {
		f, err := outfile.Append(cfg.output, outfile.Options{Private: cfg.showSecrets})
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		out = f
	}
	var pcapFile *outfile.File
	if cfg.pcapOut != "" {
		// Packets carry clear-text credentials: the capture is private.
		f, err := outfile.Create(cfg.pcapOut, outfile.Options{Private: true})
		if err != nil {
			return fail("%v", err)
		}
		defer f.Abort() // no-op once committed or published
		pcapFile = f
	}
	keys, ok := loadKeyLogs(cfg.keylogs, stderr, "live")
	if !ok {
		return exitUsage
	}
	reloadCtx, stopReload := context.WithCancel(context.Background())
	defer stopReload()
	go reloadKeyLogs(reloadCtx, keys, stderr)
	pc := livePipeline(cfg, out, cfg.output == "" && isTerminal(stdout), stderr, pcapFile, ident, keys)
	txns := withTxnFile(&pc)
	defer txns.Close()

	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	res, runErr := pipeline.Run(ctx, pc)
	warnTxnFile(txns, stderr)
	stop()
	code := exitOK
	if pcapFile != nil && res.Captured { // otherwise Abort (deferred) keeps an older file
		if err := pcapFile.Commit(); err != nil && runErr == nil {
			runErr = fmt.Errorf("-w %s: %w", cfg.pcapOut, err)
		}
	}
	var outErr *pipeline.OutputError
	switch {
	case runErr != nil && !res.Captured:
		return fail("%v", runErr)
	case errors.As(runErr, &outErr):
		fmt.Fprintf(stderr, "imapscope live: writing output: %v\n", outErr.Err)
		code = exitFailure
	case runErr != nil:
		fmt.Fprintf(stderr, "imapscope live: %v\n", runErr)
		code = exitFailure
	}
	fmt.Fprintln(stderr, liveDoneLine(ctx, cfg, res, runErr != nil && outErr == nil))
	return code
}

// liveDoneLine is the closing line of a live capture: why it stopped
// (failed: an error other than writing the output) and its counters.
func liveDoneLine(ctx context.Context, cfg liveConfig, res pipeline.Result, failed bool) string {
	st := res.Live
	why := "interrupted"
	switch {
	case failed:
		why = "failed"
	case cfg.count > 0 && st.Packets >= cfg.count:
		why = "count reached"
	case cfg.duration > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded):
		why = "duration reached"
	}
	line := statsLine("done ("+why+")", st)
	if res.Stats.Damage != "" {
		line += fmt.Sprintf(" damage=%q", res.Stats.Damage)
	}
	return line
}

// livePipeline is the pipeline configuration of the live capture cfg
// asks for, streaming to out and teeing packets to pcapFile (if any); the
// privileges drop to ident (if any) once the source is open; notes go to
// stderr.
func livePipeline(cfg liveConfig, out io.Writer, tty bool, stderr io.Writer, pcapFile *outfile.File, ident *live.Identity, keys *tlsdecrypt.KeyLog) pipeline.Config {
	pc := pipeline.Config{
		Reassembly: reassembly.Options{Ports: cfg.ports, Workers: cfg.workers, IdleTimeout: cfg.idleTimeout},
		Dissect:    dissect.Options{ShowSecrets: cfg.showSecrets, TLSKeys: keyLookup(keys)},
		Stream:     liveStream(cfg, out, tty),
		Live: &pipeline.LiveConfig{
			Source: live.Config{
				Interface:   cfg.iface,
				Ports:       cfg.ports,
				Expr:        cfg.expr,
				BufferSize:  cfg.bufferMiB << 20,
				Fanout:      cfg.fanoutGroup >= 0,
				FanoutGroup: uint16(max(cfg.fanoutGroup, 0)),
				Promiscuous: !cfg.noPromisc,
			},
			Run: live.RunOptions{Count: cfg.count},
		},
	}
	if pcapFile != nil {
		pc.Live.Run.Pcapng = pcapFile
	}
	if cfg.statsInterval > 0 {
		pc.Live.Run.StatsEvery = cfg.statsInterval
		pc.Live.Run.OnStats = func(st live.Stats) { fmt.Fprintln(stderr, statsLine("stats", st)) }
	}
	pc.Live.Opened = func(src *live.Source) error {
		// The -w capture goes into place now, while still privileged
		// enough to rename in its directory: it is kept however the
		// capture ends.
		if err := pcapFile.Publish(); err != nil {
			return fmt.Errorf("-w %s: %w", cfg.pcapOut, err)
		}
		if ident != nil {
			if err := ident.Drop(); errors.Is(err, live.ErrThreadsUnreachable) {
				fmt.Fprintf(stderr, "imapscope live: warning: %v\n", err)
			} else if err != nil {
				return err
			}
		}
		if cfg.showSecrets && !cfg.quiet {
			fmt.Fprintln(stderr, "imapscope: --show-secrets: passwords and SASL secrets will appear in the output")
		}
		if !cfg.quiet {
			fmt.Fprintf(stderr, "imapscope live: capturing on %s (%s), ports %s\n", cfg.iface, src.Link(), cfg.ports.String())
		}
		return nil
	}
	return pc
}

// liveStream streams finished sessions (and with --emit transactions each
// transaction as it completes) to w, as JSONL or as table rows.
func liveStream(cfg liveConfig, w io.Writer, tty bool) pipeline.Stream {
	format := cfg.format
	if format == "" {
		format = "jsonl"
		if tty {
			format = "table"
		}
	}
	switch format {
	case "jsonl":
		return jsonlFiltered(w, cfg.filter, cfg.emit == "transactions")
	case "ecs":
		return ecsFiltered(w, cfg.filter)
	}
	lo := &liveTable{w: w, opts: report.TableOptions{Summary: cfg.summary, Color: tty && !cfg.noColor}}
	if cfg.output == "" || cfg.output == "-" {
		lo.opts.Width = terminalWidth(w)
	}
	if cfg.columns != "" {
		lo.opts.Columns = strings.Split(cfg.columns, ",")
	}
	keep, _ := cfg.filter.Func() // built and checked by runLive
	return pipeline.Stream{Session: func(s *report.Session) error {
		if ks := keep(s); ks != nil {
			return lo.session(ks)
		}
		return nil
	}}
}

// liveTable writes each finished session as a table.
type liveTable struct {
	w    io.Writer
	opts report.TableOptions
}

// session writes one finished session; the pipeline serialises the calls.
func (o *liveTable) session(s *report.Session) error {
	rep := &report.Report{Tool: "imapscope " + programVersion(), Sessions: []*report.Session{s}}
	if s.Spilled != nil {
		// A long session's table is written as it is laid out, not
		// gathered whole in memory first.
		return report.WriteTable(o.w, rep, o.opts)
	}
	var buf bytes.Buffer
	if err := report.WriteTable(&buf, rep, o.opts); err != nil {
		return err
	}
	_, err := o.w.Write(buf.Bytes())
	return err
}

// statsLine formats a Stats snapshot as key=value pairs.
func statsLine(what string, st live.Stats) string {
	return fmt.Sprintf("imapscope live: %s packets=%d bytes=%d sessions_open=%d sessions=%d kernel_drops=%d reassembly_gaps=%d gap_bytes=%d heap_inuse=%d",
		what, st.Packets, st.Bytes, st.Open, st.Sessions, st.KernelDrops, st.Gaps, st.GapBytes, st.HeapInuse)
}
