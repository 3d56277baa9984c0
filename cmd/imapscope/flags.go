package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/imapscope/imapscope/report"
)

// parseInterleaved parses flags that may appear before, between or after
// positional arguments (imapscope read a.pcap --format json), and returns
// the positional arguments. A lone "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseFlags parses a subcommand's arguments with fs, whose output is the
// error stream. On --help it prints the usage once, to stdout; done then
// says the caller should return code (exitOK after help, exitUsage after a
// bad flag, reported on one line in GNU spelling with a pointer to the help).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (pos []string, code int, done bool) {
	stderr := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print the usage on every error
	pos, err := parseInterleaved(fs, args)
	fs.SetOutput(stderr)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return nil, exitOK, true
	}
	if err != nil {
		return nil, usageError(stderr, fs.Name(), "%s", gnuSpelling(gnuFlagError(err))), true
	}
	return pos, 0, false
}

// portList is a comma-separated list of TCP ports.
type portList []uint16

func (p *portList) String() string {
	s := make([]string, len(*p))
	for i, v := range *p {
		s[i] = strconv.Itoa(int(v))
	}
	return strings.Join(s, ",")
}

func (p *portList) Set(v string) error {
	var out []uint16
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("bad port %q", f)
		}
		out = append(out, uint16(n))
	}
	if len(out) == 0 {
		return fmt.Errorf("no ports in %q", v)
	}
	*p = out
	return nil
}

// stringList is a comma-separated list of values; the flag may be repeated
// and the values accumulate.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*s = append(*s, f)
		}
	}
	return nil
}

// filterFlags are the session and transaction filters shared by read, stats and merge.
type filterFlags struct {
	users, servers, clients, commands, mailboxes stringList
	statuses                                     string
	minLatency                                   time.Duration
	findings                                     bool
}

// register adds the filter flags to fs.
func (f *filterFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.users, "user", "keep sessions of these `users` (comma-separated or repeated; case-insensitive)")
	fs.Var(&f.servers, "server", "keep sessions to these servers: `ip`, ip:port, [v6]:port or CIDR (comma-separated or repeated)")
	fs.Var(&f.clients, "client", "keep sessions from these clients: `ip`, ip:port, [v6]:port or CIDR (comma-separated or repeated)")
	fs.Var(&f.commands, "command", "keep transactions of these `commands` (e.g. FETCH,\"UID FETCH\"; UID matches every UID form)")
	fs.StringVar(&f.statuses, "status", "", "keep transactions with these `statuses`: OK,NO,BAD,BYE and null or incomplete for never completed")
	fs.DurationVar(&f.minLatency, "min-latency", 0, "keep completed transactions at least this slow (e.g. 250ms)")
	fs.BoolVar(&f.findings, "findings", false, "keep sessions with at least one finding: a conformance or security anomaly (docs/anomalies.md), e.g. cleartext_login, expunge_during_fetch")
	fs.Var(&f.mailboxes, "mailbox", "keep transactions on these `mailboxes` (selected when sent, or named by SELECT/EXAMINE/STATUS/...)")
}

// filterHelp explains how the filters combine; printed after the flag list.
const filterHelp = `
Filters (--user --server --client --findings --command --status --min-latency
--mailbox)
apply to every output format and to --stats. Values of one flag are
alternatives; different flags must all match. --user, --server, --client and
--findings keep or drop whole sessions. --command, --status, --min-latency and --mailbox
keep only the matching transactions, and drop sessions left with none. Kept
sessions keep their own fields (bytes, anomalies) for the whole connection.
A value starting with ! excludes: --command '!IDLE' keeps every command but
IDLE, --user '!alice,!bob' every user but those two.
`

// build turns the flags into a report.Filter, validating the values.
func (f *filterFlags) build() (report.Filter, error) {
	flt := report.Filter{
		Users: f.users, Servers: f.servers, Clients: f.clients,
		Commands: f.commands, Mailboxes: f.mailboxes, MinLatency: f.minLatency,
		Findings: f.findings,
	}
	if f.minLatency < 0 {
		return flt, fmt.Errorf("--min-latency must not be negative")
	}
	if f.statuses != "" {
		st, err := report.ParseStatuses(f.statuses)
		if err != nil {
			return flt, err
		}
		flt.Statuses = st
	}
	for _, v := range append(append([]string(nil), f.servers...), f.clients...) {
		if err := report.ValidateEndpoint(v); err != nil {
			return flt, err
		}
	}
	return flt, nil
}
