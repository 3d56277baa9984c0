package dissect

import (
	"encoding/binary"
	"testing"
)

// TestDigestUsername: the username directive, quoted with escapes or not,
// wherever it is among the directives; none in a challenge.
func TestDigestUsername(t *testing.T) {
	for in, want := range map[string]string{
		`charset=utf-8,username="chris",realm="x"`:         "chris",
		`realm="a,b",username="c\"d",nonce="n"`:            `c"d`,
		`username=plain,qop=auth`:                          "plain",
		`realm="elwood",nonce="OA6MG9tEQGm2hh",qop="auth"`: "",
	} {
		if got := digestUsername([]byte(in)); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// TestNTLMUserMalformed: offsets and lengths beyond the message, odd UTF-16
// lengths and other message types give no user and no panic.
func TestNTLMUserMalformed(t *testing.T) {
	msg := make([]byte, 64)
	copy(msg, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(msg[8:], 3)
	binary.LittleEndian.PutUint32(msg[60:], 1)
	for _, f := range []struct{ n, off int }{{4, 1 << 30}, {60000, 64}, {3, 60}, {0, 0}} {
		m := append([]byte(nil), msg...)
		binary.LittleEndian.PutUint16(m[36:], uint16(f.n))
		binary.LittleEndian.PutUint32(m[40:], uint32(f.off))
		if u := ntlmUser(m); u != "" {
			t.Errorf("field %+v: user %q", f, u)
		}
	}
	binary.LittleEndian.PutUint32(msg[8:], 1)
	if u := ntlmUser(msg); u != "" {
		t.Errorf("type 1 message: user %q", u)
	}
}
