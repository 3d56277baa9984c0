package dissect

import (
	"github.com/imapscope/imapscope/report"

	"strconv"
	"strings"
	"time"
)

// Conformance findings: where a peer broke a rule the RFCs put on the
// conversation. Each check judges only what the capture shows; when what
// it needs is unknown (capabilities never seen, a count lost in a gap) it
// says nothing. docs/conformance.md lists the kinds with their RFC
// sections.

// conformTxn is a command's part of the conformance state.
type conformTxn struct {
	// beforeSelect is the SELECT that was sent while this command was
	// pending; lateSelect is set when that SELECT completed first.
	beforeSelect *txn
	lateSelect   bool
	expungeNoted bool // expunge_during_fetch reported for this command
	rangeNoted   bool // message_number_out_of_range reported for this command
}

// recentTags is how many completed tags are remembered to tell IMAP3
// solicited data after its completion from data for an unknown tag.
const recentTags = 16

// Capability findings are reported once per session each.
const (
	capBitLiteralPlus uint16 = 1 << iota
	capBitIdle
	capBitCompress
	capBitSASLIR
)

// conformCommand checks a command the client has sent in full.
func (s *Session) conformCommand(t *txn, ts time.Time) {
	switch t.kind {
	case kLogin:
		s.cleartextLogin(t, cleartextLOGIN, ts)
		if s.capsKnown() && s.hasCap("LOGINDISABLED") {
			s.finding(report.AnomalyLoginWhenDisabled, "LOGIN although the server announced LOGINDISABLED (RFC 3501 §6.2.3, §7.2.1)", t.t.Tag, ts)
		}
	case kAuthenticate:
		if t.saslInitial {
			s.needCap(t, capBitSASLIR, "SASL-IR", "an initial response on AUTHENTICATE (SASL-IR, RFC 4959 §3)", ts, "SASL-IR", "IMAP4rev2")
		}
	case kIdle:
		s.needCap(t, capBitIdle, "IDLE", "IDLE (RFC 2177 §3)", ts, "IDLE", "IMAP4rev2")
	case kCompress:
		s.needCap(t, capBitCompress, "COMPRESS", "COMPRESS (RFC 4978 §3)", ts, "COMPRESS=DEFLATE")
	case kSelect:
		if t.t.Command != "BBOARD" {
			s.selectSent(t)
		}
	}
}

// The details of cleartext_login, whole so that reporting one does not
// allocate (every plain-text session has one).
const (
	cleartextTail      = " sent on a connection without TLS: the password crossed the network in clear (RFC 3501 §6.2.3, RFC 9051 §11.1)"
	cleartextLOGIN     = "LOGIN" + cleartextTail
	cleartextAuthPlain = "AUTHENTICATE PLAIN" + cleartextTail
	cleartextAuthLogin = "AUTHENTICATE LOGIN" + cleartextTail
)

// cleartextLogin reports credentials sent on a connection without TLS.
func (s *Session) cleartextLogin(t *txn, detail string, ts time.Time) {
	if s.rep.TLS {
		return
	}
	s.finding(report.AnomalyCleartextLogin, detail, t.t.Tag, ts)
}

// nonSyncLiteral checks a {n+} literal the client sent (LITERAL+,
// RFC 7888 §3; LITERAL- and IMAP4rev2 allow it up to 4096 bytes).
func (s *Session) nonSyncLiteral(t *txn, size int64, ts time.Time) {
	if t == nil || !s.capsKnown() || s.hasCap("LITERAL+") {
		return
	}
	if size <= literalMinusMax && (s.hasCap("LITERAL-") || s.hasCap("IMAP4rev2")) {
		return
	}
	s.needCap(t, capBitLiteralPlus, "LITERAL+", "a non-synchronizing literal {"+strconv.FormatInt(size, 10)+"+} (RFC 7888 §3)", ts)
}

// literalMinusMax is the largest non-synchronizing literal LITERAL-
// allows (RFC 7888 §4).
const literalMinusMax = 4096

// needCap reports the use of something the server never announced, once
// per session: ok lists the capabilities any one of which allows it.
func (s *Session) needCap(t *txn, bit uint16, name, what string, ts time.Time, ok ...string) {
	if s.res.noted&bit != 0 || !s.capsKnown() {
		return
	}
	for _, c := range ok {
		if s.hasCap(c) {
			return
		}
	}
	s.res.noted |= bit
	s.finding(report.AnomalyCapabilityNotAdvertised, "client used "+what+" but the server's capabilities do not include "+name+" (RFC 3501 §7.2.1)", t.t.Tag, ts)
}

// capsKnown reports whether the server's capabilities were seen on this
// connection and nothing since could have hidden a newer list.
func (s *Session) capsKnown() bool {
	return len(s.rep.Capabilities) > 0 && !s.res.capsStale
}

// hasCap reports whether the capability list in force names c.
func (s *Session) hasCap(c string) bool {
	for _, x := range s.rep.Capabilities {
		if strings.EqualFold(x, c) {
			return true
		}
	}
	return false
}

// selectSent notes a SELECT/EXAMINE: the commands still pending must
// complete before it does (RFC 1203 §3), and the view starts over.
func (s *Session) selectSent(t *txn) {
	for _, o := range s.order {
		if o != t && dependsOnMailbox(o) {
			o.cf.beforeSelect = t
		}
	}
	s.viewSelectSent(t)
}

// dependsOnMailbox reports whether t's answer is about the selected mailbox.
func dependsOnMailbox(t *txn) bool {
	switch t.kind {
	case kFetch, kSearch, kExpunge, kClose, kSelect, kFlags:
		return true
	}
	switch t.t.Command {
	case "CHECK", "COPY", "UID COPY", "NOOP":
		return true
	}
	return false
}

// commandDone runs when t is emitted (completed, or given up).
func (s *Session) commandDone(t *txn) {
	if t.kind == kAuthenticate && (t.mech == "PLAIN" || t.mech == "LOGIN") && t.saslStep > 0 {
		// Judged at the end: only a response actually sent (not an abort)
		// carries credentials.
		what := cleartextAuthPlain
		if t.mech == "LOGIN" {
			what = cleartextAuthLogin
		}
		s.cleartextLogin(t, what, t.t.Start.Time)
	}
	st := t.t.Status
	if st == "" && t.t.Note == "" {
		return // never completed: nothing was said
	}
	if st != "" {
		r := &s.res
		r.recent[r.recentN%recentTags] = t.t.Tag
		r.recentN++
	}
	ts := t.t.End.Time
	if t.cf.lateSelect && st != "" {
		s.finding(report.AnomalyCompletionAfterSelect, t.t.Command+" "+t.t.Tag+" was sent before SELECT "+t.cf.beforeSelect.t.Tag+
			" but completed after it; the server must finish every command for the old mailbox first (RFC 1203 §3)", t.t.Tag, ts)
	}
	switch t.kind {
	case kSelect:
		if st == "" || t.t.Command == "BBOARD" {
			return
		}
		for _, o := range s.order {
			if o.cf.beforeSelect == t {
				o.cf.lateSelect = true
			}
		}
		s.viewSelectDone(t, st, ts)
	case kClose:
		if st == "OK" {
			s.viewClosed()
		}
	}
}

// recentlyCompleted reports whether tag belongs to a recently completed command.
func (s *Session) recentlyCompleted(tag []byte) bool {
	r := &s.res
	for i := 0; i < min(r.recentN, recentTags); i++ {
		if r.recent[i] == string(tag) {
			return true
		}
	}
	return false
}

// solicitedAfterCompletion reports IMAP3 tagged data for a tag whose
// command already completed (RFC 1203 §3: solicited data comes within the
// extent of the request and its completion).
func (s *Session) solicitedAfterCompletion(tag []byte, kind string, ts time.Time) {
	s.finding(report.AnomalySolicitedAfterCompletion, "tagged "+kind+" data for "+string(tag)+" after its completion (RFC 1203 §3)", string(tag), ts)
}

// checkExpungeDuringFetch reports an EXPUNGE sent while the server was
// answering a FETCH, STORE or SEARCH without UID (RFC 3501 §7.4.1).
func (s *Session) checkExpungeDuringFetch(ts time.Time) {
	for _, o := range s.order {
		switch o.t.Command {
		case "FETCH", "STORE", "SEARCH":
		default:
			continue
		}
		// Only once the server has begun answering: before that, it may
		// not yet have read the command (it is not "in progress").
		if o.rb == nil || !o.rb.answered || o.cf.expungeNoted {
			continue
		}
		o.cf.expungeNoted = true
		s.finding(report.AnomalyExpungeDuringFetch, "EXPUNGE sent while answering "+o.t.Command+" "+o.t.Tag+
			" (RFC 3501 §7.4.1: only the UID forms allow it)", o.t.Tag, ts)
	}
}

// outOfRange reports a response naming a message number beyond the count.
func (s *Session) outOfRange(what string, n int64, ts time.Time) {
	t := s.srv
	if t != nil {
		if t.cf.rangeNoted {
			return
		}
		t.cf.rangeNoted = true
	}
	tag := ""
	if t != nil {
		tag = t.t.Tag
	}
	s.finding(report.AnomalyMessageNumberOutOfRange, what+" for message "+strconv.FormatInt(n, 10)+" of a mailbox of "+
		strconv.FormatInt(s.res.view.count, 10)+" (RFC 3501 §2.3.1.2)", tag, ts)
}

// uidNotAscending reports a UID out of order with the message numbers.
func (s *Session) uidNotAscending(f *fetchScan, v *mailboxView, ts time.Time) {
	tag := ""
	if f.t != nil {
		tag = f.t.t.Tag
	}
	s.finding(report.AnomalyUIDNotAscending, "message "+strconv.FormatInt(f.seq, 10)+" has UID "+strconv.FormatInt(f.uid, 10)+
		", out of order with UID "+strconv.FormatInt(v.anchorUID, 10)+" seen before (RFC 3501 §2.3.1.1: UIDs ascend with message numbers)", tag, ts)
}

// maxValidities bounds the mailboxes whose UIDVALIDITY is remembered.
const maxValidities = 64

// checkValidity compares the UIDVALIDITY of a mailbox just selected with
// the one it had when selected before in this session.
func (s *Session) checkValidity(t *txn, name string, v int64, ts time.Time) {
	for i, x := range s.res.validities {
		if sameMailboxName(x.name, name) {
			if x.v != v {
				s.finding(report.AnomalyUIDValidityChanged, "UIDVALIDITY of "+name+" changed from "+strconv.FormatInt(x.v, 10)+" to "+
					strconv.FormatInt(v, 10)+" between two selections (RFC 3501 §2.3.1.1)", t.t.Tag, ts)
				s.res.validities[i].v = v
			}
			return
		}
	}
	if s.res.validities == nil {
		s.res.validities = s.res.valArr[:0]
	}
	if len(s.res.validities) < maxValidities {
		s.res.validities = append(s.res.validities, validity{name, v})
	}
}

// sameMailboxName compares mailbox names; INBOX is case-insensitive.
func sameMailboxName(a, b string) bool {
	return a == b || (strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX"))
}
