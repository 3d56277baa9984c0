package benchgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Shape selects the conversation every session of a capture runs.
type Shape uint8

// Session shapes. The zero value is ShapeMixed.
const (
	// ShapeMixed is the full conversation described in the package
	// documentation (about 250 KB per session, message bodies included).
	ShapeMixed Shape = iota
	// ShapeShort is a short session: greeting, LOGIN, SELECT and LOGOUT,
	// about 3 KB on the wire. A million of them stand for a week of a busy
	// server's logins.
	ShapeShort
	// ShapeLong is one long session of Options.Commands tagged commands, like
	// a mail synchroniser walking a large mailbox: after CAPABILITY, LOGIN and
	// SELECT come UID FETCH (FLAGS) commands, every tenth a STORE and every
	// fiftieth a UID FETCH of a small message body, then LOGOUT.
	ShapeLong
)

// DefaultLongCommands is the number of tagged commands of a ShapeLong
// session when Options.Commands is zero.
const DefaultLongCommands = 200_000

// Limits of the long shape.
const (
	// minLongCommands is the fixed part of a long session: CAPABILITY, LOGIN,
	// SELECT and LOGOUT, plus at least one command of the loop.
	minLongCommands = 5
	// longBodyEvery and longStoreEvery set how often the loop fetches a body
	// or stores flags instead of fetching flags.
	longBodyEvery  = 50
	longStoreEvery = 10
	// minLongBody and spanLongBody bound the bodies a long session fetches.
	minLongBody  = 2 << 10
	spanLongBody = 6 << 10
)

// Step kinds used only by the long shape (continuing the list in script.go).
const (
	stFlagFetch     = stLogoutResp + 1 + iota // UID FETCH uid (FLAGS)
	stFlagFetchResp                           // * seq FETCH (UID uid FLAGS (...)) and tagged OK
)

var shapeNames = [...]string{ShapeMixed: "mixed", ShapeShort: "short", ShapeLong: "long"}

// String returns the shape's name as ParseShape accepts it.
func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return "shape(" + strconv.Itoa(int(s)) + ")"
}

// ParseShape parses "mixed", "short" or "long".
func ParseShape(name string) (Shape, error) {
	for i, n := range shapeNames {
		if n == name {
			return Shape(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown shape %q (mixed, short or long)", ErrOptions, name)
}

// sessionGuess is the expected file size of one session of the shape,
// used to plan a TargetBytes capture before a session has finished.
func (o Options) sessionGuess() int64 {
	switch o.Shape {
	case ShapeShort:
		return 3 << 10
	case ShapeLong:
		return int64(o.Commands) * 330
	}
	return initialSessionGuess
}

// commandName returns the tagged command a client step starts ("" for
// other steps).
func commandName(k stepKind) string {
	if k == stFlagFetch {
		return "UID FETCH"
	}
	if int(k) < len(commandOf) {
		return commandOf[k]
	}
	return ""
}

// buildShort draws a short conversation: greeting, LOGIN, SELECT, LOGOUT.
func (c *convo) buildShort(add func(k stepKind, d dir, arg, uid int), cmd func(k, resp stepKind)) {
	add(stGreeting, server, 0, 0)
	cmd(stLogin, stLoginResp)
	cmd(stSelect, stSelectResp)
	cmd(stLogout, stLogoutResp)
}

// buildLong draws a long conversation of c.commands tagged commands.
func (c *convo) buildLong(r *rand.Rand, sum *Summary, add func(k stepKind, d dir, arg, uid int), cmd func(k, resp stepKind), tag *int) {
	add(stGreeting, server, 0, 0)
	cmd(stCapability, stCapabilityResp)
	cmd(stLogin, stLoginResp)
	cmd(stSelect, stSelectResp)
	for i := range c.commands - 4 {
		*tag++
		seq := 1 + i%c.exists
		uid := seq + (c.uidNext-c.exists-1)/2
		switch {
		case i%longBodyEvery == longBodyEvery-1:
			size := minLongBody + r.IntN(spanLongBody)
			add(stUIDFetch, client, seq, uid)
			add(stUIDFetchResp, server, seq<<20|size, uid)
			sum.Literals++
			sum.LiteralBytes += int64(size)
		case i%longStoreEvery == longStoreEvery-1:
			add(stStore, client, seq, 0)
			add(stStoreResp, server, seq, 0)
		default:
			add(stFlagFetch, client, seq, uid)
			add(stFlagFetchResp, server, seq, uid)
		}
	}
	cmd(stLogout, stLogoutResp)
}

// renderShape appends the bytes of the steps only the long shape uses; ok
// is false for other kinds.
func (c *convo) renderShape(b []byte, r *rand.Rand, st step) (_ []byte, ok bool) {
	switch st.kind {
	case stFlagFetch:
		b = c.appendTag(b, st.tag)
		b = append(b, " UID FETCH "...)
		b = strconv.AppendInt(b, int64(st.uid), 10)
		b = append(b, " (FLAGS)\r\n"...)
	case stFlagFetchResp:
		b = append(b, "* "...)
		b = strconv.AppendInt(b, int64(st.arg), 10)
		b = append(b, " FETCH (UID "...)
		b = strconv.AppendInt(b, int64(st.uid), 10)
		if r.IntN(4) == 0 {
			b = append(b, " FLAGS ())\r\n"...)
		} else {
			b = append(b, " FLAGS (\\Seen))\r\n"...)
		}
		b = c.appendTag(b, st.tag)
		b = append(b, " OK Fetch completed (0.001 + 0.000 secs).\r\n"...)
	default:
		return b, false
	}
	return b, true
}
