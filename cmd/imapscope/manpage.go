package main

import (
	"fmt"
	"strings"
)

// manPage renders the man page imapscope(1) from the help texts: the
// general usage, then every command's usage, flags and notes. docs/imapscope.1
// is this output; TestManPageCurrent fails when it is stale (go test
// ./cmd/imapscope -update rewrites it).
func manPage() string {
	var b strings.Builder
	b.WriteString(".\\\" Generated from the help texts by 'go test ./cmd/imapscope -update'; do not edit.\n")
	b.WriteString(".TH IMAPSCOPE 1 \"\" \"imapscope\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nimapscope \\- passive IMAP protocol analyzer\n")
	b.WriteString(".SH SYNOPSIS\n")
	for _, c := range commandSummaries {
		syn := "imapscope " + c.name + " [command]"
		if c.name != "help" {
			first, _, _ := strings.Cut(commandHelp(c.name), "\n")
			syn = strings.TrimPrefix(first, "Usage: ")
		}
		b.WriteString(manText(syn) + "\n.br\n")
	}
	b.WriteString(".SH DESCRIPTION\n")
	manVerbatim(&b, commandHelp(""))
	for _, c := range commandSummaries {
		if c.name == "help" {
			continue
		}
		d := parseHelp(commandHelp(c.name))
		b.WriteString(".SH \"IMAPSCOPE " + strings.ToUpper(c.name) + "\"\n")
		manVerbatim(&b, d.Intro)
		if len(d.Flags) > 0 {
			b.WriteString(".SS Flags\n")
		}
		for _, f := range d.Flags {
			b.WriteString(".TP\n\\fB\\-\\-" + manEscape(f.Name) + "\\fR")
			if f.Arg != "" {
				b.WriteString(" \\fI" + manEscape(f.Arg) + "\\fR")
			}
			b.WriteString("\n" + manText(f.Desc) + "\n")
		}
		if d.Outro != "" {
			b.WriteString(".PP\n")
			manVerbatim(&b, d.Outro)
		}
	}
	b.WriteString(manEnvironment)
	b.WriteString(".SH \"SEE ALSO\"\n.BR tcpdump (8),\n.BR tshark (1),\n.BR zeek-cut (1)\n")
	return b.String()
}

// manVerbatim writes text as a no-fill block.
func manVerbatim(b *strings.Builder, text string) {
	text = strings.Trim(text, "\n")
	if text == "" {
		return
	}
	b.WriteString(".nf\n")
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(manText(l) + "\n")
	}
	b.WriteString(".fi\n")
}

// manEscape escapes backslashes and dashes for roff, and writes characters
// beyond ASCII as \[uXXXX] so that no input encoding is assumed.
func manEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 0x7e:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// manText escapes a line of running text: also a leading dot or quote,
// which roff would read as a request.
func manText(s string) string {
	s = manEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// manEnvironment is the man page's ENVIRONMENT section: the variables
// imapscope reads (cmd/imapscope read.go, termwidth.go, memlimit.go) and
// TMPDIR, where the spill files of whole-document formats go.
const manEnvironment = `.SH ENVIRONMENT
.TP
.B COLUMNS
terminal width for the table when it cannot be read from the terminal
.TP
.B NO_COLOR
when set, statuses in the table are never coloured
.TP
.B TMPDIR
directory of the temporary spill files (mode 0600, removed at once) that json, table, html and
tsv reports and long sessions use to keep memory bounded; with one input, json and table hold
there only the sessions that end before an earlier-starting one (beyond 8 MiB of them), while
html, tsv and several inputs hold every finished session until the end
.TP
.B GOMEMLIMIT
the Go runtime's soft memory limit; read, stats and merge default to 192MiB when it is unset
`
