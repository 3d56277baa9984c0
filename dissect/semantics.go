package dissect

import (
	"strconv"
	"strings"
	"time"

	"github.com/imapscope/imapscope/report"
)

// responseData extracts session facts from a data response.
func (s *Session) responseData(kind string, rest []byte, ts time.Time) {
	switch kind {
	case "CAPABILITY":
		s.setCapabilities(rest)
	case "ENABLED":
		for _, w := range words(rest) {
			s.rep.Enabled = appendUnique(s.rep.Enabled, strings.ToUpper(w))
			if strings.EqualFold(w, "IMAP4rev2") {
				s.dialect.rev2 = true
			}
		}
	case "ID":
		if s.rep.ServerID == nil {
			s.rep.ServerID = idParams(rest)
		}
	case "SUPPORTED.VERSIONS":
		s.rep.SupportedVersions = parseVersions(rest)
		s.dialect.imap3 = true
	case "MAILBOX", "BBOARD":
		s.dialect.imap2 = true
	case "READONLY":
		s.rep.Access = "READ-ONLY"
	case "READWRITE":
		s.rep.Access = "READ-WRITE"
	}
}

// applyCode extracts session facts from a response code.
func (s *Session) applyCode(code []byte, ts time.Time) {
	if len(code) == 0 {
		return
	}
	name, rest := cutAtom(code)
	switch {
	case equalFold(name, "CAPABILITY"):
		s.setCapabilities(rest)
	case equalFold(name, "READ-ONLY"):
		s.rep.Access = "READ-ONLY"
	case equalFold(name, "READ-WRITE"):
		s.rep.Access = "READ-WRITE"
	}
}

// setCapabilities replaces the session's capability list.
func (s *Session) setCapabilities(rest []byte) {
	caps := s.opts.Capabilities.capabilities(rest)
	if len(caps) == 0 {
		return
	}
	s.rep.Capabilities = caps
	s.dialect.capabilities(caps)
}

// commandSent acts on a command once the client has sent all of it.
func (s *Session) commandSent(t *txn, ts time.Time) {
	switch t.kind {
	case kLogin:
		if s.red.user != "" && !t.injected {
			s.rep.User = s.red.user
		}
	case kAuthenticate:
		if !t.done && !t.cut {
			s.authTxn = t
		}
	case kIdle:
		s.idleTxn = t
	case kID:
		if s.rep.ClientID == nil {
			s.rep.ClientID = idParams(s.args)
		}
	case kList:
		if strings.HasPrefix(t.t.Command, "FIND") {
			s.dialect.imap2 = true
		}
	}
	if t.kind == kSelect && t.t.Command == "BBOARD" {
		s.dialect.imap2 = true
	}
	if namesMailbox(t.t.Command) {
		t.t.NamedMailbox = s.mailboxArg()
	}
	s.dialect.command(t.t.Command)
}

// mailboxArg is the command's first argument as a mailbox name, or "" when
// it is missing or was a literal too long to keep.
func (s *Session) mailboxArg() string {
	sc := argScanner{p: s.args}
	if k, _, _, ok := sc.next(); !ok || k == tokLiteral {
		return ""
	}
	name, _ := s.firstArg(s.args)
	return name
}

// namesMailbox reports whether command's first argument is a mailbox name
// (RFC 9051 §6.3, §6.3.12 for RENAME's existing name).
func namesMailbox(command string) bool {
	switch command {
	case "SELECT", "EXAMINE", "STATUS", "APPEND", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE":
		return true
	}
	return false
}

// applyCompletion acts on a command's completion.
func (s *Session) applyCompletion(t *txn, status report.Status) {
	if status != "OK" {
		if t.kind == kAuthenticate && t.aborted {
			t.note(noteAborted)
		}
		return
	}
	switch t.kind {
	case kSelect:
		name, _ := s.firstArg(argsOf(t))
		s.dialect.mailbox = name
		s.addMailbox(name)
		if t.t.Command == "EXAMINE" && s.rep.Access == "" {
			s.rep.Access = "READ-ONLY"
		}
		if c := strings.ToUpper(t.t.Code); c == "READ-ONLY" || c == "READ-WRITE" {
			s.rep.Access = c
		}
	case kClose:
		s.dialect.mailbox = ""
	case kStartTLS:
		s.startTLS()
	case kCompress:
		s.startCompress()
	case kEnable:
		for _, w := range words(argsOf(t)) {
			if strings.EqualFold(w, "IMAP4rev2") {
				// Dovecot and others answer ENABLED; trust the OK either way.
				s.dialect.rev2 = true
			}
		}
	case kReadOnly:
		s.rep.Access = "READ-ONLY"
	case kReadWrite:
		s.rep.Access = "READ-WRITE"
	case kSelectVersion:
		s.dialect.selectVersion(argsOf(t))
		s.rep.Version = s.dialect.version
		s.rep.Features = s.dialect.features
	case kSelectFeatures:
		s.dialect.selectFeatures(argsOf(t))
		s.rep.Features = s.dialect.features
	case kSetEOL:
		s.setEOL(argsOf(t))
	case kAuthenticate:
		s.rep.AuthMechanism = t.mech // the mechanism that worked
	}
}

// addMailbox records a selected mailbox name once, with its decoded form.
func (s *Session) addMailbox(name string) {
	for _, m := range s.rep.Mailboxes {
		if m == name {
			return
		}
	}
	if len(s.rep.Mailboxes) >= maxListItems {
		return
	}
	s.rep.Mailboxes = append(s.rep.Mailboxes, name)
	dec := name
	if !s.utf8Names() {
		if d, ok := decodeMUTF7(name); ok {
			dec = d
		}
	}
	if dec != name || s.rep.MailboxesDecoded != nil {
		if s.rep.MailboxesDecoded == nil {
			s.rep.MailboxesDecoded = append([]string(nil), s.rep.Mailboxes[:len(s.rep.Mailboxes)-1]...)
		}
		s.rep.MailboxesDecoded = append(s.rep.MailboxesDecoded, dec)
	}
}

// utf8Names reports whether mailbox names are UTF-8 (UTF8=ACCEPT or IMAP4rev2).
func (s *Session) utf8Names() bool {
	if s.dialect.rev2 {
		return true
	}
	for _, e := range s.rep.Enabled {
		if e == "UTF8=ACCEPT" || e == "UTF8=ONLY" {
			return true
		}
	}
	return false
}

// idParams parses an ID parameter list ("name" "value" ...) or NIL.
func idParams(p []byte) map[string]string {
	w := words(p)
	if len(w) < 2 {
		return nil
	}
	m := make(map[string]string, len(w)/2)
	for i := 0; i+1 < len(w) && len(m) < maxIDParams; i += 2 {
		m[strings.ToLower(w[i])] = w[i+1]
	}
	return m
}

// appendUnique appends v to list unless present.
func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// setEOL follows a successful IMAP3 SET.EOL (RFC 1203 appendix: "CR", "LF"
// or decimal byte values, e.g. "CR 4"). The RFC changes the end of line of
// strings the server sends; literal sizes are declared, so skipping literals
// is unaffected either way. Should a server also end its protocol lines
// with the new sequence, the server's framer accepts its last byte as an end
// of line too: harmless for CRLF lines, which never contain it.
func (s *Session) setEOL(args []byte) {
	var last byte
	for _, w := range words(args) {
		switch {
		case strings.EqualFold(w, "CR"):
			last = '\r'
		case strings.EqualFold(w, "LF"):
			last = '\n'
		default:
			n, err := strconv.Atoi(w)
			if err != nil || n <= 0 || n > 255 {
				return
			}
			last = byte(n)
		}
	}
	if last == '\n' || last == 0 || isAtomChar(last) || last == ' ' {
		s.w[FromServer].setEOL(0) // LF already ends lines; printable bytes never do
		return
	}
	s.w[FromServer].setEOL(last)
}
