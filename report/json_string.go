package report

import "unicode/utf8"

// jsonSafe marks the ASCII bytes written unescaped in a JSON string (HTML
// characters included, as with SetEscapeHTML(false)).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// jsonSafeHTML is jsonSafe for json.Marshal, which escapes <, > and &.
var jsonSafeHTML = func() (t [utf8.RuneSelf]bool) {
	t = jsonSafe
	t['<'], t['>'], t['&'] = false, false, false
	return t
}()

const hexDigits = "0123456789abcdef"

// Byte-wise constants for load64 and hasByte.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load64 returns the eight bytes of s from i, the first lowest. In
// appendJSONString, a word w passes when no byte of w is above 0x7f or
// below 0x20 or is a quote or backslash (nor <, > or & for HTML): the
// bytes jsonSafe marks, each test byte-wise on the whole word, where a
// byte that matches can only set bits in the bytes above it.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasByte has the top bit of some byte set when w holds the byte c (see
// load64).
func hasByte(w uint64, c byte) uint64 {
	x := w ^ (lsb * uint64(c))
	return (x - lsb) &^ x & msb
}

// appendJSONString appends s quoted and escaped as encoding/json does:
// invalid UTF-8 becomes \ufffd, U+2028 and U+2029 are escaped, and the ASCII
// bytes not marked in safe (jsonSafe, or jsonSafeHTML for json.Marshal's
// HTML escaping) are escaped.
func appendJSONString(b []byte, s string, safe *[utf8.RuneSelf]bool) []byte {
	b = append(b, '"')
	start := 0
	html := safe == &jsonSafeHTML
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := load64(s, i)
			bad := w&msb | (w-0x20*lsb)&^w | hasByte(w, '"') | hasByte(w, '\\')
			if html {
				bad |= hasByte(w, '<') | hasByte(w, '>') | hasByte(w, '&')
			}
			if bad&msb == 0 {
				i += 8 // eight bytes written as they are
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
