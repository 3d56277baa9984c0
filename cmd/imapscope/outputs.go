package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/imapscope/imapscope/internal/outfile"
	"github.com/imapscope/imapscope/report"
)

// outputIsInput prints a usage error and returns true when the output of
// flag names (-o or -w) is one of inputs.
func outputIsInput(cmd, flag, out string, inputs []string, stderr io.Writer) bool {
	err := outfile.CheckNotInput(out, inputs...)
	if err == nil {
		return false
	}
	what := err.Error()
	var c *outfile.InputConflict
	if errors.As(err, &c) {
		what = "it is the input " + c.Input
		if c.Input == outfile.Stdin {
			what = "it is the file standard input reads"
		}
	}
	fmt.Fprintf(stderr, "imapscope %s: refusing to write -%s %s: %s\n", cmd, flag, out, what)
	return true
}

// checkColumns validates a --columns list against the table columns, so
// that a typo is a usage error before any output file exists.
func checkColumns(columns string) error {
	if columns == "" {
		return nil
	}
	known := report.SessionColumns()
	for _, k := range report.TransactionColumns() {
		if !slices.Contains(known, k) {
			known = append(known, k)
		}
	}
	for _, k := range strings.Split(columns, ",") {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown --columns key %q (want %s)", k, strings.Join(known, ","))
		}
	}
	return nil
}

// createOutput starts the report file named by -o (nil for standard
// output: "" or "-"). It is private (0600) when secrets are shown.
func createOutput(path string, showSecrets bool) (*outfile.File, error) {
	if path == "" || path == "-" {
		return nil, nil
	}
	return outfile.Create(path, outfile.Options{Private: showSecrets})
}
