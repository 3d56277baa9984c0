package report

import (
	"fmt"
	"sort"
	"strconv"
)

// The per-session sections of the table output: a header line, the
// session's notes, its transaction table, its anomalies and its
// unsolicited-response counters.

// anomalyColumns are the columns of a session's anomaly table.
var anomalyColumns = []column[Anomaly]{
	{"time", "TIME", false, func(a Anomaly, _ *TableOptions) string { return fmtTime(a.Time) }},
	{"kind", "KIND", false, func(a Anomaly, _ *TableOptions) string { return EscapeControl(string(a.Kind)) }},
	{"tag", "TAG", false, func(a Anomaly, _ *TableOptions) string { return escapeTruncate(a.Tag, MaxArgsWidth) }},
	{"detail", "DETAIL", false, func(a Anomaly, _ *TableOptions) string { return escapeTruncate(a.Detail, 2*MaxTextWidth) }},
}

// writeSessionSection writes the header line, notes (sessionNotes of s),
// transaction table, anomalies and unsolicited counters of one session.
func writeSessionSection(ew *errWriter, s *Session, notes []string, tcols []column[numberedTxn], o *TableOptions) error {
	b := append(ew.line[:0], "\nSession "...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	b = append(append(b, ": "...), EscapeControl(s.Client)...)
	b = append(append(b, " -> "...), EscapeControl(s.Server)...)
	b = append(append(b, "  "...), dialectLabel(s)...)
	if s.User != "" {
		b = append(append(b, "  user="...), EscapeControl(s.User)...)
	}
	for i, f := range sessionFlags(s) {
		if i == 0 {
			b = append(b, "  "...)
		} else {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	b = append(b, '\n')
	for _, l := range notes {
		b = append(append(append(b, "  "...), l...), '\n')
	}
	if len(tcols) > 0 && s.TransactionCount() == 0 {
		b = append(b, "  (no transactions)\n"...)
	}
	ew.line = b
	ew.Write(b)
	if len(tcols) > 0 && s.TransactionCount() > 0 {
		if err := writeTxnTable(ew, s, tcols, o); err != nil {
			return err
		}
	}
	if len(s.Anomalies) > 0 {
		ew.Write([]byte("Anomalies:\n"))
		rows := make([][]string, len(s.Anomalies))
		for i, a := range s.Anomalies {
			rows[i] = cells(anomalyColumns, a, o)
		}
		acols, rows := fitTable(anomalyColumns, rows, o.Width, nil)
		if err := renderTable(ew, acols, rows); err != nil {
			return err
		}
	}
	if len(s.Unsolicited) > 0 {
		writeUnsolicited(ew, s.Unsolicited)
	}
	return ew.err
}

// writeTxnTable writes the transaction table of s, which has some.
func writeTxnTable(ew *errWriter, s *Session, tcols []column[numberedTxn], o *TableOptions) error {
	if len(tcols) == 0 {
		return nil
	}
	if n := s.TransactionCount(); n > summaryChunk {
		// A long session: its table in pieces, never whole in memory.
		each := func(f func(numberedTxn) error) error {
			for i, t := range s.Txns() {
				if t == nil {
					return fmt.Errorf("report: session %d: transactions[%d]: %w", s.ID, i, errNilTransaction)
				}
				if err := f(numberedTxn{i + 1, t}); err != nil {
					return err
				}
			}
			return s.TxnErr()
		}
		return writePieces(ew, "transaction table", tcols, o, dropOrder(transactionDropOrder, *o), n, each)
	}
	// The rows live only until rendered: their cells and row slices are
	// ew's, reused from one session to the next.
	rows, arena := ew.rows[:0], ew.cells[:0]
	for i, t := range s.Txns() {
		if t == nil {
			return fmt.Errorf("report: session %d: transactions[%d]: %w", s.ID, i, errNilTransaction)
		}
		for _, c := range tcols {
			arena = append(arena, c.cell(numberedTxn{i + 1, t}, o))
		}
	}
	for j := 0; j+len(tcols) <= len(arena); j += len(tcols) {
		rows = append(rows, arena[j:j+len(tcols):j+len(tcols)])
	}
	ew.rows, ew.cells = rows, arena
	cols, rows := fitTable(tcols, rows, o.Width, dropOrder(transactionDropOrder, *o))
	err := renderTable(ew, cols, rows)
	clear(arena) // keeps no cell alive
	return err
}

// writeUnsolicited writes the unsolicited-response counters line.
func writeUnsolicited(ew *errWriter, m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := append(ew.line[:0], "Unsolicited: "...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(append(b, EscapeControl(k)...), '=')
		b = strconv.AppendInt(b, int64(m[k]), 10)
	}
	b = append(b, '\n')
	ew.line = b
	ew.Write(b)
}
