package secretshapes

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Marker begins every generated password. It is matched ignoring case:
// a dissector that took a password for a command name upper-cases it.
const Marker = "Zx7Q"

// User is the user name every conversation logs in as (not a secret).
const User = "alice"

// Step is one chunk of a conversation, sent by the server or the client.
type Step struct {
	Server bool
	Data   string
}

// Conv is one scripted conversation after the server's greeting.
type Conv struct {
	Name string // short identifier, unique within a generator's output
	// Why says what real client, server or capture condition it reproduces.
	Why      string
	Steps    []Step
	Password string // the secret, beginning with Marker
	// WellFormed is true when a conforming server accepts the command as
	// sent: --show-secrets must then reveal Password.
	WellFormed bool
	// Separator is the separator byte (or NBSP) the conversation varies, ""
	// when it varies the argument forms instead.
	Separator string
}

// Representative reports whether a separator is one of those every damage
// is tried with (the rest are tried whole and split at every byte): SP and
// TAB, NUL, the line-ending bytes, VT and FF, the last control, DEL, the
// first and last non-ASCII bytes, Latin-1 no-break space and UTF-8 NBSP.
func Representative(sep string) bool {
	switch sep {
	case "", " ", "\t", "\x00", "\r", "\n", "\v", "\f", "\x1f", "\x7f", "\x80", "\xa0", "\xff", "\u00a0":
		return true
	}
	return false
}

// Greeting is the server greeting every conversation starts with.
const Greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=LOGIN] ready\r\n"

// Forbidden returns the strings that must not appear in any output unless
// secrets were asked for, in lower case (compare with lower-cased output):
// the password, the start of its base64 encoding (AUTHENTICATE LOGIN) and
// the start of the base64 of a PLAIN message for User (RFC 4616), each long
// enough to encode the whole Marker.
func (c Conv) Forbidden() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(c.Password))
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + User + "\x00" + c.Password))
	return []string{strings.ToLower(Marker), strings.ToLower(c.Password),
		strings.ToLower(b64[:8]), strings.ToLower(plain[:16])}
}

// MarkerForms returns, in lower case, the beginnings that every generated
// password's forms share (the Marker, its base64, the base64 of a PLAIN
// message for User holding it): output holding none of them holds no form
// of any generated password, whichever conversation it came from.
func MarkerForms() []string {
	return []string{strings.ToLower(Marker), strings.ToLower(base64.StdEncoding.EncodeToString([]byte(Marker))[:5]),
		strings.ToLower(base64.StdEncoding.EncodeToString([]byte("\x00" + User + "\x00" + Marker))[:14])}
}

// Client returns the bytes the client sends, in order.
func (c Conv) Client() []byte {
	var b []byte
	for _, s := range c.Steps {
		if !s.Server {
			b = append(b, s.Data...)
		}
	}
	return b
}

// password returns the marker password of conversation n.
func password(n int) string { return fmt.Sprintf("%s%04dpw", Marker, n) }

// Separators lists every byte that separates words for redaction: 0x00 to
// 0x20 (controls and space), DEL and every non-ASCII byte, plus the UTF-8
// no-break space.
func Separators() []string {
	var out []string
	for c := 0; c <= 0x20; c++ {
		out = append(out, string([]byte{byte(c)}))
	}
	for c := 0x7f; c <= 0xff; c++ {
		out = append(out, string([]byte{byte(c)}))
	}
	return append(out, "\u00a0")
}

// sepName names a separator for a conversation's Name.
func sepName(s string) string {
	if s == " " {
		return "sp"
	}
	return fmt.Sprintf("%x", s)
}

// Literal forms a LOGIN argument may take.
const (
	FormAtom      = "atom"
	FormQuoted    = "quoted"
	FormLiteral   = "literal"   // {n}: synchronizing, the server answers "+"
	FormNonSync   = "nonsync"   // {n+}: LITERAL+, no continuation
	FormLiteral8  = "literal8"  // ~{n}: BINARY literal8, not valid for LOGIN
	FormTilde     = "tilde"     // ~alice: an atom beginning with "~"
	FormOpenBrace = "openbrace" // {alice: a "{" that opens no literal
	FormUnclosed  = "unclosed"  // "alice pw: a quote never closed
)

// argForms are the forms a user or password argument is generated in.
var argForms = []string{FormAtom, FormQuoted, FormLiteral, FormNonSync, FormLiteral8}

// login builds a LOGIN conversation: prefix is what precedes the command
// word (tag and separator, prefix words), word the command word as sent.
type login struct {
	prefix, word, sepA, user, sepB, pass string
	n                                    int
}

// arg appends one argument in form to the client text in cur, splitting
// the conversation where a synchronizing literal waits for "+".
func arg(steps []Step, cur *strings.Builder, form, v string) []Step {
	switch form {
	case FormAtom:
		cur.WriteString(v)
	case FormQuoted:
		cur.WriteString(`"` + v + `"`)
	case FormLiteral, FormLiteral8:
		if form == FormLiteral8 {
			cur.WriteString("~")
		}
		fmt.Fprintf(cur, "{%d}\r\n", len(v))
		steps = append(steps, Step{Data: cur.String()}, Step{Server: true, Data: "+ go ahead\r\n"})
		cur.Reset()
		cur.WriteString(v)
	case FormNonSync:
		fmt.Fprintf(cur, "{%d+}\r\n%s", len(v), v)
	case FormTilde:
		cur.WriteString("~" + v)
	case FormOpenBrace:
		cur.WriteString("{" + v)
	case FormUnclosed:
		cur.WriteString(`"` + v)
	}
	return steps
}

// conv renders l with the server's answers; tag is the tag the server
// echoes in its completion.
func (l login) conv(tag, why string, wellFormed bool) Conv {
	pw := password(l.n)
	var cur strings.Builder
	cur.WriteString(l.prefix + l.word + l.sepA)
	steps := arg(nil, &cur, l.user, User)
	cur.WriteString(l.sepB)
	steps = arg(steps, &cur, l.pass, pw)
	cur.WriteString("\r\n")
	steps = append(steps, Step{Data: cur.String()})
	status := "BAD Error in IMAP command received by server."
	if wellFormed {
		status = "OK [CAPABILITY IMAP4rev1] Logged in"
	}
	steps = append(steps, Step{Server: true, Data: tag + " " + status + "\r\n"},
		Step{Data: "z9 NOOP\r\n"}, Step{Server: true, Data: "z9 OK NOOP completed.\r\n"})
	name := fmt.Sprintf("login/%q/%s/%s/%s/%s/%s", l.prefix, l.word, sepName(l.sepA), l.user, sepName(l.sepB), l.pass)
	return Conv{Name: name, Why: why, Steps: steps, Password: pw, WellFormed: wellFormed}
}

// Variants returns the property test's conversations: LOGIN with every
// separator byte after the command word and after the user name, every
// argument form for user and password, the command word in several cases,
// with and without a space after the tag and after a prefix word; and
// AUTHENTICATE PLAIN and LOGIN with initial responses after every
// separator, continuation lines and malformed mechanisms.
func Variants() []Conv {
	var out []Conv
	n := 0
	add := func(l login, tag, why string, wf bool) {
		l.n = n
		n++
		c := l.conv(tag, why, wf)
		out = append(out, c)
	}
	for _, sep := range Separators() {
		wf := sep == " "
		add(login{prefix: "a1 ", word: "LOGIN", sepA: " ", user: FormAtom, sepB: sep, pass: FormAtom}, "a1", "separator after the user name", wf)
		add(login{prefix: "a1 ", word: "LOGIN", sepA: sep, user: FormAtom, sepB: " ", pass: FormAtom}, "a1", "separator after LOGIN", wf)
		add(login{prefix: "a1" + sep, word: "LOGIN", sepA: " ", user: FormAtom, sepB: " ", pass: FormAtom}, "a1", "separator after the tag", wf)
		add(login{prefix: "a1 ", word: "LOGIN", sepA: " ", user: FormQuoted, sepB: sep, pass: FormQuoted}, "a1", "separator between quoted strings", wf)
		for i := len(out) - 4; i < len(out); i++ {
			out[i].Separator = sep
		}
	}
	for _, prefix := range []string{"a1 ", "a1", "a1 UID ", "", "a1 X ", "* "} {
		for _, word := range []string{"LOGIN", "login", "LoGiN"} {
			if word != "LOGIN" && prefix != "a1 " {
				continue // case is varied with the usual prefix only
			}
			for _, uf := range append(append([]string(nil), argForms...), FormTilde, FormOpenBrace, FormUnclosed) {
				for _, pf := range argForms {
					wf := prefix == "a1 " && uf != FormLiteral8 && uf != FormTilde && uf != FormOpenBrace &&
						uf != FormUnclosed && pf != FormLiteral8
					tag := strings.TrimSpace(prefix)
					if tag == "" || tag == "*" {
						tag = "*"
					}
					add(login{prefix: prefix, word: word, sepA: " ", user: uf, sepB: " ", pass: pf}, tag, "argument forms", wf)
				}
			}
		}
	}
	for _, sep := range Separators() {
		out = append(out, authPlainIR(n, "a1 AUTHENTICATE PLAIN"+sep, sep == " "))
		n++
		out = append(out, authPlainIR(n, "a1 AUTHENTICATE"+sep+"PLAIN ", sep == " "))
		n++
		out[len(out)-2].Separator, out[len(out)-1].Separator = sep, sep
	}
	for _, head := range []string{"a1 authenticate plain ", "a1 UID AUTHENTICATE PLAIN ", "a1AUTHENTICATE PLAIN ",
		"a1 AUTHENTICATE ", "a1 AUTHENTICATE \"PLAIN\" ", "a1 AUTHENTICATE ~PLAIN ", "a1 AUTHENTICATE {PLAIN ",
		"a1 AUTHENTICATE \"PLAIN ", "a1 AUTHENTICATE PLAIN {24+}\r\n", "a1 AUTHENTICATE\r\nPLAIN ", "a1 AUTHENTICATE PLAIN\r\n"} {
		out = append(out, authPlainIR(n, head, head == "a1 authenticate plain "))
		n++
	}
	out = append(out, authPlainCont(n), authLoginCont(n+1), authPlainRaw(n+2))
	return out
}

// PlainResponse is base64 of a SASL PLAIN message for User (RFC 4616).
func PlainResponse(pw string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + User + "\x00" + pw))
}

// authPlainIR sends a PLAIN initial response on the command line after head.
func authPlainIR(n int, head string, wf bool) Conv {
	pw := password(n)
	status := "a1 BAD Error in IMAP command received by server.\r\n"
	if wf {
		status = "a1 OK Logged in\r\n"
	}
	return Conv{Name: fmt.Sprintf("auth-ir/%q", head), Why: "SASL-IR initial response (RFC 4959) after a well-formed or malformed head",
		Steps: []Step{{Data: head + PlainResponse(pw) + "\r\n"}, {Server: true, Data: status},
			{Data: "z9 NOOP\r\n"}, {Server: true, Data: "z9 OK NOOP completed.\r\n"}},
		Password: pw, WellFormed: wf}
}

// authPlainCont sends PLAIN's response on a continuation line.
func authPlainCont(n int) Conv {
	pw := password(n)
	return Conv{Name: "auth-plain-cont", Why: "AUTHENTICATE PLAIN without SASL-IR: the response follows the server's \"+\"",
		Steps: []Step{{Data: "a1 AUTHENTICATE PLAIN\r\n"}, {Server: true, Data: "+ \r\n"},
			{Data: PlainResponse(pw) + "\r\n"}, {Server: true, Data: "a1 OK Logged in\r\n"}},
		Password: pw, WellFormed: true}
}

// authLoginCont runs the LOGIN mechanism: user and password, each base64.
func authLoginCont(n int) Conv {
	pw := password(n)
	enc := base64.StdEncoding.EncodeToString
	return Conv{Name: "auth-login-cont", Why: "AUTHENTICATE LOGIN (draft-murchison-sasl-login): user then password on continuation lines",
		Steps: []Step{{Data: "a1 AUTHENTICATE LOGIN\r\n"}, {Server: true, Data: "+ VXNlcm5hbWU6\r\n"},
			{Data: enc([]byte(User)) + "\r\n"}, {Server: true, Data: "+ UGFzc3dvcmQ6\r\n"},
			{Data: enc([]byte(pw)) + "\r\n"}, {Server: true, Data: "a1 OK Logged in\r\n"}},
		Password: pw, WellFormed: true}
}

// authPlainRaw sends a PLAIN response without base64 encoding.
func authPlainRaw(n int) Conv {
	pw := password(n)
	return Conv{Name: "auth-plain-raw", Why: "a broken client sending the PLAIN message unencoded",
		Steps: []Step{{Data: "a1 AUTHENTICATE PLAIN\r\n"}, {Server: true, Data: "+ \r\n"},
			{Data: "\x00" + User + "\x00" + pw + "\r\n"}, {Server: true, Data: "a1 BAD Invalid base64 data\r\n"}},
		Password: pw}
}

// LoginConv builds one LOGIN conversation: prefix (tag, separators, prefix
// words) and word (the command word as sent) precede the user in userForm,
// sepB and the password in passForm (Form* constants); n numbers the
// password.
func LoginConv(prefix, word, sepA, userForm, sepB, passForm string, n int) Conv {
	return login{prefix: prefix, word: word, sepA: sepA, user: userForm, sepB: sepB, pass: passForm, n: n}.
		conv("a1", "generated", false)
}

// AuthConv builds an AUTHENTICATE conversation whose client line is head
// followed by a PLAIN initial response.
func AuthConv(head string, n int) Conv { return authPlainIR(n, head, false) }

// Forms lists every argument form LoginConv accepts.
func Forms() []string {
	return []string{FormAtom, FormQuoted, FormLiteral, FormNonSync, FormLiteral8, FormTilde, FormOpenBrace, FormUnclosed}
}
