package dissect

import (
	"strings"

	"github.com/imapscope/imapscope/report"
)

// dialectState accumulates what a session shows about its protocol version,
// including IMAP3 (RFC 1203) negotiation, and the current mailbox.
type dialectState struct {
	mailbox string

	imap3           bool // SUPPORTED.VERSIONS or SELECT.VERSION seen
	version         string
	features        []string
	featuresOff     []string
	taggedSolicited bool // TAGGED.SOLICITED in force
	taggedSeen      bool
	warnedTagged    bool

	rev2       bool // IMAP4rev2 enabled
	capRev1    bool
	capRev2    bool
	capIMAP4   bool
	capIMAP2b  bool
	greetHint  string // dialect named by the greeting text
	imap2      bool   // IMAP2-only commands or responses seen
	imap4Cmds  bool   // IMAP4-only commands seen
	anyCommand bool
}

// imap4Only lists commands that exist only from IMAP4 on.
var imap4Only = map[string]bool{
	"CAPABILITY": true, "AUTHENTICATE": true, "LIST": true, "LSUB": true, "STATUS": true,
	"APPEND": true, "CREATE": true, "DELETE": true, "RENAME": true, "SUBSCRIBE": true,
	"UNSUBSCRIBE": true, "EXAMINE": true, "STARTTLS": true, "IDLE": true, "ENABLE": true,
	"UID FETCH": true, "UID STORE": true, "UID SEARCH": true, "UID COPY": true,
	"NAMESPACE": true, "ID": true, "UNSELECT": true, "MOVE": true, "UID MOVE": true,
}

// command notes a command name the client used.
func (d *dialectState) command(c string) {
	d.anyCommand = true
	if imap4Only[c] {
		d.imap4Cmds = true
	}
	switch c {
	case "SUPPORTED.VERSIONS", "SELECT.VERSION", "SELECT.FEATURES":
		d.imap3 = true
	case "FIND MAILBOXES", "FIND BBOARDS", "FIND ALL.MAILBOXES", "FIND ALL.BBOARDS", "BBOARD":
		d.imap2 = true
	}
}

// greeting looks for a protocol name in the greeting text.
func (d *dialectState) greeting(text []byte) {
	for _, h := range greetingHints {
		if containsFold(text, h.word) {
			d.greetHint = h.dialect
			return
		}
	}
}

// greetingHints are words a greeting may name its protocol with, most
// specific first.
var greetingHints = []struct{ word, dialect string }{
	{"IMAP4REV2", "IMAP4rev2"}, {"IMAP4REV1", "IMAP4rev1"}, {"IMAP4", "IMAP4"},
	{"IMAP3", "IMAP3"}, {"PROTOCOL III", "IMAP3"}, {"IMAP III", "IMAP3"},
	{"IMAP2BIS", "IMAP2bis"}, {"IMAP2", "IMAP2"},
}

// containsFold reports whether p contains the upper-case ASCII word w,
// ignoring case.
func containsFold(p []byte, w string) bool {
	for i := 0; i+len(w) <= len(p); i++ {
		if equalFold(p[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// capabilities notes a capability list.
func (d *dialectState) capabilities(caps []string) {
	for _, c := range caps {
		if c == "" || c[0] != 'I' && c[0] != 'i' {
			continue // each name below starts with I (no other rune folds to it)
		}
		switch {
		case strings.EqualFold(c, "IMAP4rev1"):
			d.capRev1 = true
		case strings.EqualFold(c, "IMAP4rev2"):
			d.capRev2 = true
		case strings.EqualFold(c, "IMAP4"):
			d.capIMAP4 = true
		case strings.EqualFold(c, "IMAP2"), strings.EqualFold(c, "IMAP2bis"):
			d.capIMAP2b = true
		}
	}
}

// selectVersion applies a successful SELECT.VERSION (major minor).
func (d *dialectState) selectVersion(args []byte) {
	w := words(args)
	if len(w) >= 2 {
		d.version = w[0] + "." + w[1]
	} else if len(w) == 1 {
		d.version = w[0]
	}
	if strings.HasPrefix(d.version, "3") {
		// RFC 1203 appendix: TAGGED.SOLICITED is on by default in IMAP3
		// mode and off in IMAP2 mode.
		d.imap3 = true
		if !d.featureOff("TAGGED.SOLICITED") {
			d.features = appendUnique(d.features, "TAGGED.SOLICITED")
		}
	}
	d.taggedSolicited = d.featureOn("TAGGED.SOLICITED")
}

// selectFeatures applies a successful SELECT.FEATURES; a "~" prefix turns
// a feature off.
func (d *dialectState) selectFeatures(args []byte) {
	for _, w := range words(args) {
		name := strings.ToUpper(w)
		off := strings.HasPrefix(name, "~")
		name = strings.TrimPrefix(name, "~")
		if off {
			d.features = removeString(d.features, name)
			d.featuresOff = appendUnique(d.featuresOff, name)
		} else {
			d.features = appendUnique(d.features, name)
			d.featuresOff = removeString(d.featuresOff, name)
		}
		if name == "TAGGED.SOLICITED" {
			d.taggedSolicited = !off
		}
	}
	if d.features == nil {
		d.features = []string{}
	}
}

// featureOn reports whether SELECT.FEATURES turned name on.
func (d *dialectState) featureOn(name string) bool {
	for _, f := range d.features {
		if f == name {
			return true
		}
	}
	return false
}

// featureOff reports whether SELECT.FEATURES turned name off ("~name").
func (d *dialectState) featureOff(name string) bool {
	for _, f := range d.featuresOff {
		if f == name {
			return true
		}
	}
	return false
}

// removeString returns list without v.
func removeString(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// finishDialect decides the session's dialect from everything it showed.
func (s *Session) finishDialect() {
	d := &s.dialect
	var v string
	switch {
	case d.rev2:
		v = "IMAP4rev2"
	case d.imap3 || d.taggedSeen:
		v = "IMAP3"
	case d.capRev1:
		v = "IMAP4rev1"
	case d.capRev2:
		v = "IMAP4rev2"
	case d.capIMAP4:
		v = "IMAP4"
	case d.capIMAP2b:
		v = "IMAP2bis"
	case d.greetHint == "IMAP3":
		v = "IMAP3"
	case d.imap2:
		v = "IMAP2"
	case d.greetHint != "":
		v = d.greetHint
	case d.imap4Cmds:
		v = "IMAP4rev1"
	case s.imapSeen && d.anyCommand:
		v = "IMAP2"
	default:
		v = "unknown"
	}
	if s.rep.NotIMAP != "" || (s.rep.TLS && !s.imapSeen) {
		v = "unknown"
	}
	s.rep.Dialect = v
}

// parseVersions parses "((2 0) (3 0 FEATURE ...))".
func parseVersions(p []byte) []report.ProtocolVersion {
	var out []report.ProtocolVersion
	sc := argScanner{p: p}
	var cur []string
	for len(out) < maxListItems {
		k, a, b, ok := sc.next()
		if !ok {
			break
		}
		switch k {
		case tokOpen:
			if sc.depth == 2 {
				cur = cur[:0]
			}
		case tokClose:
			if sc.depth == 1 && len(cur) > 0 {
				pv := report.ProtocolVersion{Version: cur[0]}
				rest := cur[1:]
				if len(rest) > 0 && isNumber([]byte(rest[0])) {
					pv.Version += "." + rest[0]
					rest = rest[1:]
				}
				if len(rest) > 0 {
					pv.Features = append([]string(nil), rest...)
				}
				out = append(out, pv)
				cur = cur[:0]
			}
		default:
			if sc.depth >= 2 {
				cur = append(cur, strings.ToUpper(stringArg(p, k, a, b)))
			}
		}
	}
	return out
}
