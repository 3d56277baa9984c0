package dissect

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/imapscope/imapscope/report"
)

// txn is a command being correlated with its responses.
type txn struct {
	t    *report.Transaction
	tr   report.Transaction // t points here: one allocation per command
	kind cmdKind

	argsDone bool // Args were finished
	injected bool // sent after STARTTLS, before the server's answer to it
	cut      bool // the command line was cut by a gap or the end of the capture
	// early is a completion with the command's tag that arrived before the
	// command did: applied once the command is sent.
	early *unmatched

	mech        string // AUTHENTICATE mechanism
	saslStep    int    // SASL responses seen
	saslInitial bool   // an initial response came with the command (SASL-IR)
	aborted     bool   // the client aborted AUTHENTICATE with "*"

	rb *resultBox // the command's result, once anything was parsed (results.go)
	cf conformTxn // conformance state (conformance.go)

	stored  bool    // appended to the session's transactions
	done    bool    // completed (or closed)
	byeSeen bool    // a tagged BYE arrived; a tagged OK may still follow
	notes   txnNote // notes already in t.Note
}

// txnNote is one reason a transaction is incomplete or damaged. Each is
// added to Transaction.Note once, in the order they happen; the set, not the
// text, is what code looks at.
type txnNote uint16

const (
	noteLiteralLost txnNote = 1 << iota
	noteResponseCut
	noteCommandCut
	noteResponsesMissing
	noteAborted
	noteNoStatus
	noteNeverCompleted
	noteTagReused
	noteGivenUp
	noteCaptureEnded
	noteInjected
	noteEarlyCompletion
)

// text is the note as it reads in the report.
func (n txnNote) text() string {
	switch n {
	case noteLiteralLost:
		return "literal bytes lost in a capture gap"
	case noteResponseCut:
		return "response cut by a capture gap"
	case noteCommandCut:
		return "command cut by a capture gap"
	case noteResponsesMissing:
		return "responses may be missing: capture gap"
	case noteAborted:
		return "aborted by the client"
	case noteNoStatus:
		return "completed without a status word"
	case noteNeverCompleted:
		return "never completed"
	case noteTagReused:
		return "tag reused before completion"
	case noteGivenUp:
		return "given up: too many pending commands"
	case noteCaptureEnded:
		return "command cut: the capture ended inside its line"
	case noteInjected:
		return "injected: sent after STARTTLS, before the server answered it"
	case noteEarlyCompletion:
		return "completion seen before the command (held behind a capture gap)"
	}
	return ""
}

// note adds n to t's notes unless it is there already.
func (t *txn) note(n txnNote) {
	if t.notes&n != 0 {
		return
	}
	t.notes |= n
	if t.t.Note != "" {
		t.t.Note += "; "
	}
	t.t.Note += n.text()
}

// newTxn registers a command the client began sending at ts.
func (s *Session) newTxn(tag, command string, ts time.Time) *txn {
	if len(s.slab) == 0 {
		s.newSlab()
	}
	t := &s.slab[0]
	s.slab = s.slab[1:]
	t.tr = report.Transaction{Tag: tag, Command: command, Start: report.Time{Time: ts}, InTLS: s.inTLS}
	t.t = &t.tr
	t.kind = kindOf(command)
	t.t.Mailbox = s.dialect.mailbox
	if old := s.lookup(unsafeBytes(tag)); old != nil && old.t.Tag == tag {
		s.anomaly(report.AnomalyTagReused, "tag "+tag+" reused while its earlier command was still pending", tag, ts)
		old.note(noteTagReused)
		s.removePending(old)
		s.emit(old)
	}
	for i := range s.unknown {
		if s.unknown[i].tag == tag {
			if a := s.unknown[i].anomaly; a >= 0 {
				s.rep.Anomalies[a].Kind = report.AnomalyCompletionBeforeCommand
				s.rep.Anomalies[a].Detail = "completion tagged " + tag + " arrived before the client sent " + tag
			}
			if s.unknown[i].status != "" && s.rep.Gaps > s.unknown[i].gaps {
				// A gap since: the command was held behind it.
				u := s.unknown[i]
				t.early = &u
			}
			s.unknown = append(s.unknown[:i], s.unknown[i+1:]...)
			break
		}
	}
	if len(s.order) >= s.opts.MaxPending {
		oldest := s.order[0]
		if s.givenUp == 0 {
			s.anomaly(report.AnomalyTooManyPending, "more than "+strconv.Itoa(s.opts.MaxPending)+" commands were pending; the oldest are given up (counted at the end)", oldest.t.Tag, ts)
		}
		s.givenUp++
		oldest.note(noteGivenUp)
		s.removePending(oldest)
		s.emit(oldest)
	}
	s.order = append(s.order, t)
	if s.byTag != nil {
		s.byTag[tag] = t
	} else if len(s.order) > pendingScan {
		s.byTag = make(map[string]*txn, 2*pendingScan)
		for _, o := range s.order {
			s.byTag[o.t.Tag] = o
		}
	}
	s.store(t)
	return t
}

// Commands are allocated in slabs of txnFirstSlab, then twice as many up to
// txnSlab: a connection with one command (or none) costs little, a long
// session one allocation per txnSlab commands.
const (
	txnFirstSlab = 4
	txnSlab      = 16
)

// firstTxns is what a session's first command allocates: the first slab of
// commands and the first backing of the transaction and mailbox lists, so
// that a short session pays one allocation for the three.
type firstTxns struct {
	txns      [txnFirstSlab]txn
	list      [txnListInitial]*report.Transaction
	mailboxes [1]string
}

// newSlab refills s.slab with fresh commands.
func (s *Session) newSlab() {
	if s.slabN == 0 {
		c := new(firstTxns)
		s.slabN = len(c.txns)
		s.slab = c.txns[:]
		if s.rep.Transactions == nil {
			s.rep.Transactions = c.list[:0]
		}
		if s.rep.Mailboxes == nil {
			s.rep.Mailboxes = c.mailboxes[:0]
		}
		return
	}
	s.slabN = min(2*s.slabN, txnSlab)
	s.slab = make([]txn, s.slabN)
}

// pendingScan is how many pending commands are searched linearly before a
// tag index is built (clients rarely pipeline more than a few).
const pendingScan = 16

// lookup finds the pending command with exactly this tag.
func (s *Session) lookup(tag []byte) *txn {
	if s.byTag != nil {
		return s.byTag[string(tag)]
	}
	for i := len(s.order) - 1; i >= 0; i-- {
		if s.order[i].t.Tag == string(tag) {
			return s.order[i]
		}
	}
	return nil
}

// unsafeBytes views a string as bytes without copying (read only).
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// store appends t to the session's transaction list (bounded).
func (s *Session) store(t *txn) {
	if t.stored {
		return
	}
	t.stored = true
	if s.rep.TransactionCount() >= s.opts.MaxTransactions {
		s.dropped++
		return
	}
	if s.rep.Transactions == nil {
		s.rep.Transactions = make([]*report.Transaction, 0, txnListInitial)
	}
	s.rep.Transactions = append(s.rep.Transactions, t.t)
	if s.spillAt > 0 {
		s.tail = append(s.tail, t)
	}
}

// removePending forgets t as a pending command.
func (s *Session) removePending(t *txn) {
	if s.byTag != nil && s.byTag[t.t.Tag] == t {
		delete(s.byTag, t.t.Tag)
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

// emit finishes t: stores it and tells the sink.
func (s *Session) emit(t *txn) {
	if t.done {
		return
	}
	t.done = true
	s.finishResult(t)
	s.store(t)
	if s.sink != nil {
		s.sink.Transaction(t.t)
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

// applyEarly completes t with a completion that arrived before it, once t
// has been sent (its arguments finished).
func (s *Session) applyEarly(t *txn) {
	u := t.early
	if u == nil || t.done {
		return
	}
	t.early = nil
	t.note(noteEarlyCompletion)
	s.complete(t, u.status, unsafeBytes(u.code), unsafeBytes(u.text), u.ts)
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
