package dissect

import (
	"strconv"
	"time"

	"github.com/imapscope/imapscope/report"
)

// mailboxView is the selected mailbox as a client following the session
// would keep it (RFC 3501 §5.2, §7.3.1, §7.4.1; RFC 7162 §3.2.10): the
// message count, UIDVALIDITY, the highest UID and mod-sequence seen, and
// enough of the UID order to tell a UID out of place.
type mailboxView struct {
	name     string
	selected bool // a SELECT/EXAMINE succeeded and no CLOSE followed
	opening  *txn // SELECT/EXAMINE sent, not yet completed
	// ready: the opening SELECT's EXISTS arrived, so FETCH responses are
	// about the new mailbox (before it they may still be about the old).
	ready bool
	used  bool // any SELECT was ever sent

	count      int64
	countKnown bool // count follows an EXISTS with nothing lost since

	validity    int64
	hasValidity bool
	highestUID  int64
	modseq      int64

	// anchorUID is the highest UID seen, and anchorPos locates its message:
	// 2×its number, or an odd value between two numbers once that message
	// was expunged (messages below it have lower UIDs, above it higher,
	// RFC 3501 §2.3.1.1). 0: not known.
	anchorUID int64
	anchorPos int64
}

// validity remembers the UIDVALIDITY a mailbox had when selected.
type validity struct {
	name string
	v    int64
}

// viewSelectSent starts opening a mailbox (SELECT, EXAMINE sent).
func (s *Session) viewSelectSent(t *txn) {
	v := &s.res.view
	*v = mailboxView{opening: t, used: true, highestUID: 0}
}

// viewSelectDone ends the opening SELECT t with status.
func (s *Session) viewSelectDone(t *txn, status report.Status, ts time.Time) {
	v := &s.res.view
	if v.opening != t {
		return
	}
	v.opening = nil
	v.ready = true
	if status != "OK" {
		v.selected = false // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected
		return
	}
	name, _ := s.firstArg(argsOf(t))
	v.name = name
	v.selected = true
	if v.hasValidity {
		s.checkValidity(t, name, v.validity, ts)
	}
}

// viewClosed ends the selection (CLOSE, UNSELECT completed).
func (s *Session) viewClosed() {
	s.res.view.selected = false
	s.res.view.countKnown = false
	s.res.view.anchorPos = 0
}

// viewExists applies "n EXISTS".
func (s *Session) viewExists(n int64, ts time.Time) {
	if n < 0 {
		return
	}
	v := &s.res.view
	if v.countKnown && n < v.count && v.opening == nil {
		tag := ""
		if s.srv != nil {
			tag = s.srv.t.Tag
		}
		s.finding(report.AnomalyExistsDecreased, "EXISTS "+strconv.FormatInt(n, 10)+" below the "+strconv.FormatInt(v.count, 10)+
			" messages known, without EXPUNGE (RFC 3501 §5.2, §7.3.1)", tag, ts)
		v.anchorPos = 0 // the numbering is no longer trustworthy
	}
	v.count = n
	v.countKnown = true
	if v.opening != nil {
		v.ready = true
	}
}

// viewExpunge applies "n EXPUNGE".
func (s *Session) viewExpunge(n int64, ts time.Time) {
	v := &s.res.view
	if n < 0 || !v.ready {
		return
	}
	if v.countKnown {
		if n == 0 || n > v.count {
			s.outOfRange("EXPUNGE", n, ts)
			v.countKnown = false
			v.anchorPos = 0
			return
		}
		v.count--
	}
	switch p := 2 * n; {
	case v.anchorPos == 0:
	case p < v.anchorPos:
		v.anchorPos -= 2
	case p == v.anchorPos:
		v.anchorPos-- // the anchor message itself: now between n-1 and n
	}
}

// viewVanished applies "VANISHED uid-set" (without EARLIER), which removes
// n messages whose numbers are not given.
func (s *Session) viewVanished(n int64) {
	v := &s.res.view
	if !v.ready {
		return
	}
	if v.countKnown {
		if n > v.count {
			v.countKnown = false
		} else {
			v.count -= n
		}
	}
	v.anchorPos = 0
}

// viewValidity applies a UIDVALIDITY response code.
func (s *Session) viewValidity(n int64) {
	v := &s.res.view
	if v.opening == nil && v.hasValidity && v.validity != n {
		// A change inside a selection restarts the UID space.
		v.highestUID, v.anchorUID, v.anchorPos = 0, 0, 0
	}
	v.validity = n
	v.hasValidity = true
}

// viewModSeq applies a mod-sequence (HIGHESTMODSEQ or FETCH MODSEQ).
func (s *Session) viewModSeq(n int64) {
	if n > s.res.view.modseq {
		s.res.view.modseq = n
	}
}

// viewFetch applies a finished FETCH response.
func (s *Session) viewFetch(f *fetchScan, ts time.Time) {
	v := &s.res.view
	if !v.ready || f.seq < 0 {
		return
	}
	if v.countKnown && (f.seq == 0 || f.seq > v.count) {
		s.outOfRange("FETCH", f.seq, ts)
		return
	}
	if f.modseq > 0 {
		s.viewModSeq(f.modseq)
	}
	u := f.uid
	if u <= 0 {
		return
	}
	p := 2 * f.seq
	if v.anchorPos != 0 && ((p > v.anchorPos && u <= v.anchorUID) || (p < v.anchorPos && u >= v.anchorUID)) {
		s.uidNotAscending(f, v, ts)
		v.anchorPos = 0
		return
	}
	if u > v.highestUID {
		v.highestUID = u
	}
	if u >= v.anchorUID {
		v.anchorUID, v.anchorPos = u, p
	}
}

// viewLost forgets what a capture gap in the server's stream may have
// changed: the count and the UID order (the highest values stay).
func (s *Session) viewLost() {
	v := &s.res.view
	v.countKnown = false
	v.anchorPos = 0
	s.res.capsStale = true
}

// viewReport puts the mailbox view into the session report.
func (s *Session) viewReport() {
	v := &s.res.view
	if !v.used || (v.name == "" && !v.selected) {
		return
	}
	box := &s.arena().view
	box.mv = report.MailboxView{Mailbox: v.name, Selected: v.selected, HighestUID: v.highestUID, HighestModSeq: v.modseq}
	if v.countKnown {
		box.exists = v.count
		box.mv.Exists = &box.exists
	}
	if v.hasValidity {
		box.validity = v.validity
		box.mv.UIDValidity = &box.validity
	}
	s.rep.MailboxView = &box.mv
}
