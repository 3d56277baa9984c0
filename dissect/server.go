package dissect

import (
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// onServerLine handles one line from the server.
func (s *Session) onServerLine(f *framer, ts time.Time, line []byte, first bool) int64 {
	if !first {
		lit := literalOf(line)
		s.serverContinuation(line, lit)
		return s.serverLiteral(line, lit, ts)
	}
	if len(line) == 0 {
		if f.resyncing() {
			return rejectLine
		}
		return noLiteral
	}
	switch {
	case line[0] == '+' && (len(line) == 1 || line[1] == ' '):
		if f.resyncing() {
			f.resynced()
			s.noteResync(f, ts)
		}
		s.imapSeen = true
		s.continuation(ts)
		return noLiteral
	case line[0] == '*' && len(line) > 2 && line[1] == ' ':
		return s.untagged(f, ts, line[2:])
	}
	return s.tagged(f, ts, line)
}

// continuation attributes a "+" continuation request.
func (s *Session) continuation(ts time.Time) {
	t := s.authTxn
	if t == nil {
		t = s.syncTxn
	}
	if t == nil {
		t = s.idleTxn
	}
	if t == nil && len(s.order) > 0 {
		t = s.order[len(s.order)-1]
	}
	if t == nil {
		s.anomaly(report.AnomalyUnexpectedContinuation, "continuation request with no command in flight", "", ts)
		return
	}
	t.t.Continuations++
	if s.syncTxn == t {
		s.syncTxn = nil
	}
	s.srv = t
}

// untagged handles "* ..." (rest is what follows "* ").
func (s *Session) untagged(f *framer, ts time.Time, rest []byte) int64 {
	w, after := cutAtom(rest)
	if len(w) == 0 {
		return s.junkLine(f, ts, rest)
	}
	var kind string
	num := int64(-1)
	if isNumber(w) {
		num, _ = parseNum(w)
		k, more := cutAtom(after)
		if len(k) == 0 {
			return s.junkLine(f, ts, rest)
		}
		kind, after = responseKind(k), more
	} else {
		kind = responseKind(w)
	}
	if f.resyncing() {
		if !isResponseKind(kind) {
			return rejectLine
		}
		f.resynced()
		s.noteResync(f, ts)
	}
	if !s.imapSeen && !isResponseKind(kind) {
		return s.junkLine(f, ts, rest)
	}
	s.imapSeen = true
	switch kind {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		code, _ := respCode(after)
		if !s.greeted {
			s.greeted = true
			s.rep.Greeting = s.text(after)
			s.rep.GreetingStatus = kind
			s.dialect.greeting(after)
			s.applyCode(code, ts)
			s.srv = nil
			return noLiteral
		}
		s.applyCode(code, ts)
		s.attribute(kind, ts)
		s.resultCode(nil, code, ts)
		return noLiteral
	}
	s.responseData(kind, after, ts)
	s.attribute(kind, ts)
	lit := literalOf(after)
	s.serverData(kind, num, after, lit, ts)
	return s.serverLiteral(after, lit, ts)
}

// checkQuotes notes a data line that ends inside a quoted string.
func (s *Session) checkQuotes(line []byte, tag string, ts time.Time) {
	if insideQuote(line) {
		s.anomaly(report.AnomalyUnterminatedQuoted, "data line ends inside a quoted string", tag, ts)
	}
}

// attribute charges a data response to the command that drew it, or counts
// it as unsolicited.
func (s *Session) attribute(kind string, ts time.Time) {
	var t *txn
	for _, o := range s.order {
		if wants(o.kind, kind) {
			t = o
			break
		}
	}
	if t == nil && kind != "BYE" && len(s.order) > 0 && s.idleTxn == nil {
		t = s.order[0]
	}
	if t == nil || t == s.idleTxn {
		s.countUnsolicited(kind)
	}
	if t == nil {
		t = s.idleTxn
	}
	s.srv = t
	if t != nil {
		t.t.Responses++
	}
}

// countUnsolicited counts an unsolicited response of kind; the session's
// map is built once, at Close.
func (s *Session) countUnsolicited(kind string) {
	for i := range s.unsol {
		if s.unsol[i].kind == kind {
			s.unsol[i].n++
			return
		}
	}
	if len(s.unsol) < maxListItems {
		s.unsol = append(s.unsol, kindCount{kind, 1})
	}
}

// kindCount is one unsolicited-response counter.
type kindCount struct {
	kind string
	n    int
}

// tagged handles a line that starts with a tag.
func (s *Session) tagged(f *framer, ts time.Time, line []byte) int64 {
	tag, rest := cutWord(line)
	w, after := cutAtom(rest)
	if !validTag(tag) || len(w) == 0 {
		return s.junkLine(f, ts, line)
	}
	status := isStatusWord(w)
	t := s.lookup(tag)
	if t == nil {
		t = s.pendingFold(tag)
		if t != nil && !(f.resyncing() && status == "") {
			s.anomaly(report.AnomalyTagCaseMismatch, "response tag "+string(tag)+" matches command "+t.t.Tag+" only ignoring case", t.t.Tag, ts)
		}
	}
	if f.resyncing() {
		if t == nil || (status == "" && !isDataKeyword(w)) {
			return rejectLine
		}
		f.resynced()
		s.noteResync(f, ts)
	}
	if t == nil && !s.imapSeen {
		// Before anything IMAP-like, a "word word" line for no command is
		// more likely another protocol than a stray completion.
		return s.junkLine(f, ts, line)
	}
	s.imapSeen = true
	switch {
	case status == "" && isDataKeyword(w):
		return s.taggedData(t, tag, w, after, ts)
	case t == nil:
		s.unknownCompletion(tag, status, after, ts)
		return noLiteral
	}
	s.taggedCompletion(f, t, status, rest, after, ts)
	return noLiteral
}

// taggedData handles IMAP3 TAGGED.SOLICITED data: the command's own tag on
// its data. t is the pending command with that tag (nil: none), w the
// keyword or message number after the tag, after the rest of the line.
func (s *Session) taggedData(t *txn, tag, w, after []byte, ts time.Time) int64 {
	kind := responseKind(w)
	num := int64(-1)
	if isNumber(w) {
		num, _ = parseNum(w)
		k, more := cutAtom(after)
		kind, after = responseKind(k), more
	}
	if t == nil {
		switch {
		case s.unshownTag(tag):
			s.anomaly(report.AnomalyUnknownTag, "tagged data for a tag taken from a client line that was not shown, which no pending command has", "", ts)
		case s.recentlyCompleted(tag):
			s.solicitedAfterCompletion(tag, kind, ts)
		default:
			s.anomaly(report.AnomalyUnknownTag, "tagged data for tag "+string(tag)+", which no pending command has", string(tag), ts)
		}
		s.srv = nil
		return s.serverLiteral(after, literalOf(after), ts)
	}
	if !s.dialect.taggedSolicited && !s.dialect.warnedTagged {
		s.dialect.warnedTagged = true
		s.anomaly(report.AnomalyTaggedDataWithoutFeature, "tagged data although TAGGED.SOLICITED was not selected", t.t.Tag, ts)
	}
	s.dialect.taggedSeen = true
	s.responseData(kind, after, ts)
	t.t.Responses++
	s.srv = t
	lit := literalOf(after)
	s.serverData(kind, num, after, lit, ts)
	return s.serverLiteral(after, lit, ts)
}

// unknownCompletion notes a completion (status: its status word, if any)
// whose tag no pending command has, and remembers it in case the command
// turns up later.
func (s *Session) unknownCompletion(tag []byte, status string, after []byte, ts time.Time) {
	shown, detail := string(tag), "completion for tag "+string(tag)+", which no pending command has"
	if s.unshownTag(tag) {
		// The server echoes the first word of a line that was not shown.
		shown, detail = "", "completion for a tag taken from a client line that was not shown (may hold secrets), which no pending command has"
	}
	i := s.anomaly(report.AnomalyUnknownTag, detail, shown, ts)
	if len(s.unknown) < maxUnmatched {
		u := unmatched{tag: string(tag), anomaly: i}
		if status != "" && status != "BYE" {
			code, text := respCode(after)
			u.status, u.code, u.text, u.ts, u.gaps = report.Status(status), s.text(code), s.text(text), ts, s.rep.Gaps
		}
		s.unknown = append(s.unknown, u)
	}
	s.srv = nil
}

// taggedCompletion completes t with the line's status word (status; ""
// when the line has none), rest being the line after the tag and after
// the line after the status word.
func (s *Session) taggedCompletion(f *framer, t *txn, status string, rest, after []byte, ts time.Time) {
	if status == "" {
		s.anomaly(report.AnomalyCompletionWithoutStatus, "completion for "+t.t.Tag+" has no OK/NO/BAD/BYE: "+quoteForDetail(rest), t.t.Tag, ts)
		t.t.ServerBytes += f.msgBytes
		t.note(noteNoStatus)
		s.complete(t, "", nil, rest, ts)
		s.srv = nil
		return
	}
	code, text := respCode(after)
	if status == "NO" || status == "BAD" {
		// A refused command's synchronizing literal is never sent.
		if s.syncTxn == t && s.w[FromClient].cancelLiteral(ts) {
			s.syncTxn = nil
		}
	}
	s.applyCode(code, ts)
	s.resultCode(t, code, ts)
	t.t.ServerBytes += f.msgBytes
	s.complete(t, report.Status(status), code, text, ts)
	s.srv = nil
}

// pendingFold finds a pending command whose tag equals tag ignoring case.
func (s *Session) pendingFold(tag []byte) *txn {
	for _, t := range s.order {
		if len(t.t.Tag) == len(tag) && foldEq(tag, t.t.Tag) {
			return t
		}
	}
	return nil
}

// foldEq compares p and w ignoring ASCII case.
func foldEq(p []byte, w string) bool {
	for i := 0; i < len(p); i++ {
		a, b := p[i], w[i]
		if a >= 'a' && a <= 'z' {
			a -= 'a' - 'A'
		}
		if b >= 'a' && b <= 'z' {
			b -= 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// serverLiteral returns the size of the literal lit announced at the end
// of a server data line.
func (s *Session) serverLiteral(line []byte, lit lineLiteral, ts time.Time) int64 {
	h, ok := lit.h, lit.ok
	if !ok {
		tag := ""
		if s.srv != nil {
			tag = s.srv.t.Tag
		}
		s.checkQuotes(line, tag, ts)
		return noLiteral
	}
	if h.size > s.opts.MaxLiteral {
		tag := ""
		if s.srv != nil {
			tag = s.srv.t.Tag
		}
		s.anomaly(report.AnomalyLiteralTooLarge, "server literal of "+strconv.FormatInt(h.size, 10)+" bytes declared", tag, ts)
	}
	return h.size
}

// isResponseKind reports whether kind is a response keyword a server sends.
func isResponseKind(kind string) bool {
	for _, k := range responseKinds {
		if k == kind {
			return true
		}
	}
	return false
}
