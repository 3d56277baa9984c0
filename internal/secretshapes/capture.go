package secretshapes

import (
	"encoding/base64"
	"strings"
)

// raw is a capture shape written as text: the client's and server's steps
// alternate, starting with the client; in them {PW} stands for the
// password, {B64PW} for its base64, {PLAIN} for the base64 of a PLAIN
// message for User holding it.
type raw struct {
	name, why  string
	steps      []string
	wellFormed bool
	damage     Damage
	at         string // the damage applies where this text starts in the client stream
	skip       int    // ... and this many bytes further
}

// Server replies as Dovecot 2.3 words them.
const (
	okLogin = "a1 OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE] Logged in\r\n"
	badCmd  = "a1 BAD Error in IMAP command LOGIN: Invalid characters in atom\r\n"
	noAuth  = "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
	badB64  = "a1 BAD Invalid base64 data in continued response\r\n"
	plus    = "+ OK\r\n"
)

// captureShapes are the conversations of pcaps/secrets/malformed-login.pcap.
var captureShapes = []raw{
	// Well-formed: --show-secrets must reveal these passwords.
	{name: "login-atoms", why: "LOGIN with atoms (Thunderbird, mutt)", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin}, wellFormed: true},
	{name: "login-quoted", why: "LOGIN with quoted strings (Outlook, imaplib)", steps: []string{"a1 LOGIN \"alice\" \"{PW}\"\r\n", okLogin}, wellFormed: true},
	{name: "login-lower", why: "command word in lower case (RFC 3501: case-insensitive)", steps: []string{"a1 login alice {PW}\r\n", okLogin}, wellFormed: true},
	{name: "login-sync-literals", why: "user and password as synchronizing literals (imaplib for non-ASCII passwords)", steps: []string{"a1 LOGIN {5}\r\n", plus, "alice {10}\r\n", plus, "{PW}\r\n", okLogin}, wellFormed: true},
	{name: "login-nonsync-literals", why: "LITERAL+ literals (RFC 7888)", steps: []string{"a1 LOGIN {5+}\r\nalice {10+}\r\n{PW}\r\n", okLogin}, wellFormed: true},
	{name: "auth-plain-ir", why: "AUTHENTICATE PLAIN with SASL-IR (RFC 4959; Thunderbird, curl)", steps: []string{"a1 AUTHENTICATE PLAIN {PLAIN}\r\n", okLogin}, wellFormed: true},
	{name: "auth-plain-cont", why: "AUTHENTICATE PLAIN on a continuation line", steps: []string{"a1 AUTHENTICATE PLAIN\r\n", "+ \r\n", "{PLAIN}\r\n", okLogin}, wellFormed: true},
	{name: "auth-login", why: "AUTHENTICATE LOGIN mechanism (Outlook)", steps: []string{"a1 AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6\r\n", "YWxpY2U=\r\n", "+ UGFzc3dvcmQ6\r\n", "{B64PW}\r\n", okLogin}, wellFormed: true},

	// Separator bytes a parser splitting at SP only takes for part of a word.
	{name: "tab-after-user", why: "TAB between user and password (scripts using printf '\\t', hand-typed telnet)", steps: []string{"a1 LOGIN alice\t{PW}\r\n", badCmd}},
	{name: "nul-after-user", why: "NUL between user and password (C client writing a struct)", steps: []string{"a1 LOGIN alice\x00{PW}\r\n", badCmd}},
	{name: "cr-after-user", why: "bare CR between the arguments (old Mac line ending in a config file)", steps: []string{"a1 LOGIN alice\r{PW}\r\n", badCmd}},
	{name: "vt-after-user", why: "vertical tab between the arguments", steps: []string{"a1 LOGIN alice\v{PW}\r\n", badCmd}},
	{name: "ff-after-user", why: "form feed between the arguments", steps: []string{"a1 LOGIN alice\f{PW}\r\n", badCmd}},
	{name: "esc-after-user", why: "ESC between the arguments (terminal escape pasted)", steps: []string{"a1 LOGIN alice\x1b{PW}\r\n", badCmd}},
	{name: "del-after-user", why: "DEL between the arguments", steps: []string{"a1 LOGIN alice\x7f{PW}\r\n", badCmd}},
	{name: "nbsp-after-user", why: "UTF-8 no-break space (copied from a web page or a word processor)", steps: []string{"a1 LOGIN alice\u00a0{PW}\r\n", badCmd}},
	{name: "latin1-nbsp-after-user", why: "Latin-1 no-break space 0xA0 (a Windows-1252 client)", steps: []string{"a1 LOGIN alice\xa0{PW}\r\n", badCmd}},
	{name: "ff-byte-after-user", why: "byte 0xFF between the arguments", steps: []string{"a1 LOGIN alice\xff{PW}\r\n", badCmd}},
	{name: "c1-after-user", why: "C1 control 0x85 (NEL) between the arguments", steps: []string{"a1 LOGIN alice\x85{PW}\r\n", badCmd}},
	{name: "tab-after-login", why: "TAB after the command word", steps: []string{"a1 LOGIN\talice {PW}\r\n", badCmd}},
	{name: "tab-after-tag", why: "TAB after the tag", steps: []string{"a1\tLOGIN alice {PW}\r\n", "* BAD Error in IMAP command received by server.\r\n"}},
	{name: "nul-after-login", why: "NUL after the command word", steps: []string{"a1 LOGIN\x00alice {PW}\r\n", badCmd}},
	{name: "two-spaces", why: "two spaces between the arguments (sloppy script)", steps: []string{"a1 LOGIN alice  {PW}\r\n", badCmd}},
	{name: "trailing-tab", why: "TAB after the password", steps: []string{"a1 LOGIN alice {PW}\t\r\n", badCmd}},

	// First arguments with no certain end.
	{name: "tilde-user", why: "user beginning with ~ (a valid atom in IMAP4rev1, a literal8 prefix in BINARY)", steps: []string{"a1 LOGIN ~alice {PW}\r\n", noAuth}},
	{name: "brace-user", why: "user beginning with { that opens no literal", steps: []string{"a1 LOGIN {alice {PW}\r\n", badCmd}},
	{name: "unclosed-quote", why: "quoted user never closed (shell quoting gone wrong)", steps: []string{"a1 LOGIN \"alice {PW}\r\n", badCmd}},
	{name: "quote-holds-both", why: "user and password inside one quoted string", steps: []string{"a1 LOGIN \"alice {PW}\"\r\n", badCmd}},
	{name: "quote-glued", why: "password glued to the closing quote of the user", steps: []string{"a1 LOGIN \"alice\"{PW}\r\n", badCmd}},
	{name: "escaped-quote", why: "backslash-escaped quote inside the quoted user", steps: []string{"a1 LOGIN \"ali\\\"ce\" {PW}\r\n", noAuth}},
	{name: "percent-user", why: "list wildcard in the user atom", steps: []string{"a1 LOGIN al%ce {PW}\r\n", badCmd}},
	{name: "literal8-user", why: "user as a literal8 (~{n}), not allowed for LOGIN", steps: []string{"a1 LOGIN ~{5}\r\n", plus, "alice {PW}\r\n", badCmd}},
	{name: "literal-user-with-space", why: "user literal whose body holds the password too", steps: []string{"a1 LOGIN {16}\r\n", plus, "alice {PW}\r\n", badCmd}},
	{name: "literal8-password", why: "password as a literal8 (~{n})", steps: []string{"a1 LOGIN alice ~{10}\r\n", plus, "{PW}\r\n", badCmd}},
	{name: "glued-user", why: "user glued to the command word", steps: []string{"a1 LOGINalice {PW}\r\n", "a1 BAD Error in IMAP command LOGINALICE: Unknown command.\r\n"}},

	// Where the command word stands.
	{name: "no-space-after-tag", why: "tag glued to LOGIN (a client formatting \"%sLOGIN\")", steps: []string{"a1LOGIN alice {PW}\r\n", "a1LOGIN BAD Error in IMAP command ALICE: Unknown command.\r\n"}},
	{name: "no-tag", why: "LOGIN without a tag (hand-typed)", steps: []string{"LOGIN alice {PW}\r\n", "LOGIN BAD Error in IMAP command ALICE: Unknown command.\r\n"}},
	{name: "uid-prefix", why: "LOGIN after UID", steps: []string{"a1 UID LOGIN alice {PW}\r\n", "a1 BAD Error in IMAP command UID: Unknown command.\r\n"}},
	{name: "other-prefix", why: "LOGIN after another word", steps: []string{"a1 X LOGIN alice {PW}\r\n", "a1 BAD Error in IMAP command X: Unknown command.\r\n"}},
	{name: "bad-tag", why: "a tag with a character tags may not hold", steps: []string{"a1* LOGIN alice {PW}\r\n", "* BAD Error in IMAP command received by server.\r\n"}},

	// Commands broken across lines.
	{name: "password-next-line", why: "password on its own line after a LOGIN lacking it (the server echoes it as a tag)", steps: []string{"a1 LOGIN alice\r\n", "a1 BAD Error in IMAP command LOGIN: Missing arguments.\r\n", "{PW}\r\n", "{PW} BAD Error in IMAP command received by server.\r\n"}},
	{name: "arguments-next-line", why: "user and password on the line after LOGIN", steps: []string{"a1 LOGIN\r\n", "a1 BAD Error in IMAP command LOGIN: Missing arguments.\r\n", "alice {PW}\r\n", "alice BAD Error in IMAP command {PW}: Unknown command.\r\n"}},
	{name: "refused-literal-sent", why: "password literal sent although the server refused it", steps: []string{"a1 LOGIN alice {10}\r\n", badCmd, "{PW}\r\n", "{PW} BAD Error in IMAP command received by server.\r\n"}},

	// AUTHENTICATE.
	{name: "auth-ir-tab", why: "TAB before the initial response", steps: []string{"a1 AUTHENTICATE PLAIN\t{PLAIN}\r\n", badCmd}},
	{name: "auth-ir-nul", why: "NUL before the initial response", steps: []string{"a1 AUTHENTICATE PLAIN\x00{PLAIN}\r\n", badCmd}},
	{name: "auth-tab-mech", why: "TAB before the mechanism", steps: []string{"a1 AUTHENTICATE\tPLAIN {PLAIN}\r\n", badCmd}},
	{name: "auth-no-mech", why: "initial response without the mechanism", steps: []string{"a1 AUTHENTICATE {PLAIN}\r\n", "a1 NO Unsupported authentication mechanism.\r\n"}},
	{name: "auth-quoted-mech", why: "quoted mechanism name", steps: []string{"a1 AUTHENTICATE \"PLAIN\" {PLAIN}\r\n", badCmd}},
	{name: "auth-glued-tag", why: "tag glued to AUTHENTICATE", steps: []string{"a1AUTHENTICATE PLAIN {PLAIN}\r\n", "a1AUTHENTICATE BAD Error in IMAP command PLAIN: Unknown command.\r\n"}},
	{name: "auth-uid-prefix", why: "AUTHENTICATE after UID", steps: []string{"a1 UID AUTHENTICATE PLAIN {PLAIN}\r\n", "a1 BAD Error in IMAP command UID: Unknown command.\r\n"}},
	{name: "auth-mech-next-line", why: "mechanism and response on the line after AUTHENTICATE", steps: []string{"a1 AUTHENTICATE\r\n", "a1 BAD Missing arguments.\r\n", "PLAIN {PLAIN}\r\n", "PLAIN BAD Error in IMAP command received by server.\r\n"}},
	{name: "auth-plain-unencoded", why: "PLAIN response sent without base64", steps: []string{"a1 AUTHENTICATE PLAIN\r\n", "+ \r\n", "\x00alice\x00{PW}\r\n", badB64}},
	{name: "auth-login-cleartext", why: "AUTHENTICATE LOGIN with user and password in clear (broken client)", steps: []string{"a1 AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6\r\n", "alice\r\n", "+ UGFzc3dvcmQ6\r\n", "{PW}\r\n", badB64}},
	{name: "auth-response-after-no", why: "client sends its response after the server already refused (the server echoes it as a tag)", steps: []string{"a1 AUTHENTICATE PLAIN\r\n", "a1 NO Plaintext authentication disallowed on non-secure connections.\r\n", "{PLAIN}\r\n", "{PLAIN} BAD Error in IMAP command received by server.\r\n"}},
	{name: "auth-ir-literal", why: "initial response sent as a literal", steps: []string{"a1 AUTHENTICATE PLAIN {24+}\r\n{PLAIN}\r\n", badCmd}},

	// Capture damage.
	{name: "gap-in-password", why: "a lost packet inside the password (capture drop)", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin, "a2 NOOP\r\n", "a2 OK NOOP completed.\r\n"}, damage: Lost, at: "{PW}", skip: 2},
	{name: "gap-in-user", why: "a lost packet inside the user name", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin, "a2 NOOP\r\n", "a2 OK NOOP completed.\r\n"}, damage: Lost, at: "alice", skip: 2},
	{name: "gap-before-crlf", why: "a lost packet holding the end of the LOGIN line", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin, "a2 NOOP\r\n", "a2 OK NOOP completed.\r\n"}, damage: Lost, at: "\r\n"},
	{name: "snap-in-password", why: "snap length cutting the packet inside the password (tcpdump -s 64)", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin, "a2 NOOP\r\n", "a2 OK NOOP completed.\r\n"}, damage: Snapped, at: "{PW}", skip: 3},
	{name: "snap-in-sasl", why: "snap length cutting a SASL response", steps: []string{"a1 AUTHENTICATE PLAIN\r\n", "+ \r\n", "{PLAIN}\r\n", okLogin}, damage: Snapped, at: "{PLAIN}", skip: 14},
	{name: "end-in-password", why: "capture ending inside the password (tcpdump stopped)", steps: []string{"a1 LOGIN alice {PW}\r\n", okLogin}, damage: Ended, at: "{PW}", skip: 5},
	{name: "end-in-unclosed-quote", why: "capture ending inside a quoted user", steps: []string{"a1 LOGIN \"alice\" \"{PW}\"\r\n", okLogin}, damage: Ended, at: "lice"},
	{name: "end-in-ir", why: "capture ending inside an initial response", steps: []string{"a1 AUTHENTICATE PLAIN {PLAIN}\r\n", okLogin}, damage: Ended, at: "{PLAIN}", skip: 15},
}

// CaptureShapes returns the conversations of the crafted capture
// pcaps/secrets/malformed-login.pcap: 8 well-formed and more than 40
// malformed LOGIN and AUTHENTICATE shapes with the server's replies, and
// damaged ones. Each says in Why what real condition it reproduces.
func CaptureShapes() []Shape {
	out := make([]Shape, 0, len(captureShapes))
	for i, r := range captureShapes {
		pw := password(5000 + i)
		subst := strings.NewReplacer("{PW}", pw, "{B64PW}", base64.StdEncoding.EncodeToString([]byte(pw)), "{PLAIN}", PlainResponse(pw))
		sh := Shape{Conv: Conv{Name: r.name, Why: r.why, Password: pw, WellFormed: r.wellFormed}, Damage: r.damage}
		server := false
		for _, s := range r.steps {
			// Steps alternate unless a client step follows a client step.
			sh.Steps = append(sh.Steps, Step{Server: server, Data: subst.Replace(s)})
			server = !server
		}
		if r.damage != Whole {
			at := subst.Replace(r.at)
			sh.At = strings.Index(string(sh.Client()), at) + r.skip
		}
		out = append(out, sh)
	}
	return out
}

// tlsHello is the start of a TLS 1.2 ClientHello record (its header and the
// handshake header), enough for a dissector to see the handshake begin.
const tlsHello = "\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03"

// InjectionShapes returns the conversations of
// pcaps/secrets/starttls-injection.pcap (the CVE-2011-0411 pattern): a man
// in the middle appending a LOGIN to the client's STARTTLS segment, a
// client pipelining after STARTTLS, a server sending plain text after its
// OK, and a clean STARTTLS for contrast. Password is the injected one.
func InjectionShapes() []Shape {
	pw := password(6000)
	ok := "a1 OK Begin TLS negotiation now.\r\n"
	mk := func(name, why string, steps ...Step) Shape {
		return Shape{Conv: Conv{Name: name, Why: why, Steps: steps, Password: pw}}
	}
	return []Shape{
		mk("client-injection", "a man in the middle appends a LOGIN to the client's STARTTLS segment",
			Step{Data: "a1 STARTTLS\r\na2 LOGIN mallory " + pw + "\r\n"}, Step{Server: true, Data: ok},
			Step{Data: tlsHello}, Step{Server: true, Data: "\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03"}),
		mk("client-pipelined", "a client pipelining a command after STARTTLS before the answer",
			Step{Data: "a1 STARTTLS\r\n"}, Step{Data: "a2 CAPABILITY\r\n"}, Step{Server: true, Data: ok},
			Step{Data: tlsHello}, Step{Server: true, Data: "\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03"}),
		mk("server-injection", "plain text after the server's OK, before the handshake (response injection)",
			Step{Data: "a1 STARTTLS\r\n"}, Step{Server: true, Data: ok + "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"},
			Step{Data: tlsHello}),
		mk("clean", "a STARTTLS with nothing before the handshake",
			Step{Data: "a1 STARTTLS\r\n"}, Step{Server: true, Data: ok},
			Step{Data: tlsHello}, Step{Server: true, Data: "\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03"}),
	}
}
