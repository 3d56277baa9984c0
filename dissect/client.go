package dissect

import (
	"bytes"
	"github.com/imapscope/imapscope/report"
	"strconv"
	"time"
	"unicode/utf8"
)

// onLine is the framer's callback for every complete line; it returns the
// size of a literal that follows, noLiteral, or rejectLine.
func (s *Session) onLine(f *framer, ts time.Time, line []byte, first, truncated bool) int64 {
	if truncated {
		s.anomaly(report.AnomalyLineTooLong, f.dir.String()+" line longer than "+strconv.Itoa(s.opts.MaxLine)+" bytes; its middle was dropped", "", ts)
	}
	if f.dir == FromServer {
		return s.onServerLine(f, ts, line, first)
	}
	return s.onClientLine(f, ts, line, first)
}

// onClientLine handles one line from the client.
func (s *Session) onClientLine(f *framer, ts time.Time, line []byte, first bool) int64 {
	if !first {
		t := s.cli
		if t == nil {
			return s.literalAfter(nil, line, ts)
		}
		s.appendArgs(withoutLiteral(line))
		return s.literalAfter(t, line, ts)
	}
	if len(line) == 0 {
		// Empty lines carry nothing; some clients send a bare CRLF.
		if f.resyncing() {
			return rejectLine
		}
		return noLiteral
	}
	if t := s.authTxn; t != nil && !f.resyncing() {
		s.saslResponse(t, line, ts)
		s.cli = nil
		s.aux = t
		return noLiteral
	}
	if t := s.idleTxn; t != nil && equalFold(line, "DONE") {
		s.aux = t
		s.cli = nil
		return noLiteral
	}
	tag, rest := cutWord(line)
	cmd, args := cutAtom(rest)
	if !validTag(tag) || len(cmd) == 0 || (len(rest) > len(cmd) && rest[len(cmd)] != ' ') {
		return s.junkLine(f, ts, line)
	}
	command := commandString(cmd, nil)
	if command == "UID" || command == "FIND" {
		// Two-word commands: UID FETCH, FIND MAILBOXES (RFC 1176).
		sub, more := cutAtom(args)
		if len(sub) > 0 {
			command = commandString(cmd, sub)
			args = more
		}
	}
	if f.resyncing() {
		if !isKnownCommand(command) {
			return rejectLine
		}
		// Inside a lost literal, a line of message text can look like a
		// command: believe only a tag shaped like the session's own.
		if s.lastTag != "" && (!bytes.Equal(tagPrefix(tag), tagPrefix([]byte(s.lastTag))) ||
			(len(tagPrefix(tag)) == len(tag)) != (len(tagPrefix([]byte(s.lastTag))) == len(s.lastTag))) {
			return rejectLine
		}
		f.resynced()
		s.noteResync(f, ts)
	}
	if isKnownCommand(command) {
		s.imapSeen = true
	} else if !s.imapSeen {
		// Not yet believed to be IMAP: count it towards the not-IMAP
		// verdict, but keep it as a command in case the server answers.
		s.junk[f.dir] += int64(len(line)) + 2
	}
	t := s.newTxn(s.strs.str(tag), command, f.msgStart)
	s.lastTag = t.t.Tag
	s.cli = t
	s.resetArgs()
	s.appendArgs(withoutLiteral(args))
	return s.literalAfter(t, args, ts)
}

// literalAfter returns the size of a literal announced at the end of a
// client line, preparing its capture.
func (s *Session) literalAfter(t *txn, line []byte, ts time.Time) int64 {
	h, ok := trailingLiteral(line)
	if !ok {
		return noLiteral
	}
	tag := ""
	if t != nil {
		tag = t.t.Tag
		s.litHdr = append(s.litHdr[:0], line[len(line)-literalHeaderLen(line):]...)
		s.lit = s.lit[:0]
		s.litOK = !h.binary && h.size <= maxCapturedLiteral
		if !h.nonSync {
			s.syncTxn = t
		}
	}
	if h.size > s.opts.MaxLiteral {
		s.anomaly(report.AnomalyLiteralTooLarge, "client literal of "+strconv.FormatInt(h.size, 10)+" bytes declared", tag, ts)
	}
	return h.size
}

// onLiteral receives literal body bytes (borrowed); last marks its end.
func (s *Session) onLiteral(f *framer, ts time.Time, p []byte, last bool) {
	if f.dir == FromServer {
		if t := s.srv; t != nil {
			t.t.ServerLiteralBytes += int64(len(p))
		}
		return
	}
	t := s.cli
	if t == nil {
		return
	}
	t.t.ClientLiteralBytes += int64(len(p))
	if s.syncTxn == t && len(p) > 0 {
		s.syncTxn = nil
	}
	if s.litOK {
		s.lit = append(s.lit, p...)
	}
	if last {
		s.endClientLiteral(t)
	}
}

// endClientLiteral appends a finished client literal to the arguments: its
// text as a quoted string when short and printable, else its header.
func (s *Session) endClientLiteral(t *txn) {
	if s.litOK && printable(s.lit) {
		s.appendArgs(quoteBytes)
		for i, c := range s.lit {
			if c == '"' || c == '\\' {
				s.appendArgs(backslash)
			}
			s.appendArgs(s.lit[i : i+1])
		}
		s.appendArgs(quoteBytes)
	} else {
		s.appendArgs(s.litHdr)
	}
	s.litOK = false
	s.lit = s.lit[:0]
}

var (
	quoteBytes = []byte{'"'}
	backslash  = []byte{'\\'}
)

// onLiteralLoss accounts for literal bytes lost in a gap.
func (s *Session) onLiteralLoss(f *framer, n int64) {
	if f.dir == FromServer {
		if t := s.srv; t != nil {
			t.t.ServerLiteralBytes += n
			t.note(noteLiteralLost)
		}
		return
	}
	if t := s.cli; t != nil {
		t.t.ClientLiteralBytes += n
		s.litOK = false
		t.note(noteLiteralLost)
	}
}

// onMessageEnd is called when a message (a line and its literals) is over.
func (s *Session) onMessageEnd(f *framer, ts time.Time) {
	if f.dir == FromServer {
		if t := s.srv; t != nil {
			t.t.ServerBytes += f.msgBytes
		}
		s.srv = nil
		return
	}
	if t := s.aux; t != nil {
		t.t.ClientBytes += f.msgBytes
		s.aux = nil
	}
	t := s.cli
	if t == nil {
		return
	}
	s.cli = nil
	t.t.ClientBytes += f.msgBytes
	s.commandSent(t, ts) // sees the raw arguments, secrets included
	s.finishArgs(t)
}

// onMessageCut is called when a gap cuts the message in progress.
func (s *Session) onMessageCut(f *framer) {
	if f.dir == FromServer {
		if t := s.srv; t != nil {
			t.t.ServerBytes += f.msgBytes
			t.note(noteResponseCut)
		}
		s.srv = nil
		return
	}
	if t := s.cli; t != nil {
		t.t.ClientBytes += f.msgBytes
		t.note(noteCommandCut)
		s.finishArgs(t)
		s.cli = nil
	}
	s.aux = nil
}

// onFramingLost is called when a gap leaves a direction out of step. Bytes
// lost from the server may have held any pending command's responses or
// completion: each is noted, so that what it reports is not taken as whole.
func (s *Session) onFramingLost(f *framer) {
	if f.dir != FromServer {
		return
	}
	for _, t := range s.order {
		t.note(noteResponsesMissing)
	}
}

// tagPrefix is a tag without its trailing digits ("A0012" → "A"); clients
// number their tags, so the prefix stays the same within a session.
func tagPrefix(tag []byte) []byte {
	i := len(tag)
	for i > 0 && tag[i-1] >= '0' && tag[i-1] <= '9' {
		i--
	}
	return tag[:i]
}

// noteResync records that a direction found its footing again.
func (s *Session) noteResync(f *framer, ts time.Time) {
	if s.rep.Midstream && !s.midNoted {
		s.midNoted = true
		s.anomaly(report.AnomalyMidstream, "capture began after the connection started; dissection resumed at the first plausible line", "", ts)
		return
	}
	s.anomaly(report.AnomalyResync, f.dir.String()+" stream resynchronised after a gap", "", ts)
}

// junkLine handles a line that is not IMAP syntax.
func (s *Session) junkLine(f *framer, ts time.Time, line []byte) int64 {
	if f.resyncing() {
		return rejectLine
	}
	if !s.imapSeen {
		s.junk[f.dir] += int64(len(line)) + 2
		if s.junk[f.dir] >= s.opts.NotIMAPBytes || s.junk[f.dir^1] > 0 {
			s.notIMAP("unrecognised", ts)
		}
		return noLiteral
	}
	kind := report.AnomalyMalformedCommand
	if f.dir == FromServer {
		kind = report.AnomalyMalformedResponse
	}
	s.anomaly(kind, s.excerpt(f.dir, line), "", ts)
	return noLiteral
}

// validTag reports whether p is a syntactically valid IMAP tag.
func validTag(p []byte) bool {
	if len(p) == 0 || len(p) > 64 {
		return false
	}
	for _, c := range p {
		if !isTagChar(c) {
			return false
		}
	}
	return true
}

// withoutLiteral returns line without a trailing literal header.
func withoutLiteral(line []byte) []byte {
	if _, ok := trailingLiteral(line); ok {
		return line[:len(line)-literalHeaderLen(line)]
	}
	return line
}

// literalHeaderLen returns the length of the literal header ending line
// (which trailingLiteral has accepted), including a leading "~" and space.
func literalHeaderLen(line []byte) int {
	i := len(line) - 1
	for i >= 0 && line[i] != '{' {
		i--
	}
	if i > 0 && line[i-1] == '~' {
		i--
	}
	return len(line) - i
}

// printable reports whether p is valid UTF-8 without control characters.
func printable(p []byte) bool {
	for _, c := range p {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(p)
}

// excerpt quotes a line for an anomaly's detail. A client line that could
// not be parsed may hold a password (a broken LOGIN, a SASL response out of
// place), so unless secrets were asked for only its length is given.
func (s *Session) excerpt(dir Direction, p []byte) string {
	if dir == FromClient && !s.opts.ShowSecrets {
		return "(" + strconv.Itoa(len(p)) + " bytes, not shown: may hold secrets)"
	}
	return quoteForDetail(p)
}

// quoteForDetail renders a bounded, quoted excerpt of p for an anomaly.
func quoteForDetail(p []byte) string {
	if len(p) > 80 {
		p = p[:80]
	}
	return strconv.Quote(string(p))
}
