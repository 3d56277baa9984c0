package dissect

import (
	"strings"
	"time"

	"github.com/imapscope/imapscope/report"
)

// resultBox holds a command's report.Result and the values its pointer
// fields point to, so that filling a result allocates nothing beyond the
// box itself (boxes come in slabs, see Session.resultOf).
type resultBox struct {
	res report.Result
	v   struct {
		exists, recent, unseen, uidValidity, uidNext, modSeq int64
		messages, hits, min, max, mailboxes, destValidity    int64
		expunged                                             int64
		readOnly                                             bool
	}
	uids     uidSet
	answered bool // drew a response of its own kind (FETCH, SEARCH…)
}

// resultFirstSlab and resultSlab are how many result boxes are allocated
// at once: first (one allocation covers most sessions), then at most.
const (
	resultFirstSlab = 4
	resultSlab      = 16
)

// resultState is the per-session state of result parsing, the mailbox
// view and the conformance checks.
type resultState struct {
	arena *resultArena
	slab  []resultBox
	slabN int

	fetch  fetchScan // the FETCH response in progress
	status *txn      // STATUS response whose items follow a literal name

	view mailboxView

	recent  [recentTags]string // tags of the last commands completed
	recentN int

	noted     uint16 // capability findings already reported (capBit…)
	capsStale bool   // a server gap may have hidden a newer capability list

	validities []validity // UIDVALIDITY of each mailbox selected so far
	valArr     [4]validity
}

// resultArena is the report data this file adds to a session, allocated
// at once on first need: the first result boxes, the mailbox view and room
// for the first finding (every plain-text session has one), so that most
// sessions pay one allocation for all of it.
type resultArena struct {
	boxes [resultFirstSlab]resultBox
	view  struct {
		mv               report.MailboxView
		exists, validity int64
	}
	anomalies [1]report.Anomaly
}

// arena returns the session's result arena, allocating it on first use.
func (s *Session) arena() *resultArena {
	if s.res.arena == nil {
		s.res.arena = &resultArena{}
		s.res.slab = s.res.arena.boxes[:]
	}
	return s.res.arena
}

// finding records an anomaly; the session's first goes into the arena.
func (s *Session) finding(kind report.AnomalyKind, detail, tag string, ts time.Time) {
	if s.rep.Anomalies == nil {
		s.rep.Anomalies = s.arena().anomalies[:0]
	}
	s.anomaly(kind, detail, tag, ts)
}

// resultOf returns t's result box, creating it (and the Result the
// transaction points to) on first use.
func (s *Session) resultOf(t *txn) *resultBox {
	if t.rb != nil {
		return t.rb
	}
	r := &s.res
	if r.arena == nil {
		s.arena()
	}
	if len(r.slab) == 0 {
		r.slabN = min(max(2*r.slabN, 2*resultFirstSlab), resultSlab)
		r.slab = make([]resultBox, r.slabN)
	}
	t.rb = &r.slab[0]
	r.slab = r.slab[1:]
	t.t.Result = &t.rb.res
	return t.rb
}

// setInt makes *field point to slot, holding v.
func setInt(field **int64, slot *int64, v int64) {
	*slot = v
	*field = slot
}

// addInt adds v to the counter *field (backed by slot), creating it.
func addInt(field **int64, slot *int64, v int64) {
	if *field == nil {
		*slot = 0
		*field = slot
	}
	*slot += v
}

// serverData handles a data response (untagged, or IMAP3 tagged) after it
// was attributed to s.srv: num is its leading message number (-1: none),
// rest what follows its keyword on the line.
func (s *Session) serverData(kind string, num int64, rest []byte, lit lineLiteral, ts time.Time) {
	t := s.srv
	switch kind {
	case "FETCH":
		s.res.fetch.start(t, num)
		s.res.fetch.feed(rest, lit)
		return
	case "EXISTS":
		s.viewExists(num, ts)
		if t != nil && t.kind == kSelect && num >= 0 {
			b := s.resultOf(t)
			setInt(&b.res.Exists, &b.v.exists, num)
		}
	case "RECENT":
		if t != nil && t.kind == kSelect && num >= 0 {
			b := s.resultOf(t)
			setInt(&b.res.Recent, &b.v.recent, num)
		}
	case "FLAGS":
		if t != nil && t.kind == kSelect {
			s.resultOf(t).res.Flags = s.opts.Capabilities.list(rest)
		}
	case "EXPUNGE":
		s.checkExpungeDuringFetch(ts)
		s.viewExpunge(num, ts)
		if t != nil {
			b := s.resultOf(t)
			addInt(&b.res.Expunged, &b.v.expunged, 1)
		}
	case "VANISHED":
		s.vanished(t, rest)
	case "SEARCH", "SORT", "ESEARCH":
		if t != nil && t.kind == kSearch {
			b := s.resultOf(t)
			b.answered = true
			if kind == "ESEARCH" {
				b.esearch(rest)
			} else {
				b.search(rest)
			}
		}
	case "LIST", "LSUB", "XLIST", "MAILBOX", "BBOARD":
		if t != nil && t.kind == kList {
			b := s.resultOf(t)
			addInt(&b.res.Mailboxes, &b.v.mailboxes, 1)
		}
	case "STATUS":
		if t != nil && t.kind == kStatus {
			s.statusItems(t, rest, true)
		}
	case "ENABLED":
		if t != nil && t.kind == kEnable {
			b := s.resultOf(t)
			for _, w := range words(rest) {
				b.res.Enabled = appendUnique(b.res.Enabled, strings.ToUpper(w))
			}
		}
	}
}

// serverContinuation reads a line that continues a server message after a
// literal, for the FETCH or STATUS response it belongs to.
func (s *Session) serverContinuation(line []byte, lit lineLiteral) {
	switch {
	case s.res.fetch.on:
		s.res.fetch.feed(line, lit)
	case s.res.status != nil:
		s.statusItems(s.res.status, line, false)
	}
}

// serverMessageEnd finishes the response in progress (its last line ended).
func (s *Session) serverMessageEnd(ts time.Time) {
	if f := &s.res.fetch; f.on {
		f.on = false
		s.fetchDone(f, ts)
	}
	s.res.status = nil
}

// serverMessageCut drops the response a capture gap cut, and forgets what
// the gap may have changed.
func (s *Session) serverMessageCut() {
	s.res.fetch.on = false
	s.res.status = nil
	s.viewLost()
}

// fetchDone applies a finished FETCH response to its command's result and
// to the mailbox view.
func (s *Session) fetchDone(f *fetchScan, ts time.Time) {
	s.viewFetch(f, ts)
	t := f.t
	if t == nil || t.kind != kFetch {
		return
	}
	b := s.resultOf(t)
	b.answered = true
	addInt(&b.res.Messages, &b.v.messages, 1)
	if f.uid > 0 {
		b.uids.add(f.uid)
	}
	b.res.BodyBytes += f.body
}

// search reads "SEARCH n n n" (or SORT), with an optional trailing
// "(MODSEQ n)"; IMAP3 servers may put the numbers in a first list.
func (b *resultBox) search(rest []byte) {
	sc := argScanner{p: rest}
	first := true
	inFirstList := false
	for {
		k, i, j, ok := sc.next()
		if !ok {
			break
		}
		switch {
		case k == tokOpen && first:
			inFirstList = true
		case k == tokOpen:
			return // (MODSEQ n) or other trailing data
		case k == tokClose:
			inFirstList = false
		case k == tokAtom && (sc.depth == 0 || inFirstList):
			if n, ok := parseNum(rest[i:j]); ok {
				b.hit(n, n, 1)
			}
		}
		first = false
	}
	if b.res.Hits == nil {
		setInt(&b.res.Hits, &b.v.hits, 0)
	}
}

// hit records n matches between lo and hi.
func (b *resultBox) hit(lo, hi, n int64) {
	addInt(&b.res.Hits, &b.v.hits, n)
	if b.res.Min == nil || lo < b.v.min {
		setInt(&b.res.Min, &b.v.min, lo)
	}
	if b.res.Max == nil || hi > b.v.max {
		setInt(&b.res.Max, &b.v.max, hi)
	}
}

// esearch reads "ESEARCH [(TAG "x")] [UID] (name value)*" (RFC 4731).
func (b *resultBox) esearch(rest []byte) {
	sc := argScanner{p: rest}
	var count, lo, hi int64 = -1, -1, -1
	var all setStats
	for {
		k, i, j, ok := sc.next()
		if !ok {
			break
		}
		if k != tokAtom || sc.depth != 0 {
			continue
		}
		name := rest[i:j]
		if equalFold(name, "UID") {
			continue // a lone keyword: the results are UIDs
		}
		k2, i2, j2, ok := sc.next()
		if !ok {
			break
		}
		if k2 != tokAtom {
			continue
		}
		v := rest[i2:j2]
		n, isNum := parseNum(v)
		switch {
		case equalFold(name, "COUNT") && isNum:
			count = n
		case equalFold(name, "MIN") && isNum:
			lo = n
		case equalFold(name, "MAX") && isNum:
			hi = n
		case equalFold(name, "ALL"):
			all, _ = parseSet(v)
		}
	}
	if count < 0 && all.n > 0 {
		count = all.n
	}
	if lo < 0 && all.n > 0 {
		lo = all.min
	}
	if hi < 0 && all.n > 0 {
		hi = all.max
	}
	if count >= 0 {
		addInt(&b.res.Hits, &b.v.hits, count)
	}
	if lo >= 0 && (b.res.Min == nil || lo < b.v.min) {
		setInt(&b.res.Min, &b.v.min, lo)
	}
	if hi >= 0 && (b.res.Max == nil || hi > b.v.max) {
		setInt(&b.res.Max, &b.v.max, hi)
	}
}

// statusItems reads "STATUS mailbox (NAME n …)"; named says whether p
// begins with the mailbox name. A name sent as a literal leaves the items
// for the continuation line.
func (s *Session) statusItems(t *txn, p []byte, named bool) {
	sc := argScanner{p: p}
	if named {
		k, _, _, ok := sc.next()
		if !ok {
			return
		}
		if k == tokLiteral {
			s.res.status = t
			return
		}
	}
	s.res.status = nil
	var name []byte
	for {
		k, i, j, ok := sc.next()
		if !ok {
			return
		}
		if k != tokAtom || sc.depth != 1 {
			name = nil
			continue
		}
		if name == nil {
			name = p[i:j]
			continue
		}
		if n, ok := parseNum(p[i:j]); ok {
			b := s.resultOf(t)
			if b.res.Status == nil {
				b.res.Status = make(map[string]int64, 4)
			}
			if len(b.res.Status) < maxListItems {
				b.res.Status[statusItemName(name)] = n
			}
		}
		name = nil
	}
}

// statusItems names the usual STATUS items without allocating.
var statusItemNames = []string{"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
	"DELETED", "SIZE", "HIGHESTMODSEQ", "APPENDLIMIT", "DELETED-STORAGE"}

// statusItemName returns the upper-case name of a STATUS item.
func statusItemName(p []byte) string {
	for _, n := range statusItemNames {
		if equalFold(p, n) {
			return n
		}
	}
	return upperASCII(p)
}

// vanished handles "VANISHED [(EARLIER)] uid-set" (RFC 7162 §3.2.10).
func (s *Session) vanished(t *txn, rest []byte) {
	earlier := false
	if len(rest) > 0 && rest[0] == '(' {
		end := 0
		for end < len(rest) && rest[end] != ')' {
			end++
		}
		earlier = containsFold(rest[:end], "EARLIER")
		rest = rest[min(end+1, len(rest)):]
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
	}
	set, _ := cutWord(rest)
	st, ok := parseSet(set)
	if !ok {
		return
	}
	if !earlier {
		s.viewVanished(st.n)
	}
	if t != nil {
		b := s.resultOf(t)
		addInt(&b.res.Expunged, &b.v.expunged, st.n)
	}
}

// resultCode applies a response code: t is the command a tagged
// completion ends, nil for an untagged status response.
func (s *Session) resultCode(t *txn, code []byte, ts time.Time) {
	if len(code) == 0 {
		return
	}
	name, rest := cutAtom(code)
	sel := t
	if sel == nil {
		sel = s.pendingKind(kSelect)
	}
	if sel != nil && sel.kind != kSelect {
		sel = nil
	}
	num, isNum := parseNum(firstWord(rest))
	switch {
	case equalFold(name, "UIDVALIDITY") && isNum:
		s.viewValidity(num)
		if sel != nil {
			b := s.resultOf(sel)
			setInt(&b.res.UIDValidity, &b.v.uidValidity, num)
		}
	case equalFold(name, "UIDNEXT") && isNum && sel != nil:
		b := s.resultOf(sel)
		setInt(&b.res.UIDNext, &b.v.uidNext, num)
	case equalFold(name, "UNSEEN") && isNum && sel != nil:
		b := s.resultOf(sel)
		setInt(&b.res.Unseen, &b.v.unseen, num)
	case equalFold(name, "HIGHESTMODSEQ") && isNum:
		s.viewModSeq(num)
		if sel != nil {
			b := s.resultOf(sel)
			setInt(&b.res.HighestModSeq, &b.v.modSeq, num)
		}
	case equalFold(name, "PERMANENTFLAGS") && sel != nil:
		s.resultOf(sel).res.PermanentFlags = s.opts.Capabilities.list(rest)
	case (equalFold(name, "READ-ONLY") || equalFold(name, "READ-WRITE")) && t != nil && t.kind == kSelect:
		b := s.resultOf(t)
		b.v.readOnly = equalFold(name, "READ-ONLY")
		b.res.ReadOnly = &b.v.readOnly
	case equalFold(name, "APPENDUID"), equalFold(name, "COPYUID"):
		if t == nil {
			t = s.pendingKind(kExpunge) // MOVE sends COPYUID untagged (RFC 6851)
		}
		if t != nil {
			s.uidplus(t, equalFold(name, "COPYUID"), rest)
		}
	}
}

// uidplus reads "APPENDUID v uids" or "COPYUID v source-uids dest-uids".
func (s *Session) uidplus(t *txn, copyUID bool, p []byte) {
	v, p := cutWord(p)
	n, ok := parseNum(v)
	if !ok {
		return
	}
	b := s.resultOf(t)
	setInt(&b.res.DestUIDValidity, &b.v.destValidity, n)
	if copyUID {
		var src []byte
		src, p = cutWord(p)
		b.res.SourceUIDs = s.strs.str(boundSet(src))
	}
	dst, _ := cutWord(p)
	b.res.DestUIDs = s.strs.str(boundSet(dst))
}

// boundSet caps a UID set copied into the report.
func boundSet(p []byte) []byte {
	if len(p) > maxText {
		return p[:maxText]
	}
	return p
}

// firstWord returns p up to its first space.
func firstWord(p []byte) []byte {
	w, _ := cutWord(p)
	return w
}

// pendingKind returns the most recent pending command of kind k.
func (s *Session) pendingKind(k cmdKind) *txn {
	for i := len(s.order) - 1; i >= 0; i-- {
		if s.order[i].kind == k {
			return s.order[i]
		}
	}
	return nil
}

// finishResult completes t's result when t is emitted (its UID set
// rendered), and runs the checks that need its completion.
func (s *Session) finishResult(t *txn) {
	if b := t.rb; b != nil && len(b.uids.r) > 0 {
		var buf [256]byte
		b.res.UIDs = s.strs.str(b.uids.appendTo(buf[:0]))
	}
	s.commandDone(t)
}
