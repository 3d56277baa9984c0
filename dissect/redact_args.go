package dissect

import (
	"bytes"
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// maxUnshown is how many first words of hidden client lines are remembered,
// so that a server echoing one as a tag does not print it either.
const maxUnshown = 4

// redaction is the redaction state of the client message being received,
// and what a later line needs to know about an earlier one.
type redaction struct {
	kind   secretKind // the message is a LOGIN or AUTHENTICATE by position
	on     bool       // bytes appended to the arguments from now on are secret
	marked bool       // the redaction marker is in the arguments
	// userLit: the literal being received is LOGIN's user name.
	userLit bool
	// user is LOGIN's user name when it could be delimited ("" otherwise).
	user string
	// incomplete: the command line ended before its secret arguments.
	incomplete bool
	// nextLine: the next client line may hold the arguments the last
	// LOGIN or AUTHENTICATE line lacked.
	nextLine bool
	// unshown holds the first words of client lines that were not shown.
	unshown  [maxUnshown]string
	unshownN int
}

// resetMessage forgets the state of the previous client message.
func (r *redaction) resetMessage() {
	r.kind, r.on, r.marked, r.userLit, r.user, r.incomplete = secNone, false, false, false, "", false
}

// appendCommandArgs adds a command line's arguments (args, a suffix of
// line) to the arguments being built, cutting them where sec says the
// secret begins and noting the user name LOGIN names.
func (s *Session) appendCommandArgs(line, args []byte, sec lineSecret) {
	s.red.kind = sec.kind
	visible := withoutLiteral(args)
	if sec.kind == secNone {
		s.appendArgs(visible)
		return
	}
	if sec.kind == secLogin && sec.value != nil {
		v := sec.value
		if sec.escaped && bytes.IndexByte(v, '\\') >= 0 {
			v = unquote(v)
		}
		if validUser(v) {
			s.red.user = s.strs.str(v)
		}
	}
	s.red.userLit = sec.userLiteral
	s.red.incomplete = sec.incomplete
	if s.opts.ShowSecrets {
		s.appendArgs(visible)
		return
	}
	cut := min(max(sec.secretAt-(len(line)-len(args)), 0), len(visible))
	s.appendArgs(visible[:cut])
	if !sec.userLiteral {
		s.red.on = true
		s.appendArgs(args[cut:]) // only marks the redaction
	}
}

// markRedacted puts the redaction marker in the arguments, once.
func (s *Session) markRedacted() {
	if s.red.marked {
		return
	}
	s.red.marked = true
	if n := len(s.args); n > 0 && s.args[n-1] != ' ' {
		s.args = append(s.args, ' ')
	}
	s.args = append(s.args, redacted...)
}

// hasWord reports whether p holds any byte that is not a separator.
func hasWord(p []byte) bool {
	for _, c := range p {
		if !isSeparator(c) {
			return true
		}
	}
	return false
}

// hideContinuedLogin hides a client line that follows a LOGIN or
// AUTHENTICATE line lacking its arguments (a client that broke the command
// across lines sends them next), unless the line is plainly the session's
// next command. It reports whether the line was hidden.
func (s *Session) hideContinuedLogin(ts time.Time, line []byte) bool {
	if s.opts.ShowSecrets {
		return false
	}
	if c, ok := parseCommand(line, false); ok && isKnownCommand(c.command) && s.tagShaped(c.tag) {
		return false
	}
	s.rememberUnshown(line)
	s.anomaly(report.AnomalyMalformedCommand, "line after a LOGIN or AUTHENTICATE that lacked its arguments ("+
		strconv.Itoa(len(line))+" bytes, not shown: may hold them)", "", ts)
	return true
}

// afterHidden is the verdict on a hidden line that may hold a LOGIN's
// arguments: the next line may hold more of them (always, or when the line
// announces a literal); a non-synchronizing literal is skipped (with no
// command: nothing of it is kept). A synchronizing one is not waited for,
// as the server may refuse it.
func (s *Session) afterHidden(line []byte, ts time.Time, always bool) int64 {
	h, lit := trailingLiteral(line)
	s.red.nextLine = always || lit
	if lit && h.nonSync {
		return s.literalAfter(nil, line, ts)
	}
	return noLiteral
}

// rememberUnshown notes the first word of a client line that is not shown.
func (s *Session) rememberUnshown(line []byte) {
	w, _ := cutWord(line)
	if len(w) == 0 || len(w) > 64 {
		return
	}
	s.red.unshown[s.red.unshownN%maxUnshown] = string(w)
	s.red.unshownN++
}

// unshownTag reports whether tag is the first word of a client line that
// was not shown (a server echoes it as the tag of its BAD).
func (s *Session) unshownTag(tag []byte) bool {
	for _, w := range s.red.unshown[:min(s.red.unshownN, maxUnshown)] {
		if w == string(tag) {
			return true
		}
	}
	return false
}
