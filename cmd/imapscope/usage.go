package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// usageError prints a usage error as one line, then where to read more, and
// returns exitUsage.
func usageError(w io.Writer, cmd, format string, a ...any) int {
	fmt.Fprintf(w, "imapscope %s: %s\nsee 'imapscope help %s'\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitUsage
}

// printFlags lists fs's flags in GNU spelling (--name, and -x for a
// one-letter flag), each with its value name and, below, its description
// and non-zero default. The layout is the flag package's, so the man page
// and completion generators read it (parseHelp).
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  " + dashed(f.Name)
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		switch {
		case f.DefValue == "" || f.DefValue == "0" || f.DefValue == "false" || f.DefValue == "0s":
		case fmt.Sprintf("%T", f.Value) == "*flag.stringValue":
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		default:
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "    \t%s\n", usage)
	})
}

// flagErrorName finds the single-dash flag names in the flag package's
// error messages ("-ports", "flag provided but not defined: -x").
var flagErrorName = regexp.MustCompile(`(^|[ :])-([A-Za-z0-9][A-Za-z0-9-]*)`)

// gnuFlagError rewords a flag package error; gnuSpelling then spells its
// flag names the GNU way.
func gnuFlagError(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag " + rest
	}
	msg = strings.Replace(msg, "flag needs an argument: ", "missing value for ", 1)
	msg = strings.Replace(msg, " for flag ", " for ", 1)
	return msg
}

// gnuSpelling rewrites -name as --name (one-letter flags keep one dash).
func gnuSpelling(msg string) string {
	return flagErrorName.ReplaceAllStringFunc(msg, func(m string) string {
		sub := flagErrorName.FindStringSubmatch(m)
		return sub[1] + dashed(strings.TrimLeft(sub[2], "-"))
	})
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
