package report

import "slices"

// tablePass is WriteTable's one pass over a report's sessions. Reading a
// spilled session back (SessionSource) costs about as much as dissecting
// it, so every session is read once: its summary row, its notes and its
// section (transactions, anomalies, unsolicited counters) are all made
// then. The summary table, which can only be laid out once every row is
// known, is written first; the notes and the sections wait in spillBufs
// (memory, then a temporary file), and so do the rows of a large summary
// (rowStore).
type tablePass struct {
	o        *TableOptions
	scols    []column[*Session]
	tcols    []column[numberedTxn]
	sections bool // per-session sections wanted (not TableOptions.Summary)
	counted  bool // more than one count column: transactions counted once (statusCounts)
	cnt      statusCounts

	rows *rowStore[*Session] // the summary rows

	notes noteSink
	secs  spillBuf
	sew   *errWriter // renders the sections into secs
}

// newTablePass prepares the pass over total sessions (negative: not known
// in advance) for the session columns scols (none: no summary) and, when
// sections is set, the transaction columns tcols.
func newTablePass(ew *errWriter, total int, scols []column[*Session], tcols []column[numberedTxn], sections bool, o *TableOptions) *tablePass {
	p := &tablePass{o: o, scols: scols, tcols: tcols, sections: sections}
	p.notes.what, p.secs.what = "notes", "sections"
	p.rows = newRowStore(ew, "session table", scols, o, dropOrder(sessionDropOrder, *o), total)
	n := 0
	for _, c := range scols {
		if slices.Contains([]string{"ok", "no", "bad", "bye", "incomplete"}, c.key) {
			n++
		}
	}
	p.counted = n > 1
	p.sew = &errWriter{w: &p.secs, tablewriterOnly: ew.tablewriterOnly}
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
			p.o.counts = countStatuses(&p.cnt, s)
		}
		p.rows.add(cells(p.scols, s, p.o))
		p.o.counts, p.cnt.s = nil, nil
		p.notes.add(s.ID, notes)
	}
	if p.sections {
		if err := writeSessionSection(p.sew, s, notes, p.tcols, p.o); err != nil {
			return err
		}
	}
	return nil
}

// finish writes the tables once every session has been taken: the summary
// table and its notes, then the sections.
func (p *tablePass) finish(ew *errWriter) error {
	if p.sew.err != nil {
		return p.sew.err
	}
	if len(p.scols) > 0 {
		if err := p.rows.write(ew); err != nil {
			return err
		}
		if err := p.notes.writeTo(ew); err != nil {
			return err
		}
	}
	if p.sections {
		if err := p.secs.writeTo(ew); err != nil {
			return err
		}
	}
	return ew.err
}

// release removes the pass's temporary files.
func (p *tablePass) release() {
	p.rows.release()
	p.notes.release()
	p.secs.release()
}
