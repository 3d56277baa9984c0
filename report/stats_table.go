package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
)

// statsRowColumns are the columns of a roll-up table; the first column's
// header is set per table (COMMAND, SERVER, USER).
func statsRowColumns(first string) []column[StatsRow] {
	num := func(f func(StatsRow) int) func(StatsRow, *TableOptions) string {
		return func(r StatsRow, _ *TableOptions) string { return strconv.Itoa(f(r)) }
	}
	ms := func(f func(StatsRow) float64) func(StatsRow, *TableOptions) string {
		return func(r StatsRow, _ *TableOptions) string {
			if r.Count == r.Incomplete {
				return "-"
			}
			return strconv.FormatFloat(f(r), 'f', 3, 64)
		}
	}
	return []column[StatsRow]{
		{"key", first, false, func(r StatsRow, _ *TableOptions) string {
			if r.Key == "" {
				return "-"
			}
			return escapeTruncate(r.Key, MaxListWidth)
		}},
		{"count", "COUNT", true, num(func(r StatsRow) int { return r.Count })},
		{"ok", "OK", true, func(r StatsRow, o *TableOptions) string { return countColor(r.OK, "OK", o) }},
		{"no", "NO", true, func(r StatsRow, o *TableOptions) string { return countColor(r.NO, "NO", o) }},
		{"bad", "BAD", true, func(r StatsRow, o *TableOptions) string { return countColor(r.BAD, "BAD", o) }},
		{"bye", "BYE", true, func(r StatsRow, o *TableOptions) string { return countColor(r.BYE, "BYE", o) }},
		{"incomplete", "INCOMPLETE", true, num(func(r StatsRow) int { return r.Incomplete })},
		{"p50", "P50 MS", true, ms(func(r StatsRow) float64 { return r.P50MS })},
		{"p90", "P90 MS", true, ms(func(r StatsRow) float64 { return r.P90MS })},
		{"p99", "P99 MS", true, ms(func(r StatsRow) float64 { return r.P99MS })},
		{"max", "MAX MS", true, ms(func(r StatsRow) float64 { return r.MaxMS })},
		{"client_bytes", "C->S BYTES", true, func(r StatsRow, _ *TableOptions) string { return strconv.FormatInt(r.ClientBytes, 10) }},
		{"server_bytes", "S->C BYTES", true, func(r StatsRow, _ *TableOptions) string { return strconv.FormatInt(r.ServerBytes, 10) }},
	}
}

// statsDropOrder and slowDropOrder are the statistics tables' columns from
// least to most valuable, dropped in this order to fit TableOptions.Width.
var (
	statsDropOrder = []string{"client_bytes", "server_bytes", "bye", "incomplete", "p99", "bad", "no"}
	slowDropOrder  = []string{"start", "tag", "session", "user"}
)

// slowColumns are the columns of the slowest-transactions table.
var slowColumns = []column[SlowTransaction]{
	{"latency", "LATENCY MS", true, func(x SlowTransaction, _ *TableOptions) string {
		return strconv.FormatFloat(x.LatencyMS, 'f', 3, 64)
	}},
	{"session", "SESSION", true, func(x SlowTransaction, _ *TableOptions) string { return strconv.Itoa(x.SessionID) }},
	{"start", "START", false, func(x SlowTransaction, _ *TableOptions) string { return fmtTime(x.Start) }},
	{"user", "USER", false, func(x SlowTransaction, _ *TableOptions) string { return escapeTruncate(x.User, MaxListWidth) }},
	{"tag", "TAG", false, func(x SlowTransaction, _ *TableOptions) string { return escapeTruncate(x.Tag, MaxArgsWidth) }},
	{"command", "COMMAND", false, func(x SlowTransaction, _ *TableOptions) string { return escapeTruncate(x.Command, MaxArgsWidth) }},
	{"args", "ARGS", false, func(x SlowTransaction, _ *TableOptions) string { return escapeTruncate(x.Args, MaxArgsWidth) }},
	{"status", "STATUS", false, func(x SlowTransaction, o *TableOptions) string { return statusCell(x.Status, o) }},
}

// countColor writes n, coloured as st when n > 0 and o.Color is set.
func countColor(n int, st Status, o *TableOptions) string {
	c := strconv.Itoa(n)
	if n > 0 {
		return colorize(c, st, o)
	}
	return c
}

// WriteStatsTable writes st as terminal tables: a header line, the roll-ups
// per command, server and user (each ended by a TOTAL row), the slowest
// transactions and the anomalies by kind. Only opts.Color is used. Strings
// from the network are escaped as in WriteTable.
func WriteStatsTable(w io.Writer, st *Stats, opts TableOptions) error {
	if st == nil {
		return fmt.Errorf("report: nil stats")
	}
	ew := &errWriter{w: w}
	ew.printf("Statistics: %d sessions, %d transactions; latency percentiles %s, completed transactions only, IDLE apart\n",
		st.Sessions, st.Transactions, st.Percentiles)
	total := st.Total
	total.Key = "TOTAL"
	for _, sec := range []struct {
		title, first string
		rows         []StatsRow
	}{
		{"Per command", "COMMAND", st.Commands},
		{"Per server", "SERVER", st.Servers},
		{"Per user", "USER", st.Users},
	} {
		ew.printf("\n%s:\n", sec.title)
		cols := statsRowColumns(sec.first)
		rows := make([][]string, 0, len(sec.rows)+1)
		for _, r := range sec.rows {
			rows = append(rows, cells(cols, r, &opts))
		}
		rows = append(rows, cells(cols, total, &opts))
		if st.Waiting.Count > 0 {
			w := st.Waiting
			w.Key = "IDLE (waiting)"
			rows = append(rows, cells(cols, w, &opts))
		}
		cols, rows = fitTable(cols, rows, opts.Width, statsDropOrder)
		if err := renderTable(ew, cols, rows); err != nil {
			return err
		}
	}
	ew.printf("\nSlowest %d transactions:\n", len(st.Slowest))
	if len(st.Slowest) == 0 {
		ew.printf("  (none)\n")
	} else {
		rows := make([][]string, len(st.Slowest))
		for i, x := range st.Slowest {
			rows[i] = cells(slowColumns, x, &opts)
		}
		cols, rows := fitTable(slowColumns, rows, opts.Width, slowDropOrder)
		if err := renderTable(ew, cols, rows); err != nil {
			return err
		}
	}
	ew.printf("\nAnomalies by kind:\n")
	if len(st.Anomalies) == 0 {
		ew.printf("  (none)\n")
		return writeFindingsTable(ew, st, &opts)
	}
	kinds := make([]string, 0, len(st.Anomalies))
	for k := range st.Anomalies {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	acols := []column[string]{
		{"kind", "KIND", false, func(k string, _ *TableOptions) string { return EscapeControl(k) }},
		{"count", "COUNT", true, func(k string, _ *TableOptions) string { return strconv.Itoa(st.Anomalies[k]) }},
	}
	rows := make([][]string, len(kinds))
	for i, k := range kinds {
		rows[i] = cells(acols, k, &opts)
	}
	if err := renderTable(ew, acols, rows); err != nil {
		return err
	}
	return writeFindingsTable(ew, st, &opts)
}
