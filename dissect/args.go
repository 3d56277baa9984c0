package dissect

import (
	"bytes"
	"unsafe"
)

// redacted replaces secrets in every output unless Options.ShowSecrets.
const redacted = "<redacted>"

// appendArgs adds p to the argument text of the command being sent, up to
// MaxArgs bytes.
func (s *Session) appendArgs(p []byte) {
	if s.red.on {
		// Secret: never kept, only marked.
		if hasWord(p) {
			s.markRedacted()
		}
		return
	}
	if s.argsFull || len(p) == 0 {
		return
	}
	room := s.opts.MaxArgs - len(s.args)
	if len(p) > room {
		p = p[:room]
		s.argsFull = true
	}
	s.args = append(s.args, p...)
}

// resetArgs starts the argument text of a new command.
func (s *Session) resetArgs() {
	s.args = s.args[:0]
	s.argsFull = false
	s.litOK = false
	s.red.resetMessage()
}

// finishArgs turns the argument text of the command being sent (t) into
// its Args. It is idempotent.
func (s *Session) finishArgs(t *txn) {
	if t.argsDone {
		return
	}
	t.argsDone = true
	a := s.args // secrets were never appended (appendCommandArgs)
	if s.argsFull {
		a = append(a, "…"...)
	}
	t.t.Args = s.strs.str(a)
	s.resetArgs()
}

// argsOf returns a finished transaction's argument text as bytes, without
// copying (read only).
func argsOf(t *txn) []byte {
	return unsafe.Slice(unsafe.StringData(t.t.Args), len(t.t.Args))
}

// Token kinds returned by argScanner.
const (
	tokAtom = iota
	tokQuoted
	tokLiteral // a literal whose bytes were not kept: its header only
	tokOpen
	tokClose
)

// argScanner walks the arguments of a command or a response: atoms,
// quoted strings, literal headers and parentheses.
type argScanner struct {
	p     []byte
	i     int
	depth int
}

// next returns the next token's kind and its [start, end) span in p.
func (sc *argScanner) next() (kind, start, end int, ok bool) {
	p := sc.p
	for sc.i < len(p) && p[sc.i] == ' ' {
		sc.i++
	}
	if sc.i >= len(p) {
		return 0, 0, 0, false
	}
	start = sc.i
	switch c := p[sc.i]; {
	case c == '(':
		sc.i++
		sc.depth++
		return tokOpen, start, sc.i, true
	case c == ')':
		sc.i++
		sc.depth--
		return tokClose, start, sc.i, true
	case c == '"':
		sc.i++
		for sc.i < len(p) && p[sc.i] != '"' {
			if p[sc.i] == '\\' {
				sc.i++
			}
			sc.i++
		}
		if sc.i < len(p) {
			sc.i++
		}
		if sc.i > len(p) {
			sc.i = len(p)
		}
		return tokQuoted, start, sc.i, true
	case c == '{' || c == '~':
		for sc.i < len(p) && p[sc.i] != '}' {
			sc.i++
		}
		if sc.i < len(p) {
			sc.i++
		}
		return tokLiteral, start, sc.i, true
	default:
		// An atom, possibly with brackets (BODY[HEADER.FIELDS (A B)] is
		// scanned as atom "BODY[HEADER.FIELDS", then a list).
		for sc.i < len(p) && p[sc.i] != ' ' && p[sc.i] != '(' && p[sc.i] != ')' && p[sc.i] != '"' {
			sc.i++
		}
		if sc.i == start {
			sc.i++
		}
		return tokAtom, start, sc.i, true
	}
}

// stringArg returns the value of a token as a string: quoted strings are
// unescaped, atoms returned as they are; NIL gives "".
func stringArg(p []byte, kind, start, end int) string {
	v := p[start:end]
	switch kind {
	case tokQuoted:
		if len(v) >= 2 && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		} else {
			v = v[1:]
		}
		out := make([]byte, 0, len(v))
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			out = append(out, v[i])
		}
		return string(out)
	case tokAtom:
		if equalFold(v, "NIL") {
			return ""
		}
	}
	return string(v)
}

// firstArg is firstArg with an unquoted value made in the session's arena.
func (s *Session) firstArg(p []byte) (string, bool) {
	sc := argScanner{p: p}
	k, a, b, ok := sc.next()
	if !ok || k == tokOpen || k == tokClose {
		return "", false
	}
	v := p[a:b]
	switch {
	case k == tokQuoted && bytes.IndexByte(v, '\\') < 0 && len(v) >= 2 && v[len(v)-1] == '"':
		return s.strs.str(v[1 : len(v)-1]), true
	case k == tokAtom && !equalFold(v, "NIL"):
		return s.strs.str(v), true
	}
	return stringArg(p, k, a, b), true
}

// words returns the atoms and strings of p, flattening lists (bounded).
func words(p []byte) []string { return wordsIn(p, nil) }

// wordsIn lists the atoms and strings of p; atoms come from a when non-nil.
func wordsIn(p []byte, a *strArena) []string {
	var out []string
	sc := argScanner{p: p}
	for len(out) < maxListItems {
		k, i, j, ok := sc.next()
		if !ok {
			break
		}
		switch {
		case k == tokOpen || k == tokClose:
		case a != nil && k == tokAtom && !equalFold(p[i:j], "NIL"):
			out = append(out, a.str(p[i:j]))
		default:
			out = append(out, stringArg(p, k, i, j))
		}
	}
	return out
}
