package transportgen

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// IMAP-level conditions: what a lost packet, a refusing server or a client
// does to the conversation, written as real clients and servers do it.

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// SASLLostOK: the server's tagged OK to an AUTHENTICATE was lost by the
// capture (the client acknowledged it and went on).
func SASLLostOK() *Capture {
	c, t := NewCapture("sasl-lost-ok", "the server's tagged OK of an AUTHENTICATE lost by the capture; the client goes on")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40500, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	a.Client("a1 AUTHENTICATE PLAIN\r\n")
	a.Server("+ \r\n")
	a.Client(b64("\x00alice\x00secret-alice") + "\r\n")
	a.F.SSeq += uint32(len("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n")) // not captured
	a.Emit(Seg{})
	a.Finish()
	return c
}

// Append0: a client sends APPEND with an empty synchronizing literal and
// the server refuses it with BAD instead of "+" (Dovecot and Cyrus refuse
// empty messages): the literal is never sent.
func Append0() *Capture {
	c, t := NewCapture("append-0", "APPEND {0} refused with BAD: the literal is never sent and the next command is a command")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40501, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	a.Client("a2 APPEND INBOX {0}\r\n")
	a.Server("a2 BAD [TOOBIG] Empty message not allowed\r\n")
	a.Client("a3 NOOP\r\n")
	a.Server("a3 OK NOOP completed\r\n")
	a.Logout("a4")
	a.Close()
	return c
}

// LongTags: tags of 100 and 256 characters (RFC 3501 sets no limit; some
// clients use UUID-based or generated tags).
func LongTags() *Capture {
	c, t := NewCapture("long-tags", "tags of 100 and 256 characters")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40502, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	a.Login(strings.Repeat("t", 100), "alice")
	a.Select(strings.Repeat("u", 256))
	a.Logout("a3")
	a.Close()
	return c
}

// rev2Session writes a session whose greeting announces caps and which
// sends ENABLE IMAP4rev2, answered by enabled (a "* ENABLED" line or "").
func rev2Session(name, what, caps, enabled string, port uint16) *Capture {
	c, t := NewCapture(name, what)
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", port, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Server("* OK [CAPABILITY " + caps + " AUTH=PLAIN] ready\r\n")
	a.Client("a1 LOGIN alice secret-alice\r\n")
	a.Server("a1 OK [CAPABILITY " + caps + " ENABLE] Logged in\r\n")
	a.Client("a2 ENABLE IMAP4rev2\r\n")
	a.Server(enabled + "a2 OK Enabled\r\n")
	a.Logout("a3")
	a.Close()
	return c
}

// Rev2Captures: IMAP4rev2 only when the server confirms it.
func Rev2Captures() []*Capture {
	return []*Capture{
		rev2Session("rev2-unconfirmed", "ENABLE IMAP4rev2 answered by a plain OK, no * ENABLED (the server did not enable it)", "IMAP4rev1 IMAP4rev2", "", 40503),
		rev2Session("rev2-enabled", "ENABLE IMAP4rev2 confirmed by * ENABLED IMAP4rev2", "IMAP4rev1 IMAP4rev2", "* ENABLED IMAP4rev2\r\n", 40504),
		rev2Session("rev2-only", "a server announcing IMAP4rev2 without IMAP4rev1", "IMAP4rev2", "", 40505),
	}
}

// DigestMD5: AUTHENTICATE DIGEST-MD5 (RFC 2831), the exchange of its
// section 4 example: the user is in the client's digest-response.
func DigestMD5() *Capture {
	c, t := NewCapture("auth-digest-md5", "AUTHENTICATE DIGEST-MD5: the user is the digest-response's username")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40506, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Server("* OK [CAPABILITY IMAP4rev1 AUTH=DIGEST-MD5] ready\r\n")
	a.Client("a1 AUTHENTICATE DIGEST-MD5\r\n")
	a.Server("+ " + b64(`realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`) + "\r\n")
	a.Client(b64(`charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth`) + "\r\n")
	a.Server("+ " + b64("rspauth=ea40f60335c427b5527b84dbabcdfffd") + "\r\n")
	a.Client("\r\n")
	a.Server("a1 OK Logged in\r\n")
	a.Finish()
	return c
}

// ntlmType3 builds an NTLM AUTHENTICATE (type 3) message with UTF-16LE
// domain, user and workstation ([MS-NLMP] 2.2.1.3).
func ntlmType3(domain, user, host string) []byte {
	u16 := func(s string) []byte {
		var b []byte
		for _, r := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, r)
		}
		return b
	}
	lm, nt := make([]byte, 24), make([]byte, 24)
	for i := range nt {
		lm[i], nt[i] = byte(i), byte(0xa0+i)
	}
	fields := [][]byte{lm, nt, u16(domain), u16(user), u16(host), nil}
	const hdr = 64
	msg := make([]byte, hdr)
	copy(msg, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(msg[8:], 3)
	off := hdr
	for i, f := range fields {
		p := 12 + 8*i
		binary.LittleEndian.PutUint16(msg[p:], uint16(len(f)))
		binary.LittleEndian.PutUint16(msg[p+2:], uint16(len(f)))
		binary.LittleEndian.PutUint32(msg[p+4:], uint32(off))
		off += len(f)
	}
	binary.LittleEndian.PutUint32(msg[60:], 0x00088205) // UNICODE, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY
	for _, f := range fields {
		msg = append(msg, f...)
	}
	return msg
}

// NTLM: AUTHENTICATE NTLM as Outlook and Thunderbird on Windows domains
// send it: the user is DOMAIN\user from the type 3 message.
func NTLM() *Capture {
	c, t := NewCapture("auth-ntlm", `AUTHENTICATE NTLM: the user is DOMAIN\user from the type 3 message`)
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40507, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Server("* OK [CAPABILITY IMAP4rev1 AUTH=NTLM] ready\r\n")
	a.Client("a1 AUTHENTICATE NTLM\r\n")
	a.Server("+ \r\n")
	t1 := append([]byte("NTLMSSP\x00\x01\x00\x00\x00"), 0x07, 0x82, 0x08, 0xa2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	a.Client(base64.StdEncoding.EncodeToString(t1) + "\r\n")
	t2 := append([]byte("NTLMSSP\x00\x02\x00\x00\x00"), make([]byte, 44)...)
	a.Server("+ " + base64.StdEncoding.EncodeToString(t2) + "\r\n")
	a.Client(base64.StdEncoding.EncodeToString(ntlmType3("CORP", "bob", "WS01")) + "\r\n")
	a.Server("a1 OK Logged in\r\n")
	a.Finish()
	return c
}
