package dissect

import (
	"bytes"
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

// transform is what sits between the wire and a direction's framer.
type transform uint8

const (
	trNone    transform = iota
	trTLS               // after STARTTLS or on an implicit-TLS port: opaque
	trInflate           // after COMPRESS DEFLATE: raw DEFLATE
	trOpaque            // not IMAP, or given up on: count only
)

// Session dissects one IMAP connection and builds its report.
type Session struct {
	opts Options
	rep  *report.Session
	fr   [2]framer
	tr   [2]transform
	inf  [2]*inflater
	tls  tlsSniffer

	// order holds the pending commands in the order they were sent; byTag
	// indexes them once there are more than pendingScan of them.
	order []*txn
	byTag map[string]*txn
	slab  []txn   // preallocated commands, handed out in turn
	ordr  [4]*txn // backing for order while few commands are pending
	slabN int     // size of the last slab

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

	// The command the client is sending (s.cli) is built here; only one
	// client message is in progress at a time.
	args     []byte // argument text (bounded by MaxArgs)
	argsFull bool   // args reached MaxArgs and were cut
	lit      []byte // a short client literal being captured
	litOK    bool   // the literal being received is being captured
	litHdr   []byte // header of the literal being received ("{12}")

	red redaction    // what of the client message is secret (redact_args.go)
	inj tlsInjection // STARTTLS command injection (injection.go)

	argsArr   [256]byte // initial backing of args
	litHdrArr [24]byte  // initial backing of litHdr
}

// unmatched remembers a completion that arrived for no known command, so
// that a later command with that tag can relabel the anomaly.
type unmatched struct {
	tag     string
	anomaly int // index into rep.Anomalies
	// The completion itself, applied to the command when it turns up
	// (a client segment held behind a capture gap is released late).
	status     report.Status
	code, text string
	ts         time.Time
	gaps       int // the session's gaps when it arrived
}

// maxUnmatched bounds the unmatched-completion memory.
const maxUnmatched = 64

// NewSession starts dissecting a connection whose report identity (ID,
// Client, Server, Start) the caller has filled in rs.
func NewSession(rs *report.Session, opts Options) *Session {
	s := &Session{opts: opts.withDefaults(), rep: rs}
	s.order = s.ordr[:0]
	s.unsol = s.unsolArr[:0]
	s.args = s.argsArr[:0]
	s.litHdr = s.litHdrArr[:0]
	s.fr[FromClient].init(s, FromClient, s.opts.MaxLine)
	s.fr[FromServer].init(s, FromServer, s.opts.MaxLine)
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
	dir &= 1
	if dir == FromClient {
		s.rep.ClientBytes += int64(len(p))
	} else {
		s.rep.ServerBytes += int64(len(p))
	}
	if s.rep.End.Before(ts) {
		s.rep.End.Time = ts
	}
	if s.rep.Start.IsZero() {
		s.rep.Start.Time = ts
	}
	f := &s.fr[dir]
	if !f.sniffed && s.tr[dir] == trNone {
		// Hold a direction's first bytes until there are enough to
		// recognise TLS or another protocol, however they were segmented.
		n := copy(f.head[f.headN:], p)
		f.headN += n
		if f.headN < sniffLen && bytes.IndexByte(f.head[:f.headN], '\n') < 0 {
			return
		}
		s.flushHead(f, ts)
		p = p[n:]
	}
	s.route(f, ts, p)
}

// route hands wire bytes to the direction's transform or framer.
func (s *Session) route(f *framer, ts time.Time, p []byte) {
	if len(p) == 0 {
		return
	}
	if s.tr[f.dir] != trNone {
		s.feedTransformed(f, ts, p)
		return
	}
	f.feed(ts, p)
}

// flushHead releases first bytes still held for sniffing (before a gap or
// at the end of the session).
func (s *Session) flushHead(f *framer, ts time.Time) {
	if f.sniffed {
		return
	}
	f.sniffed = true
	if f.headN == 0 {
		return
	}
	head := f.head[:f.headN]
	s.sniffFirst(f, ts, head)
	s.route(f, ts, head)
}

// sniffLen is how many first bytes of a direction are looked at before
// any IMAP parsing (a TLS record header, "HTTP/", "SSH-").
const sniffLen = 8

// feedTransformed routes wire bytes through the direction's transform.
func (s *Session) feedTransformed(f *framer, ts time.Time, p []byte) {
	switch s.tr[f.dir] {
	case trTLS:
		if f.dir == FromServer {
			s.serverAfterStartTLS(p, ts)
		}
		s.tls.feed(s, f.dir, p)
	case trInflate:
		s.inf[f.dir].write(s, f, ts, p)
	case trOpaque:
		if z := s.inf[f.dir]; z != nil {
			z.count(s, f.dir, len(p)) // a failed compressed stream is still counted
		}
	case trNone:
		f.feed(ts, p)
	}
}

// Gap records n lost bytes in dir (n == -1: the stream's start was missed).
func (s *Session) Gap(dir Direction, ts time.Time, n int) {
	if s.closed {
		return
	}
	dir &= 1
	s.flushHead(&s.fr[dir], ts)
	if n < 0 {
		s.rep.Midstream = true
		if s.rep.Start.IsZero() {
			s.rep.Start.Time = ts
		}
		f := &s.fr[dir]
		f.resyncing = true
		if f.bytes == 0 && !s.greeted {
			s.greeted = true // a greeting, if any, was before the capture
		}
		return
	}
	s.rep.Gaps++
	s.rep.GapBytes += int64(n)
	if s.tr[dir] == trInflate {
		// A DEFLATE stream cannot be resumed after a loss.
		s.anomaly("deflate_gap", "bytes lost inside the compressed "+dir.String()+" stream; the rest of it cannot be inflated", "", ts)
		s.tr[dir] = trOpaque
		return
	}
	if s.tr[dir] != trNone {
		return
	}
	s.cutLine(&s.fr[dir], ts, "command cut by a capture gap")
	s.fr[dir].gap(int64(n))
}

// Close ends the session at ts (closed: the end was seen on the wire) and
// returns the finished report. Commands still pending stay incomplete.
func (s *Session) Close(ts time.Time, closed bool) *report.Session {
	if s.closed {
		return s.rep
	}
	s.flushHead(&s.fr[FromClient], ts)
	s.flushHead(&s.fr[FromServer], ts)
	s.closed = true
	s.rep.Closed = closed
	for _, z := range s.inf {
		z.close()
	}
	if s.rep.End.Before(ts) && (closed || s.rep.End.IsZero()) {
		s.rep.End.Time = ts
	}
	for d := range s.fr {
		f := &s.fr[d]
		if s.tr[d] != trNone {
			continue
		}
		switch {
		case f.state == stLiteral && f.litLeft > 0:
			s.anomaly("truncated_literal", Direction(d).String()+" stream ended "+strconv.FormatInt(f.litLeft, 10)+" bytes before the end of a literal", "", ts)
			s.onFramingLost(f)
		case f.state == stLine && (len(f.buf) > 0 || f.over > 0):
			// The last line never ended: it may be a cut completion.
			s.anomaly("truncated_line", Direction(d).String()+" stream ended inside a line: "+s.excerpt(Direction(d), f.buf), "", ts)
			s.cutLine(f, ts, "command cut: the capture ended inside its line")
			s.onFramingLost(f)
		}
	}
	if s.cli != nil {
		s.finishArgs(s.cli)
	}
	for _, t := range s.order {
		s.finishArgs(t)
		if t.t.Note == "" && !t.byeSeen {
			t.t.Note = "never completed"
			if closed {
				s.anomaly("never_completed", t.t.Command+" "+t.t.Tag+" got no tagged completion before the connection closed", t.t.Tag, ts)
			}
		}
		s.emit(t)
	}
	s.order = nil
	// End-of-session summaries are kept even when the anomaly list is full.
	if s.givenUp > 1 {
		s.summary("too_many_pending", strconv.Itoa(s.givenUp)+" commands in all were given up because too many were pending", ts)
	}
	if s.dropped > 0 {
		s.summary("transactions_dropped", strconv.Itoa(s.dropped)+" transactions beyond the per-session limit were counted but not kept", ts)
	}
	if s.anomDrops > 0 {
		s.summary("anomalies_dropped", strconv.Itoa(s.anomDrops)+" further anomalies beyond the per-session limit were not kept", ts)
	}
	if s.rep.AuthMechanism == "" {
		s.rep.AuthMechanism = s.lastMech // none succeeded: the last one tried
	}
	if len(s.unsol) > 0 {
		s.rep.Unsolicited = make(map[string]int, len(s.unsol))
		for _, u := range s.unsol {
			s.rep.Unsolicited[u.kind] += u.n
		}
	}
	s.finishDialect()
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
	if s.tr[FromClient] == trInflate || s.tr[FromServer] == trInflate || s.rep.Compressed {
		s.rep.InflatedClientBytes = s.fr[FromClient].bytes
		s.rep.InflatedServerBytes = s.fr[FromServer].bytes
	}
	return s.rep
}

// summary records an end-of-session anomaly, past the MaxAnomalies cap.
func (s *Session) summary(kind, detail string, ts time.Time) {
	s.rep.Anomalies = append(s.rep.Anomalies, report.Anomaly{Kind: kind, Detail: detail, Time: report.Time{Time: ts}})
}

// anomaly records one anomaly (bounded by MaxAnomalies) and returns its index.
func (s *Session) anomaly(kind, detail, tag string, ts time.Time) int {
	if len(s.rep.Anomalies) >= s.opts.MaxAnomalies {
		s.anomDrops++
		return -1
	}
	s.rep.Anomalies = append(s.rep.Anomalies, report.Anomaly{Kind: kind, Detail: detail, Tag: tag, Time: report.Time{Time: ts}})
	return len(s.rep.Anomalies) - 1
}
