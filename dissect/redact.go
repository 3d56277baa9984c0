package dissect

// Redaction by position. Whether a byte of a client line is secret is
// decided from where it stands, not from whether the line parses: after a
// command word LOGIN, everything after the first argument (the user name)
// is secret; after AUTHENTICATE, everything after the first argument (the
// mechanism). Words are separated by any byte a parser could disagree
// about (isSeparator), the command word may be glued to the tag or follow a
// prefix word, and when the first argument has no certain end the whole
// rest of the line is secret. The scan runs on every command line, complete
// or cut by a capture gap, before any of its bytes reach the arguments.

// secretKind is the kind of command whose arguments hold secrets.
type secretKind uint8

const (
	secNone  secretKind = iota
	secLogin            // LOGIN user password
	secAuth             // AUTHENTICATE mechanism [initial-response]
)

// maxSecretWord is how many words from the start of a line are searched for
// LOGIN or AUTHENTICATE: the tag, the command and one prefix word ("UID").
const maxSecretWord = 3

// maxUserLen bounds a user name taken from a LOGIN or a SASL response.
const maxUserLen = 256

// maxMechLen is the longest SASL mechanism name (RFC 4422 §3.1).
const maxMechLen = 20

// isSeparator reports whether c may end a word for redaction: whitespace,
// controls, DEL and every non-ASCII byte (a no-break space, a stray Latin-1
// byte). A parser that splits only at SP would take the rest of the line
// for one word; here any of them ends it.
func isSeparator(c byte) bool { return c <= ' ' || c >= 0x7f }

// lineSecret is what a client line's position scan found.
type lineSecret struct {
	kind secretKind
	// word is the index of the word holding the command word (0: glued to
	// or standing as the tag); cmdStart, cmdEnd span the command word.
	word             int
	cmdStart, cmdEnd int
	// argStart, argEnd span the first argument as sent; value is its value
	// (quotes removed) when it is usable as a user name or mechanism.
	argStart, argEnd int
	value            []byte
	escaped          bool // value still holds backslash escapes (a quoted string)
	// secretAt is where the secret begins: every byte from it to the end of
	// the line (and of the message) is secret.
	secretAt int
	// userLiteral: LOGIN's first argument is a literal announced at the end
	// of the line; its body is the user name and what follows is secret.
	userLiteral bool
	// incomplete: the line ends before the password (or the mechanism), so
	// a broken client's next line may carry it.
	incomplete bool
}

// scanSecret finds the secret part of a client command line. partial is
// true for a line cut by a capture gap or the end of the capture: an
// argument that runs to the cut has no certain end.
func scanSecret(line []byte, partial bool) lineSecret {
	sec := lineSecret{secretAt: len(line)}
	i := 0
	for w := 0; w < maxSecretWord; w++ {
		for i < len(line) && isSeparator(line[i]) {
			i++
		}
		start := i
		for i < len(line) && !isSeparator(line[i]) {
			i++
		}
		if start == i {
			return sec
		}
		if k, at := findSecretWord(line[start:i]); k != secNone {
			sec.kind, sec.word = k, w
			sec.cmdStart = start + at
			sec.cmdEnd = sec.cmdStart + len("LOGIN")
			if k == secAuth {
				sec.cmdEnd = sec.cmdStart + len("AUTHENTICATE")
			}
			sec.firstArg(line, partial)
			return sec
		}
	}
	return sec
}

// findSecretWord finds LOGIN or AUTHENTICATE in a word, in any case.
func findSecretWord(w []byte) (secretKind, int) {
	if i := indexFold(w, "AUTHENTICATE"); i >= 0 {
		return secAuth, i
	}
	if i := indexFold(w, "LOGIN"); i >= 0 {
		return secLogin, i
	}
	return secNone, 0
}

// indexFold is the index of the upper-case word w in p ignoring ASCII case, or -1.
func indexFold(p []byte, w string) int {
	for i := 0; i+len(w) <= len(p); i++ {
		if equalFold(p[i:i+len(w)], w) {
			return i
		}
	}
	return -1
}

// firstArg delimits the first argument after the command word and sets
// where the secret begins.
func (sec *lineSecret) firstArg(line []byte, partial bool) {
	i := sec.cmdEnd
	for i < len(line) && isSeparator(line[i]) {
		i++
	}
	sec.argStart, sec.argEnd = i, i
	if i == len(line) {
		sec.incomplete = !partial
		return
	}
	sec.secretAt = i // until the argument is delimited, all of the rest
	end, ok := -1, false
	switch c := line[i]; {
	case c == '"' && sec.kind == secLogin:
		end, ok = quotedEnd(line, i)
		if ok {
			sec.value, sec.escaped = line[i+1:end-1], true
		}
	case c == '{' && sec.kind == secLogin:
		if h, lit := trailingLiteral(line[i:]); lit && !h.binary && !partial && literalHeaderLen(line[i:]) == len(line)-i {
			sec.userLiteral = true
			sec.argEnd = len(line)
			sec.secretAt = len(line)
		}
		return
	case c == '~' || c == '{' || c == '"':
		return
	default:
		end = i
		for end < len(line) && !isSeparator(line[end]) {
			if !isAstringChar(line[end]) {
				return
			}
			end++
		}
		ok = end < len(line) || !partial
		if ok {
			sec.value = line[i:end]
			if sec.kind == secAuth && !validMechanism(sec.value) {
				sec.value, ok = nil, false
			}
		}
	}
	if !ok {
		return
	}
	sec.argEnd, sec.secretAt = end, end
	if sec.kind == secLogin {
		rest := end
		for rest < len(line) && isSeparator(line[rest]) {
			rest++
		}
		sec.incomplete = rest == len(line) && !partial
	}
}

// quotedEnd returns the end (after the closing quote) of the quoted string
// starting at line[i]. A string that never closes, or holds a separator
// byte, has no certain end.
func quotedEnd(line []byte, i int) (int, bool) {
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			return j + 1, true
		case c == '\\':
			j++
			if j >= len(line) || isSeparator(line[j]) {
				return 0, false
			}
		case isSeparator(c):
			return 0, false
		}
	}
	return 0, false
}

// isAstringChar reports whether c may appear in an IMAP astring atom.
func isAstringChar(c byte) bool { return c == ']' || isAtomChar(c) }

// validMechanism reports whether p can be shown as a SASL mechanism name:
// RFC 4422's sasl-mech shape (1 to 20 of A-Z 0-9 - _) in upper case, or a
// known mechanism in any case. A base64 initial response sent without its
// mechanism is mostly lower case and stays hidden.
func validMechanism(p []byte) bool {
	if len(p) == 0 || len(p) > maxMechLen {
		return false
	}
	upper := true
	for _, c := range p {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c >= 'a' && c <= 'z':
			upper = false
		default:
			return false
		}
	}
	if upper {
		return true
	}
	for _, m := range knownMechanisms {
		if equalFold(p, m) {
			return true
		}
	}
	return false
}

// knownMechanisms are SASL mechanisms IMAP clients offer (IANA registry).
var knownMechanisms = [...]string{"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
	"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS", "XOAUTH2", "OAUTHBEARER", "GSSAPI", "EXTERNAL", "ANONYMOUS", "NTLM"}

// validUser reports whether p can be a session's user name: 1 to
// maxUserLen bytes, none of them a separator.
func validUser(p []byte) bool {
	if len(p) == 0 || len(p) > maxUserLen {
		return false
	}
	for _, c := range p {
		if isSeparator(c) {
			return false
		}
	}
	return true
}

// unquote returns the value of a quoted string's content (escapes removed).
func unquote(p []byte) []byte {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		out = append(out, p[i])
	}
	return out
}
