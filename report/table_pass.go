package report

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// tablePass is WriteTable's one pass over a report's sessions. Reading a
// spilled session back (SessionSource) costs about as much as dissecting
// it, so every session is read once: its summary row, its notes and its
// section (transactions, anomalies, unsolicited counters) are all made
// then. The summary table, which can only be laid out once every row is
// known, is written first; the notes and the sections wait in spillBufs
// (memory, then a temporary file), and so do the rows of a large summary,
// compactly encoded, with what its layout needs gathered on the way: each
// column's widest cell, or, when it must fit a width, each column's
// visible width.
type tablePass struct {
	o        *TableOptions
	scols    []column[*Session]
	tcols    []column[numberedTxn]
	sections bool // per-session sections wanted (not TableOptions.Summary)
	counted  bool // more than one count column: transactions counted once (statusCounts)

	small bool       // at most summaryChunk sessions: rows held as they are
	rows  [][]string // small
	spill spillBuf   // large: the rows, encoded (see addRow)
	n     int        // large: rows spilled
	// Large: with o.Width, each column's visible width (planFit's input);
	// else each column's widest cell (pieceWriter's extra row).
	widths []int
	widest []string
	wide   []int
	rec    []byte

	notes noteSink
	secs  spillBuf
	sew   *errWriter // renders the sections into secs
}

// newTablePass prepares the pass over r for the session columns scols
// (none: no summary) and, when sections is set, the transaction columns
// tcols.
func newTablePass(ew *errWriter, r *Report, scols []column[*Session], tcols []column[numberedTxn], sections bool, o *TableOptions) *tablePass {
	p := &tablePass{o: o, scols: scols, tcols: tcols, sections: sections, small: r.sessionCount() <= summaryChunk}
	p.spill.what, p.notes.what, p.secs.what = "table rows", "notes", "sections"
	n := 0
	for _, c := range scols {
		if slices.Contains([]string{"ok", "no", "bad", "bye", "incomplete"}, c.key) {
			n++
		}
	}
	p.counted = n > 1
	p.sew = &errWriter{w: &p.secs, tablewriterOnly: ew.tablewriterOnly}
	if p.small {
		p.rows = make([][]string, 0, r.sessionCount())
	} else {
		ensureTable(ew) // sets tablewriter's width mode before measuring
		p.widths = make([]int, len(scols))
		for i, c := range scols {
			p.widths[i] = visibleWidth(c.header)
		}
		p.widest, p.wide = make([]string, len(scols)), make([]int, len(scols))
	}
	return p
}

// session takes one session of the report.
func (p *tablePass) session(_ int, s *Session) error {
	var notes []string
	if len(p.scols) > 0 || p.sections {
		notes = sessionNotes(s)
	}
	if len(p.scols) > 0 {
		if p.counted {
			p.o.counts = countStatuses(s)
		}
		p.addRow(cells(p.scols, s, p.o))
		p.o.counts = nil
		p.notes.add(s.ID, notes)
	}
	if p.sections {
		if err := writeSessionSection(p.sew, s, notes, p.tcols, p.o); err != nil {
			return err
		}
	}
	return nil
}

// addRow keeps one summary row: as it is in a small table; in a large
// one, measured and appended to the spill as a record: its length, then
// each cell's length and bytes (uvarints).
func (p *tablePass) addRow(row []string) {
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

// eachRow calls f with each spilled row, in order.
func (p *tablePass) eachRow(f func([]string) error) error {
	r, err := p.spill.replay()
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	ncol := len(p.scols)
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
		if err := f(row); err != nil {
			return err
		}
	}
	return nil
}

// writeSummary writes the session summary table from the rows taken.
func (p *tablePass) writeSummary(ew *errWriter) error {
	drop := dropOrder(sessionDropOrder, *p.o)
	if p.small {
		cols, rows := fitTable(p.scols, p.rows, p.o.Width, drop)
		return renderTable(ew, cols, rows)
	}
	plan := planFit(p.scols, nil, 0, nil) // keeps everything
	widest := p.widest
	if p.o.Width > 0 {
		plan = planFit(p.scols, p.widths, p.o.Width, drop)
		widest = make([]string, len(plan.cols))
		wide := make([]int, len(plan.cols))
		err := p.eachRow(func(row []string) error {
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
	return renderPieces(ew, "session table", plan.cols, widest, p.n, func(f func([]string) error) error {
		return p.eachRow(func(row []string) error { return f(plan.apply(row)) })
	})
}

// release removes the pass's temporary files.
func (p *tablePass) release() {
	p.spill.release()
	p.notes.release()
	p.secs.release()
}

// cellWidth is the width tablewriter gives a cell (twwidth.Width, in the
// width mode ensureTable sets), computed without it for the cells
// appendFastTable renders.
func cellWidth(c string) int {
	if w, ok := plainWidth(c); ok {
		return w
	}
	return twwidth.Width(c)
}
