package main

import (
	"fmt"
	"strings"

	"github.com/imapscope/imapscope/report"
)

// columnsHelp lists the keys --columns accepts.
func columnsHelp() string {
	return "table: comma-separated `keys` of the columns to show; sessions: " + strings.Join(report.SessionColumns(), ", ") +
		"; transactions: " + strings.Join(report.TransactionColumns(), ", ")
}

// columnsProblem is checkColumns' error as a usage message, or "".
func columnsProblem(v string) string {
	if err := checkColumns(v); err != nil {
		return err.Error()
	}
	return ""
}

// validate checks the values of read's, stats' and merge's flags before
// any input is opened; it returns the message of a usage error, or "".
func (cfg *readConfig) validate() string {
	switch {
	case cfg.set["workers"] && cfg.workers < 1:
		return fmt.Sprintf("--workers must be at least 1, not %d", cfg.workers)
	case cfg.idleTimeout <= 0:
		return fmt.Sprintf("--idle-timeout must be positive, not %s", cfg.idleTimeout)
	case cfg.set["min-latency"] && cfg.filters.minLatency <= 0:
		return fmt.Sprintf("--min-latency must be positive, not %s", cfg.filters.minLatency)
	case cfg.emit != "sessions" && cfg.emit != "transactions":
		return fmt.Sprintf("--emit must be sessions or transactions, not %q", cfg.emit)
	case cfg.top < 0:
		return "--top must not be negative"
	case cfg.set["top"] && !cfg.stats && !cfg.statsOnly:
		return "--top needs --stats"
	}
	return columnsProblem(cfg.columns)
}

// formatOnlyFlags are flags that mean something for one output format only.
var formatOnlyFlags = []struct{ flag, format string }{
	{"summary", "table"}, {"columns", "table"}, {"no-color", "table"}, {"emit", "jsonl"},
}

// checkFormatFlags refuses flags given on the command line that mean
// nothing for format.
func (cfg *readConfig) checkFormatFlags(format string) string {
	for _, f := range formatOnlyFlags {
		if cfg.set[f.flag] && format != f.format {
			why := ""
			if cfg.format == "" {
				why = " (the output is " + format + " because standard output is not a terminal; add --format " + f.format + ")"
			}
			return fmt.Sprintf("--%s applies to --format %s, not %s%s", f.flag, f.format, format, why)
		}
	}
	return ""
}
