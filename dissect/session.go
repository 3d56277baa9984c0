package dissect

import (
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// Direction says which peer sent a run of bytes.
type Direction uint8

const (
	// FromClient marks bytes sent by the client.
	FromClient Direction = 0
	// FromServer marks bytes sent by the server.
	FromServer Direction = 1
)

// String names the direction.
func (d Direction) String() string {
	if d == FromServer {
		return "server"
	}
	return "client"
}

// Session dissects one IMAP connection and builds its report.
type Session struct {
	opts Options
	rep  *report.Session
	sink Sink          // told of each finished transaction; may be nil
	w    [2]wire       // each direction's byte path, indexed by Direction
	tls  *tlsDecrypter // the connection's TLS layer, once TLS starts
	// inTLS: a TLS record was decrypted; commands from now on are in_tls.
	inTLS bool

	// order holds the pending commands in the order they were sent; byTag
	// indexes them once there are more than pendingScan of them.
	order []*txn
	byTag map[string]*txn
	slab  []txn   // preallocated commands, handed out in turn
	ordr  [4]*txn // backing for order while few commands are pending
	slabN int     // size of the last slab
	// tail holds the commands of rep.Transactions, index for index (only
	// with Options.TxnFile), so that the finished ones can be spilled;
	// spillAt is the length of tail at which that is next tried.
	tail    []*txn
	spillAt int

	cli *txn // command whose message the client is sending
	aux *txn // command a client line belongs to without being a command (SASL, DONE)
	srv *txn // command the server message in progress is attributed to

	authTxn   *txn // AUTHENTICATE exchange in progress
	idleTxn   *txn // IDLE in progress
	syncTxn   *txn // command whose synchronizing literal awaits "+"
	greeted   bool // a greeting was seen
	imapSeen  bool // at least one plausible IMAP line was seen
	junk      [2]int64
	dialect   dialectState
	dropped   int // transactions not stored (MaxTransactions)
	anomDrops int
	unknown   []unmatched // completions whose tag matched no command
	closed    bool
	midNoted  bool
	givenUp   int    // commands given up because too many were pending
	lastTag   string // tag of the last command, the shape resync expects
	lastMech  string // mechanism of the last AUTHENTICATE attempted
	unsol     []kindCount
	unsolArr  [4]kindCount
	strs      strArena
	res       resultState // results, mailbox view, conformance (results.go)

	// The command the client is sending (s.cli) is built here; only one
	// client message is in progress at a time.
	args     []byte // argument text (bounded by MaxArgs)
	argsFull bool   // args reached MaxArgs and were cut
	lit      []byte // a short client literal being captured
	litOK    bool   // the literal being received is being captured
	litHdr   []byte // header of the literal being received ("{12}")

	red redaction    // what of the client message is secret (redact_args.go)
	inj tlsInjection // STARTTLS command injection (injection.go)

	argsArr   [argsInline]byte   // initial backing of args
	litHdrArr [litHdrInline]byte // initial backing of litHdr
}

// unmatched remembers a completion that arrived for no known command, so
// that a later command with that tag can relabel the anomaly.
type unmatched struct {
	tag     string
	anomaly int // index into rep.Anomalies
	// The completion itself, applied to the command when it turns up
	// after a gap (a client segment held behind a capture hole is released
	// late).
	status     report.Status
	code, text string
	ts         time.Time
	gaps       int // the session's gaps when it arrived
}

// maxUnmatched bounds the unmatched-completion memory.
const maxUnmatched = 64

// Sink receives the transactions of one session as they finish.
type Sink interface {
	// Transaction is called once per transaction, synchronously from the
	// Feed, Gap or Close that completed it (or closed it incomplete). The
	// session changes t afterwards only when the server completed a
	// command the client was still sending (bytes of a non-synchronizing
	// literal after a NO are still counted into it).
	Transaction(t *report.Transaction)
}

// NewSession starts dissecting a connection whose report identity (ID,
// Client, Server, Start) the caller has filled in rs; sink, if not nil, is
// told of each transaction as it finishes.
func NewSession(rs *report.Session, opts Options, sink Sink) *Session {
	s := &Session{opts: opts.withDefaults(), rep: rs, sink: sink}
	if s.opts.TxnFile != nil {
		s.spillAt = 2 * s.opts.SpillBlock
	}
	s.order = s.ordr[:0]
	s.unsol = s.unsolArr[:0]
	s.args = s.argsArr[:0]
	s.litHdr = s.litHdrArr[:0]
	s.w[FromClient].init(s, FromClient)
	s.w[FromServer].init(s, FromServer)
	if rs.Dialect == "" {
		rs.Dialect = "unknown"
	}
	return s
}

// Report returns the report being built (complete only after Close).
func (s *Session) Report() *report.Session { return s.rep }

// Feed consumes bytes sent in direction dir; p is borrowed for the call.
// ts is the capture time of the packet that carried the last byte of p.
func (s *Session) Feed(dir Direction, ts time.Time, p []byte) {
	if len(p) == 0 || s.closed {
		return
	}
	if s.rep.End.Before(ts) {
		s.rep.End.Time = ts
	}
	if s.rep.Start.IsZero() {
		s.rep.Start.Time = ts
	}
	s.w[dir&1].feed(ts, p)
	if s.spillAt > 0 && len(s.tail) >= s.spillAt {
		s.spillTxns()
	}
}

// Gap records n lost bytes in dir (n == -1: the stream's start was missed).
func (s *Session) Gap(dir Direction, ts time.Time, n int) {
	if s.closed {
		return
	}
	w := &s.w[dir&1]
	if n < 0 {
		w.flushHead(ts)
		s.rep.Midstream = true
		if s.rep.Start.IsZero() {
			s.rep.Start.Time = ts
		}
		w.fr.startResync()
		if w.fr.bytes == 0 && !s.greeted {
			s.greeted = true // a greeting, if any, was before the capture
		}
		return
	}
	s.rep.Gaps++
	s.rep.GapBytes += int64(n)
	w.gap(ts, n)
}

// Close ends the session at ts (closed: the end was seen on the wire) and
// returns the finished report. Commands still pending stay incomplete.
func (s *Session) Close(ts time.Time, closed bool) *report.Session {
	if s.closed {
		return s.rep
	}
	s.w[FromClient].flushHead(ts)
	s.w[FromServer].flushHead(ts)
	s.closed = true
	s.rep.Closed = closed
	if s.rep.End.Before(ts) && (closed || s.rep.End.IsZero()) {
		s.rep.End.Time = ts
	}
	s.w[FromClient].close(ts)
	s.w[FromServer].close(ts)
	if s.tls != nil {
		s.tls.fill(s.rep, s.rep.Start.Time)
	}
	if s.cli != nil {
		s.finishArgs(s.cli)
	}
	for _, t := range s.order {
		s.finishArgs(t)
		if !t.byeSeen {
			t.note(noteNeverCompleted)
			if closed {
				s.anomaly(report.AnomalyNeverCompleted, t.t.Command+" "+t.t.Tag+" got no tagged completion before the connection closed", t.t.Tag, ts)
			}
		}
		s.emit(t)
	}
	s.order = nil
	// End-of-session summaries are kept even when the anomaly list is full.
	if s.givenUp > 1 {
		s.summary(report.AnomalyTooManyPending, strconv.Itoa(s.givenUp)+" commands in all were given up because too many were pending", ts)
	}
	if s.dropped > 0 {
		s.summary(report.AnomalyTransactionsDropped, strconv.Itoa(s.dropped)+" transactions beyond the per-session limit were counted but not kept", ts)
	}
	if s.anomDrops > 0 {
		s.summary(report.AnomalyAnomaliesDropped, strconv.Itoa(s.anomDrops)+" further anomalies beyond the per-session limit were not kept", ts)
	}
	if s.rep.AuthMechanism == "" {
		s.rep.AuthMechanism = s.lastMech // none succeeded: the last one tried
	}
	if len(s.unsol) > 0 {
		s.rep.Unsolicited = s.opts.Capabilities.unsolicited(s.unsol)
	}
	s.finishDialect()
	s.viewReport()
	if s.rep.Capabilities == nil {
		s.rep.Capabilities = []string{}
	}
	if s.rep.Mailboxes == nil {
		s.rep.Mailboxes = []string{}
	}
	if s.rep.Anomalies == nil {
		s.rep.Anomalies = []report.Anomaly{}
	}
	if s.rep.Transactions == nil {
		s.rep.Transactions = []*report.Transaction{}
	}
	s.countBytes()
	return s.rep
}

// countBytes copies each layer's byte counters into the report.
func (s *Session) countBytes() {
	c, v := &s.w[FromClient], &s.w[FromServer]
	s.rep.ClientBytes, s.rep.ServerBytes = c.raw, v.raw
	if c.inf != nil {
		s.rep.CompressedClientBytes = c.inf.wire
	}
	if v.inf != nil {
		s.rep.CompressedServerBytes = v.inf.wire
	}
	if s.rep.Compressed {
		s.rep.InflatedClientBytes = c.fr.bytes
		s.rep.InflatedServerBytes = v.fr.bytes
	}
}

// summary records an end-of-session anomaly, past the MaxAnomalies cap.
func (s *Session) summary(kind report.AnomalyKind, detail string, ts time.Time) {
	s.rep.Anomalies = append(s.rep.Anomalies, report.Anomaly{Kind: kind, Detail: detail, Time: report.Time{Time: ts}})
}

// anomaly records one anomaly (bounded by MaxAnomalies) and returns its index.
func (s *Session) anomaly(kind report.AnomalyKind, detail, tag string, ts time.Time) int {
	if len(s.rep.Anomalies) >= s.opts.MaxAnomalies {
		s.anomDrops++
		return -1
	}
	s.rep.Anomalies = append(s.rep.Anomalies, report.Anomaly{Kind: kind, Detail: detail, Tag: tag, Time: report.Time{Time: ts}})
	return len(s.rep.Anomalies) - 1
}
