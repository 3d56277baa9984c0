package report

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Fitting tables to a terminal width (TableOptions.Width).
const (
	// minFitCell is the narrowest a truncated cell gets (ellipsis included).
	minFitCell = 8
	// tableBorder is the width the ASCII style adds per column ("| " and
	// " " around each cell) plus the closing "|".
	tableBorderPerColumn, tableBorderEnd = 3, 1
)

// sessionDropOrder lists the session table's columns from least to most
// valuable: a table too wide for the terminal loses them in this order.
// id, client, server, user and transactions are always kept.
var sessionDropOrder = []string{"gaps", "bye", "incomplete", "flags", "tls", "dialect", "client_bytes", "server_bytes",
	"duration", "mailboxes", "start", "anomalies", "bad", "no", "ok"}

// transactionDropOrder lists the transaction table's columns from least
// to most valuable; n, tag, command, args and status are always kept.
var transactionDropOrder = []string{"literal_bytes", "responses", "client_bytes", "server_bytes", "n", "code", "text", "latency"}

// shrinkable are the columns whose cells may be cut (with …) to fit.
var shrinkable = []string{"args", "text", "code", "mailboxes", "user", "client", "server", "detail", "key"}

// visibleWidth is the number of characters of s a terminal shows: ANSI
// colour sequences count nothing.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// cutVisible keeps the first max-1 characters of s (which holds no colour
// sequence) and an ellipsis.
func cutVisible(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + ellipsis
}

// columnWidths returns each column's width: its widest cell or header.
func columnWidths[T any](cols []column[T], rows [][]string) []int {
	w := make([]int, len(cols))
	for i, c := range cols {
		w[i] = visibleWidth(c.header)
		for _, r := range rows {
			w[i] = max(w[i], visibleWidth(r[i]))
		}
	}
	return w
}

// tableWidth is the rendered width of a table with column widths w.
func tableWidth(w []int) int {
	n := tableBorderEnd
	for _, x := range w {
		n += x + tableBorderPerColumn
	}
	return n
}

// fitTable narrows a table to width: it drops columns in drop order, then
// cuts the widest shrinkable column's cells, until the table fits or
// nothing more can go. width 0 leaves the table as it is.
func fitTable[T any](cols []column[T], rows [][]string, width int, drop []string) ([]column[T], [][]string) {
	if width <= 0 {
		return cols, rows
	}
	p := planFit(cols, columnWidths(cols, rows), width, drop)
	for j, r := range rows {
		rows[j] = p.apply(r)
	}
	return p.cols, rows
}

// fitPlan is how fitTable narrows a table: the columns kept (indices into
// the original columns) and the length each kept column's cells are cut
// to (0: not cut). It depends on the column widths only, so a table read
// in pieces can be planned from its widths and narrowed row by row.
type fitPlan[T any] struct {
	cols []column[T]
	keep []int
	cut  []int
}

// planFit plans fitting columns of widths w (see columnWidths) to width
// (0: no limit, w unused).
func planFit[T any](cols []column[T], w []int, width int, drop []string) fitPlan[T] {
	widths := slices.Clone(w)
	p := fitPlan[T]{cols: slices.Clone(cols), keep: make([]int, len(cols))}
	for i := range p.keep {
		p.keep[i] = i
	}
	if width <= 0 {
		p.cut = make([]int, len(p.cols))
		return p // no limit: the table as it is
	}
	for _, key := range drop {
		if tableWidth(widths) <= width {
			break
		}
		i := slices.IndexFunc(p.cols, func(c column[T]) bool { return c.key == key })
		if i < 0 {
			continue
		}
		p.cols = slices.Delete(p.cols, i, i+1)
		p.keep = slices.Delete(p.keep, i, i+1)
		widths = slices.Delete(widths, i, i+1)
	}
	p.cut = make([]int, len(p.cols))
	for tableWidth(widths) > width {
		// The widest shrinkable column gives up what is missing, down to minFitCell.
		best := -1
		for i, c := range p.cols {
			if slices.Contains(shrinkable, c.key) && widths[i] > minFitCell && (best < 0 || widths[i] > widths[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		target := max(minFitCell, widths[best]-(tableWidth(widths)-width))
		// Cutting to a length and then to a shorter one is cutting to
		// the shorter: the smallest target is what counts.
		if p.cut[best] == 0 || target < p.cut[best] {
			p.cut[best] = target
		}
		widths[best] = max(target, visibleWidth(p.cols[best].header))
	}
	return p
}

// apply returns the row narrowed by the plan (r itself is not modified;
// it is returned as it is when the plan keeps every column uncut).
func (p fitPlan[T]) apply(r []string) []string {
	if p.whole() && len(r) == len(p.keep) {
		return r
	}
	out := make([]string, len(p.keep))
	for i, k := range p.keep {
		out[i] = r[k]
		if p.cut[i] > 0 {
			out[i] = cutVisible(out[i], p.cut[i])
		}
	}
	return out
}

// whole reports whether the plan keeps every column of its table, uncut.
func (p fitPlan[T]) whole() bool {
	for i, k := range p.keep {
		if k != i || p.cut[i] > 0 {
			return false
		}
	}
	return true
}
