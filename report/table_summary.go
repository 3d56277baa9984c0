package report

import (
	"bytes"
	"fmt"
)

// summaryChunk is how many rows of a large table are laid out at a time.
// The session summary of a large report (tablePass) and the transaction
// table of a long session are rendered in pieces of this many rows, so
// that memory holds one piece, not a row per session or transaction.
//
// A table in pieces: every piece carries, as an extra first row, the
// widest cell of every column: tablewriter then gives each piece the
// column widths of the whole table (a column is as wide as its widest
// line; cells hold no newline, EscapeControl escapes them), and the
// pieces, without their headers, extra row and closing borders, are the
// whole table byte for byte. Every piece's borders are checked against the
// first's: a difference is an error, never a silently different table.
const summaryChunk = 2048

// writePieces writes the table of the total values that each yields, in
// pieces of summaryChunk rows (see summaryChunk), reading them once: the
// rows wait in a rowStore. name names the table in errors.
func writePieces[T any](ew *errWriter, name string, cols []column[T], o *TableOptions, drop []string, total int, each func(func(T) error) error) error {
	rs := newRowStore(ew, name, cols, o, drop, max(total, summaryChunk+1)) // in pieces, whatever total says
	defer rs.release()
	err := each(func(v T) error {
		rs.add(cells(cols, v, o))
		return nil
	})
	if err != nil {
		return err
	}
	if rs.n != total {
		return fmt.Errorf("report: %s: %d rows read of %d", name, rs.n, total)
	}
	return rs.write(ew)
}

// renderPieces writes the table of the total rows that each yields, whose
// widest cells are widest, in pieces of summaryChunk rows.
func renderPieces[T any](ew *errWriter, name string, cols []column[T], widest []string, total int, each func(func([]string) error) error) error {
	pw := pieceWriter[T]{ew: ew, name: name, widest: widest, cols: cols, total: total}
	err := each(func(row []string) error {
		pw.rows = append(pw.rows, row)
		if len(pw.rows) == summaryChunk {
			return pw.flush()
		}
		return nil
	})
	if err == nil && len(pw.rows) > 0 {
		err = pw.flush()
	}
	if err == nil && pw.done != pw.total {
		err = fmt.Errorf("report: %s: %d rows written of %d", name, pw.done, pw.total)
	}
	return err
}

// pieceWriter renders the pieces of a large table.
type pieceWriter[T any] struct {
	ew          *errWriter
	name        string
	cols        []column[T]
	widest      []string
	rows        [][]string
	done, total int
	top, bottom []byte // the first piece's borders
	buf         bytes.Buffer
}

// flush renders the rows held as the next piece.
func (p *pieceWriter[T]) flush() error {
	p.buf.Reset()
	rows := append([][]string{p.widest}, p.rows...)
	out := p.ew.w
	p.ew.w = &p.buf // the piece is rendered aside, then written in part
	err := renderTable(p.ew, p.cols, rows)
	p.ew.w = out
	if err != nil {
		return err
	}
	lines := bytes.SplitAfter(p.buf.Bytes(), []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	// top border, header, separator, widest row, rows, bottom border
	if len(lines) != len(p.rows)+5 {
		return fmt.Errorf("report: %s: a piece of %d rows rendered as %d lines", p.name, len(p.rows), len(lines))
	}
	top, bottom := lines[0], lines[len(lines)-1]
	if p.top == nil {
		p.top, p.bottom = bytes.Clone(top), bytes.Clone(bottom)
		for _, l := range lines[:3] {
			p.ew.Write(l)
		}
	} else if !bytes.Equal(top, p.top) || !bytes.Equal(bottom, p.bottom) {
		return fmt.Errorf("report: %s: column widths changed between pieces", p.name)
	}
	for _, l := range lines[4 : len(lines)-1] {
		p.ew.Write(l)
	}
	p.done += len(p.rows)
	if p.done == p.total {
		p.ew.Write(bottom)
	}
	p.rows = p.rows[:0]
	return p.ew.err
}
