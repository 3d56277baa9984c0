package report

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// TableOptions chooses what WriteTable prints.
type TableOptions struct {
	// Summary prints the session summary table only, without the per-session
	// transaction, anomaly and unsolicited sections.
	Summary bool
	// Columns, when not empty, chooses and orders the columns of both the
	// session table (keys from SessionColumns) and the transaction table (keys
	// from TransactionColumns). A table none of whose columns is chosen is not
	// printed. A key that neither table knows is an error.
	Columns []string
	// Color wraps completion statuses in ANSI colours: green OK, yellow NO,
	// red BAD, magenta BYE. Off by default; nothing here looks at the terminal.
	Color bool
	// Width, when positive, is the terminal width the tables must fit:
	// unless Columns chooses them, the least useful columns are dropped
	// first (see sessionDropOrder), then long cells are cut with "…".
	Width int

	// counts, set by WriteTable's pass while it makes a session's row,
	// holds that session's transactions counted by status once for the
	// five count columns (a long session's spilled transactions are read
	// back from their file on every pass over them).
	counts *statusCounts
}

// TimeLayout is how the table renderer writes timestamps: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// ANSI colour sequences used when TableOptions.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
)

// column is one table column: its key, header, alignment and cell function.
type column[T any] struct {
	key    string
	header string
	right  bool
	cell   func(v T, o *TableOptions) string
}

// sessionColumns are the columns of the session summary table, in default order.
var sessionColumns = []column[*Session]{
	{"id", "ID", true, func(s *Session, _ *TableOptions) string { return strconv.Itoa(s.ID) }},
	{"client", "CLIENT", false, func(s *Session, _ *TableOptions) string { return EscapeControl(s.Client) }},
	{"server", "SERVER", false, func(s *Session, _ *TableOptions) string { return EscapeControl(s.Server) }},
	{"start", "START", false, func(s *Session, _ *TableOptions) string { return fmtTime(s.Start) }},
	{"duration", "DURATION", true, func(s *Session, _ *TableOptions) string { return fmtDuration(s.Start, s.End) }},
	{"dialect", "DIALECT", false, func(s *Session, _ *TableOptions) string { return dialectLabel(s) }},
	{"user", "USER", false, func(s *Session, _ *TableOptions) string { return escapeTruncate(s.User, MaxListWidth) }},
	{"mailboxes", "MAILBOXES", false, func(s *Session, _ *TableOptions) string {
		return escapeTruncate(strings.Join(uniqueMailboxes(s), ","), MaxListWidth)
	}},
	{"flags", "FLAGS", false, func(s *Session, _ *TableOptions) string { return strings.Join(sessionFlags(s), ",") }},
	tlsColumn, // table_tls.go
	{"transactions", "TXNS", true, func(s *Session, _ *TableOptions) string { return strconv.Itoa(s.TransactionCount()) }},
	{"ok", "OK", true, func(s *Session, o *TableOptions) string { return countCell(s, "OK", o) }},
	{"no", "NO", true, func(s *Session, o *TableOptions) string { return countCell(s, "NO", o) }},
	{"bad", "BAD", true, func(s *Session, o *TableOptions) string { return countCell(s, "BAD", o) }},
	{"bye", "BYE", true, func(s *Session, o *TableOptions) string { return countCell(s, "BYE", o) }},
	{"incomplete", "INCOMPLETE", true, func(s *Session, o *TableOptions) string { return countCell(s, "", o) }},
	{"client_bytes", "C->S BYTES", true, func(s *Session, _ *TableOptions) string { return strconv.FormatInt(s.ClientBytes, 10) }},
	{"server_bytes", "S->C BYTES", true, func(s *Session, _ *TableOptions) string { return strconv.FormatInt(s.ServerBytes, 10) }},
	{"gaps", "GAPS", true, func(s *Session, _ *TableOptions) string { return strconv.Itoa(s.Gaps) }},
	{"anomalies", "ANOMALIES", true, func(s *Session, _ *TableOptions) string { return strconv.Itoa(len(s.Anomalies)) }},
}

// numberedTxn is a transaction with its 1-based position in the session.
type numberedTxn struct {
	n int
	t *Transaction
}

// transactionColumns are the columns of the per-session transaction table, in default order.
var transactionColumns = []column[numberedTxn]{
	{"n", "#", true, func(x numberedTxn, _ *TableOptions) string { return strconv.Itoa(x.n) }},
	{"tag", "TAG", false, func(x numberedTxn, _ *TableOptions) string { return escapeTruncate(x.t.Tag, MaxArgsWidth) }},
	{"command", "COMMAND", false, func(x numberedTxn, _ *TableOptions) string { return escapeTruncate(x.t.Command, MaxArgsWidth) }},
	{"args", "ARGS", false, func(x numberedTxn, _ *TableOptions) string { return escapeTruncate(x.t.Args, MaxArgsWidth) }},
	{"status", "STATUS", false, func(x numberedTxn, o *TableOptions) string { return statusCell(x.t.Status, o) }},
	{"code", "CODE", false, func(x numberedTxn, _ *TableOptions) string { return escapeTruncate(x.t.Code, MaxTextWidth) }},
	{"latency", "LATENCY MS", true, func(x numberedTxn, _ *TableOptions) string {
		if x.t.Status == "" && x.t.LatencyMS == 0 {
			return "-"
		}
		return strconv.FormatFloat(x.t.LatencyMS, 'f', 3, 64)
	}},
	{"responses", "RESP", true, func(x numberedTxn, _ *TableOptions) string { return strconv.Itoa(x.t.Responses) }},
	{"client_bytes", "C->S BYTES", true, func(x numberedTxn, _ *TableOptions) string { return strconv.FormatInt(x.t.ClientBytes, 10) }},
	{"server_bytes", "S->C BYTES", true, func(x numberedTxn, _ *TableOptions) string { return strconv.FormatInt(x.t.ServerBytes, 10) }},
	{"literal_bytes", "LITERAL BYTES", true, func(x numberedTxn, _ *TableOptions) string {
		return strconv.FormatInt(x.t.ClientLiteralBytes+x.t.ServerLiteralBytes, 10)
	}},
	{"text", "TEXT", false, func(x numberedTxn, _ *TableOptions) string {
		text := x.t.Text
		if x.t.Note != "" {
			if text != "" {
				text += " "
			}
			text += "[" + x.t.Note + "]"
		}
		return escapeTruncate(text, MaxTextWidth)
	}},
}

// SessionColumns returns the keys of the session summary table's columns, in default order.
func SessionColumns() []string { return columnKeys(sessionColumns) }

// TransactionColumns returns the keys of the transaction table's columns, in default order.
func TransactionColumns() []string { return columnKeys(transactionColumns) }

// columnKeys lists the keys of cols.
func columnKeys[T any](cols []column[T]) []string {
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = c.key
	}
	return keys
}

// pickColumns returns the columns of all chosen by keys, in the order of keys;
// all of them when keys is empty.
func pickColumns[T any](all []column[T], keys []string) []column[T] {
	if len(keys) == 0 {
		return all
	}
	var out []column[T]
	for _, k := range keys {
		for _, c := range all {
			if c.key == k {
				out = append(out, c)
			}
		}
	}
	return out
}

// WriteTable writes r as terminal tables: a session summary table, then, unless
// opts.Summary is set, one section per session with its transactions,
// anomalies and unsolicited responses. Every string from the network is
// escaped (EscapeControl) and long ones are truncated with an ellipsis.
// The output is deterministic: it depends on r and opts only. Widths are
// computed with East Asian ambiguous characters as narrow (this sets
// tablewriter's process-wide width mode). When r.Source is a
// TableStreamSource that has streamed its sessions, the tables were begun
// on the TableStream's writer, with its options, and are written there.
func WriteTable(w io.Writer, r *Report, opts TableOptions) error {
	if r == nil {
		return ErrNilReport
	}
	if err := checkColumns(opts); err != nil {
		return err
	}
	if src, ok := r.Source.(TableStreamSource); ok {
		t, err := src.EndTableSessions()
		if err != nil {
			return err
		}
		if t != nil {
			return t.finish() // to the stream's writer
		}
	}
	for i, s := range r.Sessions {
		if s == nil {
			return fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
		}
	}
	ew := &errWriter{w: w}
	scols := tlsColumnIfUsed(pickColumns(sessionColumns, opts.Columns), r, opts)
	p := newTablePass(ew, r.sessionCount(), scols, pickColumns(transactionColumns, opts.Columns), !opts.Summary, &opts)
	defer p.release()
	if err := r.eachSession(p.session); err != nil {
		return err
	}
	return p.finish(ew)
}

// checkColumns rejects a column key that neither table knows.
func checkColumns(opts TableOptions) error {
	for _, k := range opts.Columns {
		if !slices.Contains(SessionColumns(), k) && !slices.Contains(TransactionColumns(), k) {
			return fmt.Errorf("report: unknown table column %q", k)
		}
	}
	return nil
}

// dropOrder is the drop order of a table, none when the columns were chosen.
func dropOrder(order []string, o TableOptions) []string {
	if len(o.Columns) > 0 {
		return nil
	}
	return order
}

// cells computes one row.
func cells[T any](cols []column[T], v T, o *TableOptions) []string {
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.cell(v, o)
	}
	return row
}

// renderTable renders one table with fixed, terminal-independent settings.
func renderTable[T any](ew *errWriter, cols []column[T], rows [][]string) error {
	if ew.err != nil {
		return ew.err
	}
	hs, right := ew.hs[:0], ew.right[:0]
	for _, c := range cols {
		hs, right = append(hs, c.header), append(right, c.right)
	}
	ew.hs, ew.right = hs, right
	if !ew.tablewriterOnly {
		var ok bool
		if ew.fast, ew.cw, ok = appendFastTable(ew.fast[:0], ew.cw, hs, right, rows); ok {
			ew.Write(ew.fast)
			return ew.err
		}
	}
	headers := make([]any, len(cols))
	aligns := make([]tw.Align, len(cols))
	for i, c := range cols {
		headers[i] = c.header
		aligns[i] = tw.AlignLeft
		if c.right {
			aligns[i] = tw.AlignRight
		}
	}
	align := []tablewriter.Option{
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
	}
	// One Table serves every table of a report: a new one allocates a
	// 10,240-entry cache map, which made a report of many small sessions
	// spend most of its time allocating and collecting them.
	if ew.table == nil {
		ensureTable(ew)
	} else {
		ew.table.Reset()
	}
	t := ew.table
	t.Options(align...)
	t.Header(headers...)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("report: table rows: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: render table: %w", err)
	}
	return ew.err
}

// ensureTable creates the tablewriter Table of ew (the settings of every
// table but the column alignment), which also sets tablewriter's
// process-wide width mode.
func ensureTable(ew *errWriter) {
	if ew.table != nil {
		return
	}
	ew.table = tablewriter.NewTable(ew,
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithSymbols(tw.NewSymbols(tw.StyleASCII)),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithStringerCacheCustom(noCache{}), // cells are strings: no stringer
	)
}

// noCache is a tablewriter stringer cache that keeps nothing: Reset
// purges the default one by allocating a new 10,240-entry map.
type noCache struct{}

func (noCache) Add(reflect.Type, reflect.Value) bool        { return false }
func (noCache) Get(reflect.Type) (v reflect.Value, ok bool) { return v, false }
func (noCache) Purge()                                      {}

// errWriter remembers the first write error; it also carries the
// tablewriter Table that renderTable reuses, which writes to the errWriter
// (and so to whatever w is at the time).
type errWriter struct {
	w     io.Writer
	err   error
	table *tablewriter.Table
	fast  []byte // appendFastTable's buffer
	cw    []int  // appendFastTable's cell widths
	hs    []string
	right []bool // renderTable's headers and alignments
	line  []byte // writeSessionSection's lines
	rows  [][]string
	cells []string // writeTxnTable's rows and their cells
	// tablewriterOnly renders every table with tablewriter (tests).
	tablewriterOnly bool
}

// Write implements io.Writer.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = fmt.Errorf("report: write table: %w", err)
	}
	return n, err
}

// printf writes formatted text, keeping the first error.
func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

// fmtTime writes t per TimeLayout in UTC, or "-" for the zero time.
func fmtTime(t Time) string {
	if t.IsZero() {
		return "-"
	}
	u := t.UTC()
	y, mo, d := u.Date()
	if y < 0 || y > 9999 {
		return u.Format(TimeLayout)
	}
	h, mi, sec := u.Clock()
	b := make([]byte, 0, len("2006-01-02T15:04:05.000Z"))
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, '-'), int(mo), 2)
	b = appendDigits(append(b, '-'), d, 2)
	b = appendDigits(append(b, 'T'), h, 2)
	b = appendDigits(append(b, ':'), mi, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	b = appendDigits(append(b, '.'), u.Nanosecond()/1e6, 3) // cut, as Format does
	return string(append(b, 'Z'))
}

// appendDigits appends the n (at most 4) low decimal digits of v (0 <= v), zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	var d [4]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}

// fmtDuration writes end-start rounded to the millisecond, or "-" when either is unknown.
func fmtDuration(start, end Time) string {
	if start.IsZero() || end.IsZero() {
		return "-"
	}
	return end.Sub(start.Time).Round(time.Millisecond).String()
}

// dialectLabel is the dialect plus the IMAP3 version in use, e.g. "IMAP3 3.0".
func dialectLabel(s *Session) string {
	d := s.Dialect
	if d == "" {
		d = "unknown"
	}
	if s.Version != "" {
		d += " " + s.Version
	}
	return EscapeControl(d)
}

// sessionFlags lists the transport flags of s: STARTTLS or TLS, DEFLATE, midstream.
func sessionFlags(s *Session) []string {
	var f []string
	switch {
	case s.StartTLS:
		f = append(f, "STARTTLS")
	case s.TLS:
		f = append(f, "TLS")
	}
	if s.Compressed {
		f = append(f, "DEFLATE")
	}
	if s.Midstream {
		f = append(f, "midstream")
	}
	return f
}

// sessionNotes are extra lines about s: IMAP3 features and versions, not-IMAP verdicts.
func sessionNotes(s *Session) []string {
	var out []string
	if s.NotIMAP != "" {
		out = append(out, "not IMAP: "+EscapeControl(s.NotIMAP))
	}
	if len(s.Features) > 0 {
		out = append(out, "features: "+EscapeControl(strings.Join(s.Features, " ")))
	}
	if s.TLSSNI != "" || s.TLSVersion != "" {
		out = append(out, "tls: "+EscapeControl(strings.TrimSpace(s.TLSVersion+" sni="+s.TLSSNI)))
	}
	if s.AuthMechanism != "" {
		out = append(out, "auth: "+EscapeControl(s.AuthMechanism))
	}
	if len(s.Enabled) > 0 {
		out = append(out, "enabled: "+EscapeControl(strings.Join(s.Enabled, " ")))
	}
	if s.Access != "" {
		out = append(out, "access: "+EscapeControl(s.Access))
	}
	if len(s.ClientID) > 0 {
		out = append(out, "client id: "+idString(s.ClientID))
	}
	if len(s.ServerID) > 0 {
		out = append(out, "server id: "+idString(s.ServerID))
	}
	if s.Compressed {
		out = append(out, fmt.Sprintf("deflate: client %d→%d bytes, server %d→%d bytes",
			s.CompressedClientBytes, s.InflatedClientBytes, s.CompressedServerBytes, s.InflatedServerBytes))
	}
	if len(s.SupportedVersions) > 0 {
		vs := make([]string, len(s.SupportedVersions))
		for i, v := range s.SupportedVersions {
			vs[i] = v.Version
			if len(v.Features) > 0 {
				vs[i] += " (" + strings.Join(v.Features, " ") + ")"
			}
		}
		out = append(out, "supported versions: "+EscapeControl(strings.Join(vs, ", ")))
	}
	return out
}

// idString renders ID parameters as name=value pairs in name order.
func idString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return EscapeControl(strings.Join(parts, " "))
}

// uniqueMailboxes lists the mailboxes of s once each, in order of first
// selection, decoded names preferred. MailboxesDecoded is used only when it
// parallels Mailboxes (same length); an empty decoded entry means "same as raw".
func uniqueMailboxes(s *Session) []string {
	var out []string
	for i, m := range s.Mailboxes {
		if len(s.MailboxesDecoded) == len(s.Mailboxes) && s.MailboxesDecoded[i] != "" {
			m = s.MailboxesDecoded[i]
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// statusCounts are the transactions of one session by status.
type statusCounts struct {
	s                      *Session
	ok, no, bad, bye, none int
}

// countStatuses counts the transactions of s by status in one pass, into c.
func countStatuses(c *statusCounts, s *Session) *statusCounts {
	*c = statusCounts{s: s}
	for _, t := range s.Txns() {
		if t == nil {
			continue
		}
		switch t.Status {
		case "OK":
			c.ok++
		case "NO":
			c.no++
		case "BAD":
			c.bad++
		case "BYE":
			c.bye++
		case "":
			c.none++
		}
	}
	return c
}

// of returns the count of status st, ok false for a status not counted.
func (c *statusCounts) of(st Status) (int, bool) {
	switch st {
	case "OK":
		return c.ok, true
	case "NO":
		return c.no, true
	case "BAD":
		return c.bad, true
	case "BYE":
		return c.bye, true
	case "":
		return c.none, true
	}
	return 0, false
}

// countCell counts the transactions of s with status st ("" for never
// completed), from o.counts when it holds s.
func countCell(s *Session, st Status, o *TableOptions) string {
	n, ok := 0, false
	if c := o.counts; c != nil && c.s == s {
		n, ok = c.of(st)
	}
	if !ok {
		for _, t := range s.Txns() {
			if t != nil && t.Status == st {
				n++
			}
		}
	}
	c := strconv.Itoa(n)
	if n > 0 && st != "" {
		return colorize(c, st, o)
	}
	return c
}

// statusCell is the status of a transaction, "-" when it never completed.
func statusCell(st Status, o *TableOptions) string {
	if st == "" {
		return "-"
	}
	return colorize(EscapeControl(string(st)), st, o)
}

// colorize wraps text in the colour of st when o.Color is set.
func colorize(text string, st Status, o *TableOptions) string {
	if !o.Color {
		return text
	}
	var c string
	switch st {
	case "OK":
		c = ansiGreen
	case "NO":
		c = ansiYellow
	case "BAD":
		c = ansiRed
	case "BYE":
		c = ansiMagenta
	default:
		return text
	}
	return c + text + ansiReset
}
