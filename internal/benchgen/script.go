package benchgen

import (
	"math/rand/v2"
	"strconv"
)

// stepKind names one message of the IMAP conversation.
type stepKind uint8

const (
	stGreeting stepKind = iota
	stCapability
	stCapabilityResp
	stLogin
	stLoginResp
	stSelect
	stSelectResp
	stFetch
	stFetchResp
	stUIDFetch
	stUIDFetchResp
	stAppend
	stAppendCont
	stAppendBody
	stAppendResp
	stSearch
	stSearchResp
	stStore
	stStoreResp
	stIdle
	stIdling
	stIdleExists
	stDone
	stIdleResp
	stLogout
	stLogoutResp
)

// commandKinds lists the tagged command names counted in Summary, in
// conversation order.
var commandKinds = []string{"CAPABILITY", "LOGIN", "SELECT", "FETCH", "UID FETCH", "APPEND", "SEARCH", "STORE", "IDLE", "LOGOUT"}

// commandOf maps a client command step to its kind name ("" for other steps).
var commandOf = [...]string{
	stCapability: "CAPABILITY", stLogin: "LOGIN", stSelect: "SELECT", stFetch: "FETCH",
	stUIDFetch: "UID FETCH", stAppend: "APPEND", stSearch: "SEARCH", stStore: "STORE",
	stIdle: "IDLE", stLogout: "LOGOUT",
}

// dir is a sending side.
type dir uint8

const (
	client dir = 0
	server dir = 1
)

// step is one message of a session's script.
type step struct {
	kind stepKind
	dir  dir
	tag  int // tag number of the command this step belongs to
	arg  int // message sequence number or literal size, by kind
	uid  int
}

// convo holds the per-session conversation parameters.
type convo struct {
	tagPrefix   string
	tagWidth    int
	user        person
	exists      int
	uidValidity int
	uidNext     int
	steps       []step
	// shape and commands are Options.Shape and Options.Commands.
	shape    string
	commands int
}

var tagPrefixes = []string{"A", "A", "A", "a", "C", "tag", "x"}

const capabilities = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN"
const capabilitiesAuth = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY LITERAL+ NOTIFY SPECIAL-USE"

// build draws the session's conversation into c.steps and counts its
// commands and literals into sum.
func (c *convo) build(r *rand.Rand, sum *Summary) {
	c.tagPrefix = tagPrefixes[r.IntN(len(tagPrefixes))]
	c.tagWidth = 3 + r.IntN(2)
	c.user = randPerson(r)
	c.exists = 50 + r.IntN(3000)
	c.uidValidity = 1700000000 + r.IntN(5000000)
	c.uidNext = c.exists + 1 + r.IntN(5000)
	c.steps = c.steps[:0]
	if c.buildShaped(r, sum) {
		return
	}
	tag := 0
	add := func(k stepKind, d dir, arg, uid int) {
		c.steps = append(c.steps, step{kind: k, dir: d, tag: tag, arg: arg, uid: uid})
		if d == client && int(k) < len(commandOf) && commandOf[k] != "" {
			sum.Commands++
			sum.CommandsByKind[commandOf[k]]++
		}
	}
	cmd := func(k, resp stepKind) {
		tag++
		add(k, client, 0, 0)
		add(resp, server, 0, 0)
	}
	add(stGreeting, server, 0, 0)
	cmd(stCapability, stCapabilityResp)
	cmd(stLogin, stLoginResp)
	cmd(stSelect, stSelectResp)
	cmd(stFetch, stFetchResp)
	for range 2 + r.IntN(5) {
		tag++
		seq := 1 + r.IntN(c.exists)
		uid := seq + (c.uidNext-c.exists-1)/2
		size := bodySize(r)
		add(stUIDFetch, client, seq, uid)
		add(stUIDFetchResp, server, seq, uid)
		c.steps[len(c.steps)-1].arg = seq<<20 | size
		sum.Literals++
		sum.LiteralBytes += int64(size)
	}
	tag++
	size := bodySize(r)
	add(stAppend, client, size, 0)
	add(stAppendCont, server, 0, 0)
	add(stAppendBody, client, size, 0)
	add(stAppendResp, server, 0, 0)
	sum.Literals++
	sum.LiteralBytes += int64(size)
	cmd(stSearch, stSearchResp)
	tag++
	seq := 1 + r.IntN(c.exists)
	add(stStore, client, seq, 0)
	add(stStoreResp, server, seq, 0)
	tag++
	add(stIdle, client, 0, 0)
	add(stIdling, server, 0, 0)
	add(stIdleExists, server, 0, 0)
	add(stDone, client, 0, 0)
	add(stIdleResp, server, 0, 0)
	cmd(stLogout, stLogoutResp)
}

// appendTag appends the tag of command n.
func (c *convo) appendTag(b []byte, n int) []byte {
	b = append(b, c.tagPrefix...)
	var d [12]byte
	v := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(v); i < c.tagWidth; i++ {
		b = append(b, '0')
	}
	return append(b, v...)
}

// render appends the bytes of st to b.
func (c *convo) render(b []byte, r *rand.Rand, st step) []byte {
	tagged := func(b []byte, text string) []byte {
		b = c.appendTag(b, st.tag)
		b = append(b, ' ')
		b = append(b, text...)
		return append(b, '\r', '\n')
	}
	switch st.kind {
	case stGreeting:
		b = append(b, "* OK [CAPABILITY "+capabilities+"] Dovecot ready.\r\n"...)
	case stCapability:
		b = tagged(b, "CAPABILITY")
	case stCapabilityResp:
		b = append(b, "* CAPABILITY "+capabilities+"\r\n"...)
		b = tagged(b, "OK Pre-login capabilities listed, post-login capabilities have more.")
	case stLogin:
		b = c.appendTag(b, st.tag)
		b = append(b, " LOGIN \""...)
		b = appendAddr(b, c.user.first, c.user.last, c.user.dom)
		b = append(b, "\" \"S3cr\\\"et-"...)
		b = strconv.AppendUint(b, r.Uint64()>>24, 36)
		b = append(b, "\"\r\n"...)
	case stLoginResp:
		b = tagged(b, "OK [CAPABILITY "+capabilitiesAuth+"] Logged in")
	case stSelect:
		b = tagged(b, "SELECT INBOX")
	case stSelectResp:
		b = append(b, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk $NotJunk)\r\n"+
			"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk $NotJunk \\*)] Flags permitted.\r\n* "...)
		b = strconv.AppendInt(b, int64(c.exists), 10)
		b = append(b, " EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN "...)
		b = strconv.AppendInt(b, int64(1+c.exists/2), 10)
		b = append(b, "] First unseen.\r\n* OK [UIDVALIDITY "...)
		b = strconv.AppendInt(b, int64(c.uidValidity), 10)
		b = append(b, "] UIDs valid\r\n* OK [UIDNEXT "...)
		b = strconv.AppendInt(b, int64(c.uidNext), 10)
		b = append(b, "] Predicted next UID\r\n* OK [HIGHESTMODSEQ "...)
		b = strconv.AppendInt(b, int64(c.uidNext*3), 10)
		b = append(b, "] Highest\r\n"...)
		b = tagged(b, "OK [READ-WRITE] Select completed (0.001 + 0.000 secs).")
	case stFetch:
		b = tagged(b, "FETCH 1:50 (FLAGS ENVELOPE)")
	case stFetchResp:
		for i := 1; i <= 50; i++ {
			b = append(b, "* "...)
			b = strconv.AppendInt(b, int64(i), 10)
			switch r.IntN(4) {
			case 0:
				b = append(b, " FETCH (FLAGS () "...)
			case 1:
				b = append(b, " FETCH (FLAGS (\\Seen \\Answered) "...)
			default:
				b = append(b, " FETCH (FLAGS (\\Seen) "...)
			}
			b = appendEnvelope(b, r, i)
			b = append(b, ")\r\n"...)
		}
		b = tagged(b, "OK Fetch completed (0.003 + 0.000 + 0.002 secs).")
	case stUIDFetch:
		b = c.appendTag(b, st.tag)
		b = append(b, " UID FETCH "...)
		b = strconv.AppendInt(b, int64(st.uid), 10)
		b = append(b, " BODY.PEEK[]\r\n"...)
	case stUIDFetchResp:
		seq, size := st.arg>>20, st.arg&(1<<20-1)
		b = append(b, "* "...)
		b = strconv.AppendInt(b, int64(seq), 10)
		b = append(b, " FETCH (UID "...)
		b = strconv.AppendInt(b, int64(st.uid), 10)
		b = append(b, " BODY[] {"...)
		b = strconv.AppendInt(b, int64(size), 10)
		b = append(b, "}\r\n"...)
		b = appendBody(b, r, size, seq)
		b = append(b, ")\r\n"...)
		b = tagged(b, "OK Fetch completed (0.001 + 0.000 secs).")
	case stAppend:
		b = c.appendTag(b, st.tag)
		b = append(b, " APPEND Sent (\\Seen) {"...)
		b = strconv.AppendInt(b, int64(st.arg), 10)
		b = append(b, "}\r\n"...)
	case stAppendCont:
		b = append(b, "+ Ready for literal data\r\n"...)
	case stAppendBody:
		b = appendBody(b, r, st.arg, c.uidNext)
		b = append(b, '\r', '\n')
	case stAppendResp:
		b = c.appendTag(b, st.tag)
		b = append(b, " OK [APPENDUID "...)
		b = strconv.AppendInt(b, int64(c.uidValidity), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(c.uidNext), 10)
		b = append(b, "] Append completed (0.004 + 0.000 secs).\r\n"...)
	case stSearch:
		b = tagged(b, "SEARCH UNSEEN")
	case stSearchResp:
		b = append(b, "* SEARCH"...)
		n := 1 + c.exists/2
		for range r.IntN(12) {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(n), 10)
			n += 1 + r.IntN(7)
		}
		b = append(b, '\r', '\n')
		b = tagged(b, "OK Search completed (0.001 + 0.000 secs).")
	case stStore:
		b = c.appendTag(b, st.tag)
		b = append(b, " STORE "...)
		b = strconv.AppendInt(b, int64(st.arg), 10)
		b = append(b, " +FLAGS (\\Seen)\r\n"...)
	case stStoreResp:
		b = append(b, "* "...)
		b = strconv.AppendInt(b, int64(st.arg), 10)
		b = append(b, " FETCH (FLAGS (\\Seen))\r\n"...)
		b = tagged(b, "OK Store completed.")
	case stIdle:
		b = tagged(b, "IDLE")
	case stIdling:
		b = append(b, "+ idling\r\n"...)
	case stIdleExists:
		b = append(b, "* "...)
		b = strconv.AppendInt(b, int64(c.exists+1), 10)
		b = append(b, " EXISTS\r\n* 1 RECENT\r\n"...)
	case stDone:
		b = append(b, "DONE\r\n"...)
	case stIdleResp:
		b = tagged(b, "OK Idle completed (0.001 + 1.532 secs).")
	case stLogout:
		b = tagged(b, "LOGOUT")
	case stLogoutResp:
		b = append(b, "* BYE Logging out\r\n"...)
		b = tagged(b, "OK Logout completed (0.001 + 0.000 secs).")
	}
	return b
}
