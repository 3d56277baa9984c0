package dissect

import (
	"bytes"
	"strconv"
	"sync"
)

// CapabilityCache shares parsed capability lists between the sessions of
// one analysis: a server sends the same list to every client, so each
// distinct list is parsed and stored once instead of once per session.
// It shares the sessions' flag lists (FLAGS, PERMANENTFLAGS) and
// unsolicited-response counts the same way (most sessions of a server
// have the same few). Lists and maps are never modified after they are
// cached (report data is read-only once built). It is safe for concurrent
// use; the zero value is ready.
type CapabilityCache struct {
	mu    sync.RWMutex
	m     map[string][]string
	lists map[string][]string
	unsol map[string]map[string]int
}

// maxCachedCapLists bounds a cache; further lists are parsed per session.
const maxCachedCapLists = 512

// maxCachedCapBytes is the longest capability list text that is cached.
const maxCachedCapBytes = 2048

// capabilities returns the parsed capability list for raw (c may be nil:
// no cache).
func (c *CapabilityCache) capabilities(raw []byte) []string {
	if c == nil || len(raw) > maxCachedCapBytes {
		return words(raw)
	}
	c.mu.RLock()
	caps, ok := c.m[string(raw)]
	c.mu.RUnlock()
	if ok {
		return caps
	}
	key, caps := parseCapabilities(raw)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	if len(c.m) < maxCachedCapLists {
		c.m[key] = caps
	}
	c.mu.Unlock()
	return caps
}

// list returns the words of a list response (FLAGS, PERMANENTFLAGS),
// shared between the sessions (c may be nil: no sharing); the result is
// never modified.
func (c *CapabilityCache) list(raw []byte) []string {
	if len(raw) > maxCachedCapBytes {
		return words(raw)
	}
	if c == nil {
		return nonNil(words(raw))
	}
	c.mu.RLock()
	l, ok := c.lists[string(raw)]
	c.mu.RUnlock()
	if ok {
		return l
	}
	l = nonNil(words(raw))
	c.mu.Lock()
	if c.lists == nil {
		c.lists = make(map[string][]string)
	}
	if len(c.lists) < maxCachedCapLists {
		c.lists[string(raw)] = l
	}
	c.mu.Unlock()
	return l
}

// nonNil returns l, or an empty list for nil.
func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// maxSharedUnsolicited bounds the distinct unsolicited-count maps a cache
// shares; maxUnsolicitedKey is the longest key (kinds and counts) shared.
const (
	maxSharedUnsolicited = 512
	maxUnsolicitedKey    = 128
)

// unsolicited returns counts as a map, shared with the sessions that had
// the same counts (c may be nil: no sharing).
func (c *CapabilityCache) unsolicited(counts []kindCount) map[string]int {
	var arr [maxUnsolicitedKey]byte
	key := arr[:0]
	for _, u := range counts {
		// Length-prefixed kinds keep the key unambiguous.
		key = append(key, byte(len(u.kind)))
		key = append(key, u.kind...)
		key = strconv.AppendInt(key, int64(u.n), 10)
		key = append(key, ' ')
	}
	if c == nil || len(key) > maxUnsolicitedKey {
		return unsolicitedMap(counts)
	}
	c.mu.RLock()
	m, ok := c.unsol[string(key)]
	c.mu.RUnlock()
	if ok {
		return m
	}
	m = unsolicitedMap(counts)
	c.mu.Lock()
	if c.unsol == nil {
		c.unsol = make(map[string]map[string]int)
	}
	if len(c.unsol) < maxSharedUnsolicited {
		c.unsol[string(key)] = m
	}
	c.mu.Unlock()
	return m
}

// unsolicitedMap returns counts as a new map.
func unsolicitedMap(counts []kindCount) map[string]int {
	m := make(map[string]int, len(counts))
	for _, u := range counts {
		m[u.kind] += u.n
	}
	return m
}

// parseCapabilities is words(raw) in two allocations: the atoms are
// substrings of one copy of raw, which is also returned as the cache key.
func parseCapabilities(raw []byte) (string, []string) {
	text := string(raw)
	out := make([]string, 0, min(bytes.Count(raw, []byte{' '})+1, maxListItems))
	sc := argScanner{p: raw}
	for len(out) < maxListItems {
		k, i, j, ok := sc.next()
		if !ok {
			break
		}
		switch {
		case k == tokOpen || k == tokClose:
		case k == tokAtom && !equalFold(raw[i:j], "NIL"):
			out = append(out, text[i:j])
		default:
			out = append(out, stringArg(raw, k, i, j))
		}
	}
	return text, out
}
