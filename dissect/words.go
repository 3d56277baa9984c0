package dissect

import (
	"bytes"
	"strconv"
)

// Line verdicts returned by Session.onLine to the framer.
const (
	// noLiteral: the line ends the message.
	noLiteral int64 = -1
	// rejectLine: the line is not believed (resynchronising); drop it.
	rejectLine int64 = -2
)

// isAtomChar reports whether c may appear in an IMAP atom (RFC 3501 §9:
// any CHAR except atom-specials: ( ) { SP CTL % * " \ ]).
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// isTagChar reports whether c may appear in a tag (an astring char except "+").
func isTagChar(c byte) bool {
	return c == ']' || (isAtomChar(c) && c != '+')
}

// cutWord splits off the first space-separated word of p.
func cutWord(p []byte) (word, rest []byte) {
	for i, c := range p {
		if c == ' ' {
			return p[:i], p[i+1:]
		}
	}
	return p, nil
}

// cutAtom splits off a leading atom (letters, digits and the atom
// punctuation IMAP keywords use, such as "." in SELECT.VERSION).
func cutAtom(p []byte) (atom, rest []byte) {
	i := 0
	for i < len(p) && isAtomChar(p[i]) {
		i++
	}
	atom, rest = p[:i], p[i:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return atom, rest
}

// isNumber reports whether p is a non-empty run of digits.
func isNumber(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// upperASCII returns p upper-cased as a string (one allocation at most; none
// when p is already upper case and the caller only compares).
func upperASCII(p []byte) string {
	for _, c := range p {
		if c >= 'a' && c <= 'z' {
			b := make([]byte, len(p))
			for i, c := range p {
				if c >= 'a' && c <= 'z' {
					c -= 'a' - 'A'
				}
				b[i] = c
			}
			return string(b)
		}
	}
	return string(p)
}

// equalFold reports whether p equals the upper-case ASCII word w, ignoring case.
func equalFold(p []byte, w string) bool {
	if len(p) != len(w) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// literalHeader describes a literal announced at the end of a line.
type literalHeader struct {
	size    int64
	nonSync bool // {n+} (LITERAL+ / LITERAL-)
	binary  bool // ~{n} (BINARY literal8)
}

// lineLiteral is what trailingLiteral found at the end of a line, found
// once per line and passed to whatever reads the line.
type lineLiteral struct {
	h  literalHeader
	ok bool // the line ends with a literal header
}

// literalOf returns the literal header at the end of line, if any.
func literalOf(line []byte) lineLiteral {
	h, ok := trailingLiteral(line)
	return lineLiteral{h, ok}
}

// trailingLiteral finds a literal header ({n}, {n+}, ~{n}) at the very end
// of line, outside any quoted string.
func trailingLiteral(line []byte) (literalHeader, bool) {
	var h literalHeader
	n := len(line)
	if n < 3 || line[n-1] != '}' {
		return h, false
	}
	end := n - 1
	if line[end-1] == '+' || line[end-1] == '-' {
		h.nonSync = true
		end--
	}
	start := end
	for start > 0 && line[start-1] >= '0' && line[start-1] <= '9' {
		start--
	}
	if start == end || start == 0 || line[start-1] != '{' || end-start > maxLiteralDigits {
		return h, false
	}
	open := start - 1
	size, err := strconv.ParseInt(string(line[start:end]), 10, 64)
	if err != nil {
		return h, false
	}
	if open > 0 && line[open-1] == '~' {
		h.binary = true
		open--
	}
	if insideQuote(line[:open]) {
		return h, false
	}
	h.size = size
	return h, true
}

// insideQuote reports whether the end of p lies inside a quoted string.
// Outside a string a backslash means nothing; inside one it escapes the
// byte after it. Only backslashes can make a quote not count, so it jumps
// from backslash to backslash (IndexByte) and counts the quotes between
// (bytes.Count): a few vector passes per line, where jumping from quote to
// quote took three calls per string (an ENVELOPE line holds dozens).
func insideQuote(p []byte) bool {
	in := false
	for i := 0; i < len(p); {
		j := bytes.IndexByte(p[i:], '\\')
		if j < 0 {
			return in != (bytes.Count(p[i:], quoteChar)%2 == 1)
		}
		k := i + j
		in = in != (bytes.Count(p[i:k], quoteChar)%2 == 1)
		i = k + 1
		if in {
			i++ // the byte the backslash escapes
		}
	}
	return in
}

// quoteChar is the quote, for bytes.Count.
var quoteChar = []byte{'"'}

// respCode splits "[CODE args] text" into code (without brackets) and text.
func respCode(p []byte) (code, text []byte) {
	if len(p) == 0 || p[0] != '[' {
		return nil, p
	}
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				text = p[i+1:]
				if len(text) > 0 && text[0] == ' ' {
					text = text[1:]
				}
				return p[1:i], text
			}
		case '"':
			// Skip quoted strings, which may contain brackets.
			for i++; i < len(p) && p[i] != '"'; i++ {
				if p[i] == '\\' {
					i++
				}
			}
		}
	}
	return p[1:], nil
}
