package tlsdecrypt

import (
	"slices"
	"sync"
)

// Interned strings and ALPN lists, shared by all connections (safe for
// concurrent use). The SNI and ALPN values of a capture are few; every
// connection's Info (and the report fields made from it) shares one copy
// instead of allocating its own. An ALPN list in Info is therefore shared:
// callers must not modify it.

// internCacheSize bounds each cache (entries); when full it is emptied.
const internCacheSize = 1024

var internCache struct {
	sync.Mutex
	strs  map[string]string
	lists map[string][]string
}

// maxInterned is the longest string interned (longer ones are rare and
// would let a hostile capture fill the cache with large strings).
const maxInterned = 255

// intern returns string(b), shared with earlier calls for the same bytes.
func intern(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	internCache.Lock()
	defer internCache.Unlock()
	if s, ok := internCache.strs[string(b)]; ok {
		return s
	}
	if internCache.strs == nil || len(internCache.strs) >= internCacheSize {
		internCache.strs = make(map[string]string, 64)
	}
	s := string(b)
	internCache.strs[s] = s
	return s
}

// internList returns a shared copy of l (of interned strings), clipped so
// that an append by a caller cannot write into it; nil for an empty list.
func internList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	var kb [512]byte
	k := kb[:0]
	for _, s := range l {
		k = append(append(k, s...), 0)
	}
	internCache.Lock()
	defer internCache.Unlock()
	if v, ok := internCache.lists[string(k)]; ok {
		return v
	}
	if internCache.lists == nil || len(internCache.lists) >= internCacheSize {
		internCache.lists = make(map[string][]string, 64)
	}
	v := slices.Clip(slices.Clone(l))
	internCache.lists[string(k)] = v
	return v
}
