package dissect

import (
	"time"

	"github.com/imapscope/imapscope/report"
)

// txn is a command being correlated with its responses.
type txn struct {
	t    *report.Transaction
	tr   report.Transaction // t points here: one allocation per command
	kind cmdKind

	argsDone bool // Args were finished (and redacted)

	mech        string // AUTHENTICATE mechanism
	saslStep    int    // SASL responses seen
	saslInitial bool   // an initial response came with the command (SASL-IR)
	aborted     bool   // the client aborted AUTHENTICATE with "*"

	stored  bool // appended to the session's transactions
	done    bool // completed (or closed)
	byeSeen bool // a tagged BYE arrived; a tagged OK may still follow
}

// newTxn registers a command the client began sending at ts.
func (s *Session) newTxn(tag, command string, ts time.Time) *txn {
	t := &txn{tr: report.Transaction{Tag: tag, Command: command, Start: report.Time{Time: ts}}}
	t.t = &t.tr
	t.kind = kindOf(command)
	t.t.Mailbox = s.dialect.mailbox
	if old, ok := s.pending[tag]; ok {
		s.anomaly("tag_reused", "tag "+tag+" reused while its earlier command was still pending", tag, ts)
		old.t.Note = "tag reused before completion"
		s.removePending(old)
		s.emit(old)
	}
	for i := range s.unknown {
		if s.unknown[i].tag == tag {
			if a := s.unknown[i].anomaly; a >= 0 {
				s.rep.Anomalies[a].Kind = "completion_before_command"
				s.rep.Anomalies[a].Detail = "completion tagged " + tag + " arrived before the client sent " + tag
			}
			s.unknown = append(s.unknown[:i], s.unknown[i+1:]...)
			break
		}
	}
	if len(s.order) >= s.opts.MaxPending {
		oldest := s.order[0]
		s.anomaly("too_many_pending", "more than the pending-command limit were outstanding; the oldest was given up", oldest.t.Tag, ts)
		oldest.t.Note = "given up: too many pending commands"
		s.removePending(oldest)
		s.emit(oldest)
	}
	s.pending[tag] = t
	s.order = append(s.order, t)
	s.store(t)
	return t
}

// store appends t to the session's transaction list (bounded).
func (s *Session) store(t *txn) {
	if t.stored {
		return
	}
	t.stored = true
	if len(s.rep.Transactions) >= s.opts.MaxTransactions {
		s.dropped++
		return
	}
	s.rep.Transactions = append(s.rep.Transactions, t.t)
}

// removePending forgets t as a pending command.
func (s *Session) removePending(t *txn) {
	if s.pending[t.t.Tag] == t {
		delete(s.pending, t.t.Tag)
	}
	for i, o := range s.order {
		if o == t {
			copy(s.order[i:], s.order[i+1:])
			s.order[len(s.order)-1] = nil
			s.order = s.order[:len(s.order)-1]
			break
		}
	}
	if s.authTxn == t {
		s.authTxn = nil
	}
	if s.idleTxn == t {
		s.idleTxn = nil
	}
	if s.syncTxn == t {
		s.syncTxn = nil
	}
}

// emit finishes t: stores it and tells the OnTransaction hook.
func (s *Session) emit(t *txn) {
	if t.done {
		return
	}
	t.done = true
	s.store(t)
	if s.opts.OnTransaction != nil {
		s.opts.OnTransaction(s.rep, t.t)
	}
}

// complete records t's tagged completion, whose last byte arrived at ts.
func (s *Session) complete(t *txn, status report.Status, code, text []byte, ts time.Time) {
	t.t.Status = status
	t.t.Code = s.text(code)
	t.t.Text = s.text(text)
	t.t.End = report.Time{Time: ts}
	t.t.LatencyMS = latencyMS(t.t.Start.Time, ts)
	if status == "BYE" {
		// RFC 1203: a tagged BYE may be followed by the tagged OK.
		t.byeSeen = true
		return
	}
	s.removePending(t)
	s.applyCompletion(t, status)
	s.emit(t)
}

// latencyMS is the time from a to b in milliseconds (0 when b precedes a).
func latencyMS(a, b time.Time) float64 {
	if a.IsZero() || b.Before(a) {
		return 0
	}
	return float64(b.Sub(a).Nanoseconds()) / 1e6
}

// maxText bounds response text kept per transaction or greeting.
const maxText = 512

// text returns p as a string bounded in length (control bytes are kept; the
// renderers escape them).
func (s *Session) text(p []byte) string {
	if len(p) > maxText {
		p = p[:maxText]
	}
	return s.strs.str(p)
}
