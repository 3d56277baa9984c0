package report

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Cell width limits for text that comes from the network.
const (
	// MaxArgsWidth is how many characters of a command's arguments a table cell shows.
	MaxArgsWidth = 40
	// MaxTextWidth is how many characters of a completion's text a table cell shows.
	MaxTextWidth = 40
	// MaxListWidth is how many characters of a joined list (mailboxes) a summary cell shows.
	MaxListWidth = 40
)

// ellipsis marks a truncated cell.
const ellipsis = "…"

// EscapeControl returns s with every character that could act on a terminal
// replaced by a visible escape: \r \n \t for those, \xNN for other C0
// controls, DEL and bytes that are not valid UTF-8, \u{NNNN} for C1 controls
// and Unicode format characters (bidi overrides, zero-width characters).
// Backslashes are left as they are.
func EscapeControl(s string) string {
	return escapeTruncate(s, 0)
}

// escapeTruncate escapes s like EscapeControl and, when max > 0, keeps at
// most max characters (runes) of the result, the last being an ellipsis when
// anything was cut. An escape sequence is never split, nor is a UTF-8 sequence.
func escapeTruncate(s string, max int) string {
	if printableASCII(s) { // nothing to escape, one rune a byte
		if max <= 0 || len(s) <= max {
			return s
		}
		return s[:max-1] + ellipsis
	}
	return escapeTruncateRunes(s, max)
}

// escapeTruncateRunes is escapeTruncate rune by rune (any string). A
// printable ASCII byte, or a rune that needs no escape, is copied from s
// as it is (the same bytes as its encoding: it is valid UTF-8); only
// escapes are built (escapeRune).
func escapeTruncateRunes(s string, max int) string {
	b := make([]byte, 0, len(s)+8)
	n := 0 // runes written so far
	for i := 0; i < len(s); {
		lim := len(s) - i
		if max > 0 {
			lim = min(lim, max-1-n) // what fits with room for the ellipsis
		}
		if lim < 0 {
			lim = 0
		}
		if k := asciiRun(s[i : i+lim]); k > 0 {
			// Printable ASCII that fits: copied at once.
			b = append(b, s[i:i+k]...)
			n += k
			i += k
			continue
		}
		c := s[i]
		tok, tn := s[i:i+1], 1
		size := 1
		if c < 0x20 || c >= 0x7f {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if e, ok := runeEscape(r, c, size); ok {
				tok, tn = e, utf8.RuneCountInString(e)
			} else {
				tok = s[i : i+size]
			}
		}
		i += size
		if max > 0 {
			rest := i < len(s)
			// Leave room for the ellipsis unless this token ends the string.
			limit := max
			if rest {
				limit = max - 1
			}
			if n+tn > limit {
				return string(append(b, ellipsis...))
			}
		}
		b = append(b, tok...)
		n += tn
	}
	return string(b)
}

// runeEscape returns the escape of r (first byte c, encoded in size
// bytes of the input), ok false when r is shown as it is.
func runeEscape(r rune, c byte, size int) (string, bool) {
	if size == 1 && r == utf8.RuneError {
		return fmt.Sprintf(`\x%02x`, c), true
	}
	if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError || r >= 0x80 && unicode.Is(unicode.Cf, r) {
		return escapeRune(r, c), true
	}
	return "", false
}

// asciiRun is the length of the printable ASCII prefix of s.
func asciiRun(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Eight bytes at a time, as plainWidth (here from 0x20).
		if x := load64(s, i); ((x-0x20*lsb)|(x+lsb)|x)&msb != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i]-0x20 >= 0x5f {
			return i
		}
	}
	return len(s)
}

// printableASCII reports whether every byte of s is printable ASCII.
func printableASCII(s string) bool {
	return asciiRun(s) == len(s)
}

// escapeRune returns the visible form of r (first byte c of its encoding).
func escapeRune(r rune, c byte) string {
	switch r {
	case '\r':
		return `\r`
	case '\n':
		return `\n`
	case '\t':
		return `\t`
	}
	switch {
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, c)
	case r >= 0x80 && r <= 0x9f, unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		return fmt.Sprintf(`\u{%04x}`, r)
	}
	return string(r)
}
