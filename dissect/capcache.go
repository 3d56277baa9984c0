package dissect

import "sync"

// capCache shares parsed capability lists between sessions: a server sends
// the same list to every client, so each distinct list is parsed and stored
// once per process instead of once per session. Lists are never modified
// after they are cached (report data is read-only once built).
var capCache struct {
	sync.RWMutex
	m map[string][]string
}

// maxCachedCapLists bounds the cache; further lists are parsed per session.
const maxCachedCapLists = 512

// maxCachedCapBytes is the longest capability list text that is cached.
const maxCachedCapBytes = 2048

// cachedCapabilities returns the parsed capability list for raw.
func cachedCapabilities(raw []byte) []string {
	if len(raw) > maxCachedCapBytes {
		return words(raw)
	}
	capCache.RLock()
	caps, ok := capCache.m[string(raw)]
	capCache.RUnlock()
	if ok {
		return caps
	}
	caps = words(raw)
	capCache.Lock()
	if capCache.m == nil {
		capCache.m = make(map[string][]string)
	}
	if len(capCache.m) < maxCachedCapLists {
		capCache.m[string(raw)] = caps
	}
	capCache.Unlock()
	return caps
}
