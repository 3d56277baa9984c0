// Command imapscope is a passive IMAP protocol analyzer: it reads packet
// captures, reassembles TCP and reports every IMAP conversation it finds.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// outputBufferSize is the buffer in front of a report's output.
const outputBufferSize = 64 << 10

// Exit codes.
const (
	exitOK      = 0 // input read fully
	exitFailure = 1 // input unreadable, or output could not be written
	exitUsage   = 2 // bad command line
	exitDamaged = 3 // input damaged or truncated, report produced anyway
)

const usageText = `imapscope — passive IMAP protocol analyzer

Usage:
  imapscope read [flags] FILE...      dissect pcap/pcapng captures (- for stdin)
  imapscope live -i IFACE [flags]     capture and dissect live traffic (Linux, root)
  imapscope stats [flags] FILE...     per-command/server/user statistics only
  imapscope merge [flags] REPORT...   merge JSON or JSON Lines reports into one
  imapscope completion SHELL          print a bash, zsh or fish completion script
  imapscope help [command]            show help
  imapscope --version                 print the version

imapscope reassembles TCP connections to IMAP ports (143, 220 and 993 by
default), dissects IMAP2, IMAP3, IMAP4rev1 and IMAP4rev2 and reports every
session with its transactions: tag, command, status, response code, latency,
bytes, literal bytes and the untagged data each command drew.

Run 'imapscope help COMMAND' (or 'imapscope COMMAND --help') for its flags.

Exit codes: 0 input read fully; 3 input damaged or truncated but a report was
produced; 1 input unreadable; 2 usage error.
`

func main() {
	setMemoryLimit(os.Args[1:])
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "read":
		return runRead(args[1:], stdout, stderr)
	case "live":
		return runLive(args[1:], stdout, stderr)
	case "stats":
		return runStats(args[1:], stdout, stderr)
	case "merge":
		return runMerge(args[1:], stdin, stdout, stderr)
	case "completion":
		return runCompletion(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			switch args[1] {
			case "read", "live", "stats", "merge", "completion":
				return run([]string{args[1], "--help"}, stdin, stdout, stderr)
			}
		}
		fmt.Fprint(stdout, usageText)
		return exitOK
	case "version", "-version", "--version", "-V":
		fmt.Fprintf(stdout, "imapscope %s\n", programVersion())
		return exitOK
	}
	fmt.Fprintf(stderr, "imapscope: unknown command %q\n\n%s", args[0], usageText)
	return exitUsage
}
