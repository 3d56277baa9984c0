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
	if s.red.nextLine {
		s.red.nextLine = false
		if !f.resyncing() && s.hideContinuedLogin(ts, line) {
			return s.afterHidden(line, ts, false)
		}
	}
	c, ok := parseCommand(line, false)
	if !ok {
		if !f.resyncing() {
			s.checkInjectedLine(ts, line)
		}
		v := s.junkLine(f, ts, line)
		if v == noLiteral && c.sec.kind != secNone && !s.opts.ShowSecrets {
			// A LOGIN or AUTHENTICATE by position that is no command: its
			// arguments may go on in a literal or on the next line.
			return s.afterHidden(line, ts, true)
		}
		return v
	}
	if f.resyncing() {
		if !isKnownCommand(c.command) {
			return rejectLine
		}
		// Inside a lost literal, a line of message text can look like a
		// command: believe only a tag shaped like the session's own.
		if !s.tagShaped(c.tag) {
			return rejectLine
		}
		f.resynced()
		s.noteResync(f, ts)
	}
	if isKnownCommand(c.command) {
		s.imapSeen = true
	} else if !s.imapSeen {
		// Not yet believed to be IMAP: count it towards the not-IMAP
		// verdict, but keep it as a command in case the server answers.
		s.junk[f.dir] += int64(len(line)) + 2
	}
	if c.malformed {
		s.anomaly(report.AnomalyMalformedCommand, c.command+" with a separator other than SP ("+strconv.Itoa(len(line))+
			" bytes, not shown: may hold secrets)", "", ts)
	}
	t := s.beginCommand(f, ts, line, c)
	return s.literalAfter(t, c.args, ts)
}

// commandLine is a client line parsed as a command.
type commandLine struct {
	tag, args []byte // args is a suffix of the line
	command   string
	sec       lineSecret
	// malformed: the line is a command only because the position scan
	// found LOGIN or AUTHENTICATE after a separator other than SP.
	malformed bool
}

// parseCommand parses a client line as a tagged command. partial is true
// for a line cut by a gap or the end of the capture.
func parseCommand(line []byte, partial bool) (commandLine, bool) {
	c := commandLine{sec: scanSecret(line, partial)}
	tag, rest := cutWord(line)
	cmd, args := cutAtom(rest)
	ok := validTag(tag) && len(cmd) > 0 && (len(rest) > len(cmd) && rest[len(cmd)] == ' ' || len(rest) == len(cmd) && !partial)
	if !ok && c.sec.kind != secNone && c.sec.word == 1 {
		// LOGIN or AUTHENTICATE standing alone after another separator.
		sec := c.sec
		end := 0
		for end < len(line) && !isSeparator(line[end]) {
			end++
		}
		tag, cmd, args = line[:end], line[sec.cmdStart:sec.cmdEnd], line[sec.argStart:]
		ok = validTag(tag) && isSeparator(line[sec.cmdStart-1]) && (sec.cmdEnd == len(line) || isSeparator(line[sec.cmdEnd]))
		c.malformed = ok
	}
	if !ok {
		return c, false
	}
	c.tag, c.args = tag, args
	c.command = commandString(cmd, nil)
	if !c.malformed && (c.command == "UID" || c.command == "FIND") {
		// Two-word commands: UID FETCH, FIND MAILBOXES (RFC 1176).
		sub, more := cutAtom(args)
		if partial && len(sub) == len(args) {
			return c, false // the cut may have shortened the second word
		}
		if len(sub) > 0 {
			c.command = commandString(cmd, sub)
			c.args = more
		}
	}
	return c, true
}

// tagShaped reports whether tag looks like the session's own tags (the same
// prefix before the digits as the last command's).
func (s *Session) tagShaped(tag []byte) bool {
	if s.lastTag == "" {
		return true
	}
	last := []byte(s.lastTag)
	return bytes.Equal(tagPrefix(tag), tagPrefix(last)) &&
		(len(tagPrefix(tag)) == len(tag)) == (len(tagPrefix(last)) == len(last))
}

// beginCommand starts the transaction of a command line and its arguments.
func (s *Session) beginCommand(f *framer, ts time.Time, line []byte, c commandLine) *txn {
	t := s.newTxn(s.strs.str(c.tag), c.command, f.msgStart)
	s.lastTag = t.t.Tag
	s.cli = t
	s.resetArgs()
	s.appendCommandArgs(line, c.args, c.sec)
	s.checkInjection(t, ts)
	if t.kind == kAuthenticate {
		s.startAuth(t, line, c.sec, ts)
	}
	return t
}

// cutLine reports the client command line in progress when a gap or the
// end of the capture cuts it: it becomes a transaction (redacted by the
// same rule as a whole line, with a note saying it was cut) so that the
// server's completion still finds it.
func (s *Session) cutLine(f *framer, ts time.Time, note txnNote) {
	if f.dir != FromClient || f.mode != modeLine || !f.first || len(f.buf) == 0 ||
		s.authTxn != nil || s.red.nextLine || s.cli != nil {
		return
	}
	line := f.buf
	c, ok := parseCommand(line, true)
	if !ok {
		return
	}
	t := s.beginCommand(f, ts, line, c)
	t.cut = true
	t.t.ClientBytes += f.msgBytes
	t.note(note)
	s.finishArgs(t)
	s.cli = nil
	s.applyEarly(t)
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
		s.litOK = !h.binary && h.size <= maxCapturedLiteral && !s.red.on
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
// text as a quoted string when short and printable, else its header. After
// LOGIN it is the user name, and what follows it is secret.
func (s *Session) endClientLiteral(t *txn) {
	userLit := s.red.userLit
	s.red.userLit = false
	if userLit {
		if s.litOK && validUser(s.lit) {
			s.red.user = s.strs.str(s.lit)
		} else if !s.opts.ShowSecrets {
			s.red.on = true // no certain user name: all of it is secret
		}
	}
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
	if userLit && !s.opts.ShowSecrets {
		s.red.on = true
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
	s.commandSent(t, ts)
	s.red.nextLine = s.red.incomplete
	s.finishArgs(t)
	s.applyEarly(t)
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
		s.applyEarly(t)
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
	if f.dir == FromClient && !s.opts.ShowSecrets {
		s.rememberUnshown(line)
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
	if len(p) == 0 || len(p) > maxTagLen {
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
	if len(p) > maxDetailExcerpt {
		p = p[:maxDetailExcerpt]
	}
	return strconv.Quote(string(p))
}
