package report

import (
	"errors"
	"io"
	"slices"
)

// TableStream makes WriteTable's tables from sessions given one at a time
// in report order, while the capture is still being read: each session's
// summary row, notes and section are made as it comes (as WriteTable's own
// pass makes them, table_pass.go), so that a store of finished sessions
// need not keep them to the end, and nothing is left to do after the read
// but lay out the summary and copy the sections. The TLS column, shown
// only when a session used TLS, is made for every row and dropped at the
// end if none did. The bytes are those WriteTable writes for the same
// sessions and options. Nothing is written before the end. A TableStream
// is not safe for concurrent use.
type TableStream struct {
	ew      *errWriter
	opts    TableOptions
	p       *tablePass
	tls     bool // a session used TLS
	hideTLS bool // the TLS column goes unless a session used TLS
	done    bool
}

// TableStreamSource is a SessionSource that gives its sessions to a
// TableStream as their order settles.
type TableStreamSource interface {
	SessionSource
	// EndTableSessions gives the stream the sessions it has not had yet
	// (the capture has been read) and returns it (nil: the sessions were
	// not streamed, and WriteTable reads them itself).
	EndTableSessions() (*TableStream, error)
}

// NewTableStream returns a stream of the tables WriteTable writes to w
// with opts; the error is WriteTable's for an unknown column.
func NewTableStream(w io.Writer, opts TableOptions) (*TableStream, error) {
	if err := checkColumns(opts); err != nil {
		return nil, err
	}
	t := &TableStream{ew: &errWriter{w: w}, opts: opts}
	scols := pickColumns(sessionColumns, opts.Columns)
	t.hideTLS = len(opts.Columns) == 0 && slices.ContainsFunc(scols, func(c column[*Session]) bool { return c.key == "tls" })
	t.p = newTablePass(t.ew, -1, scols, pickColumns(transactionColumns, opts.Columns), !opts.Summary, &t.opts)
	return t, nil
}

// Session takes the next session in report order, its ID set.
func (t *TableStream) Session(s *Session) error {
	if t.done {
		return errors.New("report: table stream: session after the end of the tables")
	}
	if s == nil {
		return errNilSession
	}
	t.tls = t.tls || s.TLS
	return t.p.session(0, s)
}

// finish writes the tables and removes the stream's temporary files.
func (t *TableStream) finish() error {
	if t.done {
		return errors.New("report: table stream: the tables were already written")
	}
	t.done = true
	defer t.Close()
	if t.hideTLS && !t.tls {
		t.p.rows.hide("tls")
	}
	return t.p.finish(t.ew)
}

// Close removes the stream's temporary files (the tables cannot be
// written afterwards); it may be called more than once.
func (t *TableStream) Close() {
	t.done = true
	t.p.release()
}
