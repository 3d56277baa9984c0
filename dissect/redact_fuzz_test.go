package dissect

import (
	"strings"
	"testing"

	"github.com/imapscope/imapscope/internal/secretshapes"
)

// fuzzWord keeps at most 12 bytes of p that are not separators.
func fuzzWord(p string) string {
	var b strings.Builder
	for i := 0; i < len(p) && b.Len() < 12; i++ {
		if !isSeparator(p[i]) {
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// FuzzRedaction builds a LOGIN or AUTHENTICATE conversation from fuzzed
// parts (tag, separators, a prefix word, the command word's case, the
// argument forms) around a marker password, damages it at a fuzzed client
// byte, and fails if any form of the password is in the report. (The
// command word and the prefix-word count are fixed: the redaction rule is
// about LOGIN after at most one prefix word.)
func FuzzRedaction(f *testing.F) {
	f.Add("a1", byte(' '), "", byte(0), uint8(0), byte(' '), uint8(0), byte(' '), uint8(0), false, uint8(0), uint16(0))
	f.Add("a1", byte(0), "UID", byte(' '), uint8(5), byte('\t'), uint8(5), byte(0xa0), uint8(2), false, uint8(2), uint16(14))
	f.Add("A001", byte('\v'), "", byte(0), uint8(31), byte(0), uint8(7), byte('\r'), uint8(4), true, uint8(1), uint16(20))
	f.Fuzz(func(t *testing.T, tag string, sep0 byte, prefix string, sep1 byte, caseMask uint8,
		sepA byte, userForm uint8, sepB byte, passForm uint8, auth bool, mode uint8, at uint16) {
		seps := secretshapes.Separators()
		sep := func(c byte) string { return seps[int(c)%len(seps)] }
		head := fuzzWord(tag)
		if sep0 != 0 {
			head += sep(sep0)
		}
		if w := fuzzWord(prefix); w != "" && sep1 != 0 {
			head += w + sep(sep1)
		}
		word := []byte("LOGIN")
		if auth {
			word = []byte("AUTHENTICATE")
		}
		for i := range word {
			if caseMask&(1<<(i%8)) != 0 {
				word[i] += 'a' - 'A'
			}
		}
		var c secretshapes.Conv
		if auth {
			c = secretshapes.AuthConv(head+string(word)+sep(sepA)+"PLAIN"+sep(sepB), 0)
		} else {
			forms := secretshapes.Forms()
			c = secretshapes.LoginConv(head, string(word), sep(sepA), forms[int(userForm)%len(forms)],
				sep(sepB), forms[int(passForm)%len(forms)], 0)
		}
		rs := feedConv(c, cutMode(mode%4), int(at)%(len(c.Client())+1), Options{})
		if l := leaks(c.Forbidden(), flat(t, rs)); len(l) > 0 {
			t.Fatalf("%q: %q in\n%s", c.Client(), l, digest(t, rs))
		}
		if strings.IndexFunc(rs.User, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
			t.Fatalf("%q: user %q holds a separator", c.Client(), rs.User)
		}
	})
}
