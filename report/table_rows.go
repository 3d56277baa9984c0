package report

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// rowStore keeps the rows of a table that can only be laid out once
// every row is known: the session summary (tablePass) and the
// transaction table of a long session. A table of at most summaryChunk
// rows is held as it is and rendered whole; a larger one goes to a
// spillBuf (memory, then a temporary file), compactly encoded, with what
// its layout needs gathered on the way: each column's widest cell, or,
// when it must fit a width, each column's visible width (the rows are
// then read once more for the widest cut cells). It is rendered in
// pieces (see summaryChunk), so the rows' source is read only once.
type rowStore[T any] struct {
	name  string
	cols  []column[T]
	o     *TableOptions
	drop  []string
	small bool       // at most summaryChunk rows: held as they are
	rows  [][]string // small
	spill spillBuf   // large: the rows, encoded (see add)
	n     int        // large: rows spilled
	// Large: with o.Width, each column's visible width (planFit's input);
	// else each column's widest cell (pieceWriter's extra row).
	widths []int
	widest []string
	wide   []int
	rec    []byte
	// grow: the number of rows was not known (total < 0): the rows are
	// held until there are more than summaryChunk, then spilled.
	grow bool
	// hidden is the index of a column whose cells the spilled records
	// hold but the table does not show (hide), -1 for none.
	hidden int
}

// newRowStore prepares the store of a table of about total rows named
// name (in errors), with columns cols dropped in drop order to fit.
// A negative total is a number not known in advance.
func newRowStore[T any](ew *errWriter, name string, cols []column[T], o *TableOptions, drop []string, total int) *rowStore[T] {
	p := &rowStore[T]{name: name, cols: cols, o: o, drop: drop, small: total <= summaryChunk, grow: total < 0, hidden: -1}
	p.spill.what = name + " rows"
	if p.grow {
		ensureTable(ew) // the width mode, for the rows measured once spilled
	}
	if p.small {
		p.rows = make([][]string, 0, max(total, 0))
		return p
	}
	ensureTable(ew) // sets tablewriter's width mode before measuring
	p.large()
	return p
}

// large prepares the measures of a large store.
func (p *rowStore[T]) large() {
	cols := p.cols
	p.small = false
	p.widths = make([]int, len(cols))
	for i, c := range cols {
		p.widths[i] = visibleWidth(c.header)
	}
	p.widest, p.wide = make([]string, len(cols)), make([]int, len(cols))
}

// hide removes the column of key from the table, its cells taken or not.
func (p *rowStore[T]) hide(key string) {
	i := slices.IndexFunc(p.cols, func(c column[T]) bool { return c.key == key })
	if i < 0 || p.hidden >= 0 {
		return
	}
	p.cols = slices.Delete(slices.Clone(p.cols), i, i+1)
	if p.small {
		for j, row := range p.rows {
			p.rows[j] = slices.Delete(row, i, i+1)
		}
		return
	}
	p.hidden = i
	p.widths = slices.Delete(p.widths, i, i+1)
	p.widest = slices.Delete(p.widest, i, i+1)
	p.wide = slices.Delete(p.wide, i, i+1)
}

// add keeps one row: as it is in a small table; in a large
// one, measured and appended to the spill as a record: its length, then
// each cell's length and bytes (uvarints).
func (p *rowStore[T]) add(row []string) {
	if p.small && p.grow && len(p.rows) == summaryChunk {
		held := p.rows
		p.rows = nil
		p.large()
		for _, r := range held {
			p.add(r)
		}
	}
	if p.small {
		p.rows = append(p.rows, row)
		return
	}
	for i, c := range row {
		if p.o.Width > 0 {
			p.widths[i] = max(p.widths[i], visibleWidth(c))
		} else if w := cellWidth(c); w > p.wide[i] {
			p.widest[i], p.wide[i] = c, w
		}
	}
	rec := p.rec[:0]
	for _, c := range row {
		rec = binary.AppendUvarint(rec, uint64(len(c)))
		rec = append(rec, c...)
	}
	p.rec = rec
	var hdr [binary.MaxVarintLen64]byte
	// An error is the spill's own, returned by replay.
	p.spill.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(rec)))])
	p.spill.Write(rec)
	p.n++
}

// each calls f with each spilled row, in order.
func (p *rowStore[T]) each(f func([]string) error) error {
	r, err := p.spill.replay()
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	ncol := len(p.cols)
	if p.hidden >= 0 {
		ncol++
	}
	var buf []byte
	for range p.n {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return fmt.Errorf("report: table rows file: %w", err)
		}
		if n > 1<<30 {
			return fmt.Errorf("report: table rows file: bad record")
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("report: table rows file: %w", err)
		}
		rec := string(buf) // the row's cells are substrings of it
		row := make([]string, ncol)
		at := 0
		for i := range row {
			l, k := binary.Uvarint(buf[at:])
			if k <= 0 || uint64(len(buf)-at-k) < l {
				return fmt.Errorf("report: table rows file: bad record")
			}
			at += k
			row[i] = rec[at : at+int(l)]
			at += int(l)
		}
		if p.hidden >= 0 {
			row = slices.Delete(row, p.hidden, p.hidden+1)
		}
		if err := f(row); err != nil {
			return err
		}
	}
	return nil
}

// write writes the table of the rows taken.
func (p *rowStore[T]) write(ew *errWriter) error {
	drop := p.drop
	if p.small {
		cols, rows := fitTable(p.cols, p.rows, p.o.Width, drop)
		return renderTable(ew, cols, rows)
	}
	plan := planFit(p.cols, nil, 0, nil) // keeps everything
	widest := p.widest
	if p.o.Width > 0 {
		plan = planFit(p.cols, p.widths, p.o.Width, drop)
		widest = make([]string, len(plan.cols))
		wide := make([]int, len(plan.cols))
		err := p.each(func(row []string) error {
			for i, c := range plan.apply(row) {
				if w := cellWidth(c); w > wide[i] {
					widest[i], wide[i] = c, w
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return renderPieces(ew, p.name, plan.cols, widest, p.n, func(f func([]string) error) error {
		return p.each(func(row []string) error { return f(plan.apply(row)) })
	})
}

// release removes the store's temporary file.
func (p *rowStore[T]) release() { p.spill.release() }

// cellWidth is the width tablewriter gives a cell (twwidth.Width, in the
// width mode ensureTable sets), computed without it for the cells
// appendFastTable renders.
func cellWidth(c string) int {
	if w, ok := plainWidth(c); ok {
		return w
	}
	return twwidth.Width(c)
}
