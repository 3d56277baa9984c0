package dissect

import "unsafe"

// strArena makes the short strings of a session's report (tags, arguments,
// response text) out of a few shared chunks instead of one allocation each.
// A chunk is only ever appended to, so the bytes behind a string handed out
// never change.
type strArena struct {
	buf []byte
}

const (
	arenaFirstChunk = 2048
	arenaMaxChunk   = 8 << 10
	arenaMaxString  = 1 << 10 // longer strings get their own allocation
)

// str returns p as a string backed by the arena.
func (a *strArena) str(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	if len(p) > arenaMaxString {
		return string(p)
	}
	if cap(a.buf)-len(a.buf) < len(p) {
		n := 2 * cap(a.buf)
		if n < arenaFirstChunk {
			n = arenaFirstChunk
		}
		if n > arenaMaxChunk {
			n = arenaMaxChunk
		}
		a.buf = make([]byte, 0, n)
	}
	start := len(a.buf)
	a.buf = append(a.buf, p...)
	return unsafe.String(&a.buf[start], len(p))
}

// internedCommands maps upper-case command names to a shared string, so that
// naming a command does not allocate.
var internedCommands = func() map[string]string {
	m := make(map[string]string, len(commandKinds)+len(knownCommands))
	for k := range commandKinds {
		m[k] = k
	}
	for k := range knownCommands {
		m[k] = k
	}
	for _, k := range []string{"UID", "FIND"} {
		m[k] = k
	}
	return m
}()

// commandString returns the upper-case command name of the words in p
// ("fetch" → "FETCH"; with sub: "uid", "fetch" → "UID FETCH"), interned
// when known.
func commandString(p, sub []byte) string {
	var buf [2*maxCommandWord + 1]byte
	n := 0
	for _, w := range [2][]byte{p, sub} {
		if len(w) == 0 {
			continue
		}
		if n > 0 {
			buf[n] = ' '
			n++
		}
		if len(w) > maxCommandWord {
			w = w[:maxCommandWord]
		}
		for _, c := range w {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf[n] = c
			n++
		}
	}
	if s, ok := internedCommands[string(buf[:n])]; ok {
		return s
	}
	return string(buf[:n])
}
