package main

import (
	"bytes"
	"regexp"
	"strings"
)

// commandSummaries are the commands of imapscope with one line each, in
// the order the man page and the shell completions list them.
var commandSummaries = []struct{ name, summary string }{
	{"read", "dissect pcap/pcapng captures"},
	{"live", "capture and dissect live traffic"},
	{"stats", "per-command, server and user statistics only"},
	{"merge", "merge JSON or JSON Lines reports into one"},
	{"completion", "print a shell completion script (bash, zsh, fish)"},
	{"help", "show help"},
}

// helpFlag is one flag as a command's help lists it.
type helpFlag struct {
	Name string // without dashes
	Arg  string // the value's name, "" for a boolean flag
	Desc string
}

// helpDoc is a command's help text split into the text before the flag
// list, the flags, and the text after.
type helpDoc struct {
	Intro, Outro string
	Flags        []helpFlag
}

// helpFlagLine matches a flag line of the help ("  -name arg" or
// "  --name arg").
var helpFlagLine = regexp.MustCompile(`^  --?([A-Za-z0-9][A-Za-z0-9-]*)(?: (\S+))?$`)

// commandHelp returns the help text of a command, as 'imapscope help NAME'
// prints it.
func commandHelp(name string) string {
	var out, errb bytes.Buffer
	args := []string{name, "--help"}
	if name == "" {
		args = []string{"help"}
	}
	run(args, strings.NewReader(""), &out, &errb)
	return out.String()
}

// parseHelp splits a help text printed by a flag set's Usage.
func parseHelp(text string) helpDoc {
	var d helpDoc
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	i := 0
	var intro []string
	for ; i < len(lines); i++ {
		if helpFlagLine.MatchString(lines[i]) {
			break
		}
		intro = append(intro, lines[i])
	}
	if n := len(intro); n > 0 && strings.TrimSpace(intro[n-1]) == "Flags:" {
		intro = intro[:n-1]
	}
	d.Intro = strings.TrimRight(strings.Join(intro, "\n"), "\n")
	for i < len(lines) {
		m := helpFlagLine.FindStringSubmatch(lines[i])
		if m == nil {
			break
		}
		f := helpFlag{Name: m[1], Arg: m[2]}
		i++
		var desc []string
		for ; i < len(lines) && strings.HasPrefix(lines[i], "    "); i++ {
			desc = append(desc, strings.TrimSpace(lines[i]))
		}
		f.Desc = strings.Join(desc, " ")
		d.Flags = append(d.Flags, f)
	}
	d.Outro = strings.Trim(strings.Join(lines[i:], "\n"), "\n")
	return d
}
