package main

import (
	"io"

	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/report"
)

// lineWriter hides the Flush method of a buffered output from the JSONL
// and ECS writers, which would otherwise flush after every line: one
// write(2) a session. The read command flushes instead when the input
// pauses (Stream.Flush, called on a pipe's idle push), when the buffer
// fills and at the end, so a paused pipe still yields every complete
// session at once, and a capture file is written in buffer-sized pieces.
type lineWriter struct{ w io.Writer }

// Write writes p to the underlying writer.
func (l lineWriter) Write(p []byte) (int, error) { return l.w.Write(p) }

// jsonlFiltered streams the sessions f keeps as JSON Lines to w as they
// end and, with txns, each kept transaction as it completes. f was
// validated when the flags were parsed.
func jsonlFiltered(w io.Writer, f report.Filter, txns bool) pipeline.Stream {
	jl := report.NewJSONLWriter(w)
	keep, _ := f.Func()
	out := pipeline.Stream{Session: func(s *report.Session) error {
		if ks := keep(s); ks != nil {
			return jl.WriteSession(ks)
		}
		return nil
	}}
	if txns {
		keepTxn, _ := f.TxnFunc()
		out.Transaction = func(s *report.Session, t *report.Transaction) error {
			if keepTxn(s, t) {
				return jl.WriteTransaction(s.ID, t)
			}
			return nil
		}
	}
	return out
}

// ecsFiltered streams the ECS events of every session f keeps to w as the
// session ends (its session, transaction and anomaly events together).
func ecsFiltered(w io.Writer, f report.Filter) pipeline.Stream {
	ew := report.NewECSWriter(w)
	keep, _ := f.Func()
	return pipeline.Stream{Session: func(s *report.Session) error {
		if ks := keep(s); ks != nil {
			return ew.WriteSession(ks)
		}
		return nil
	}}
}
