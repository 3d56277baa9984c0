package tlsdecrypt

import "sync"

// The ClientHello fingerprints of recent connections, shared by all
// connections (safe for concurrent use). Clients of one program send the
// same ciphers, extensions and groups every time: JA3 and JA4 are computed
// once per distinct hello shape, not per connection (their strings and
// hashes were most of a connection's allocations).

// fpCacheSize bounds the cache (entries); when full it is emptied.
const fpCacheSize = 256

// helloFingerprints are the fingerprints of one hello shape.
type helloFingerprints struct{ ja3Text, ja3, ja4 string }

var fpCache struct {
	sync.Mutex
	m  map[string]*helloFingerprints
	sm map[string]*helloFingerprints // ServerHellos: ja3Text and ja3 only
}

// fingerprints returns the JA3 text, JA3 and JA4 of ch. The cache key is
// everything they depend on: the JA3 text (version, ciphers, extensions in
// order, groups, point formats) plus supported_versions, signature
// algorithms and the first ALPN value.
func fingerprints(ch *clientHello) *helloFingerprints {
	var kb [1024]byte
	k := appendJA3Text(kb[:0], ch)
	text := len(k)
	k = append(k, '|', byte(len(ch.versions)))
	for _, v := range ch.versions {
		k = append(k, byte(v>>8), byte(v))
	}
	k = append(k, byte(len(ch.sigAlgs)>>8), byte(len(ch.sigAlgs)))
	for _, v := range ch.sigAlgs {
		k = append(k, byte(v>>8), byte(v))
	}
	if len(ch.alpn) > 0 {
		k = append(k, ch.alpn[0]...)
	}
	fpCache.Lock()
	f := fpCache.m[string(k)]
	fpCache.Unlock()
	if f != nil {
		return f
	}
	f = &helloFingerprints{ja3Text: string(k[:text]), ja3: md5Hex(k[:text]), ja4: ja4(ch)}
	fpCache.Lock()
	if fpCache.m == nil || len(fpCache.m) >= fpCacheSize {
		fpCache.m = make(map[string]*helloFingerprints, fpCacheSize)
	}
	fpCache.m[string(k)] = f
	fpCache.Unlock()
	return f
}

// serverFingerprints returns the JA3S text and hash of sh, cached by text.
func serverFingerprints(sh *serverHello) (text, hash string) {
	var kb [256]byte
	k := appendJA3SText(kb[:0], sh)
	fpCache.Lock()
	f := fpCache.sm[string(k)]
	fpCache.Unlock()
	if f == nil {
		f = &helloFingerprints{ja3Text: string(k), ja3: md5Hex(k)}
		fpCache.Lock()
		if fpCache.sm == nil || len(fpCache.sm) >= fpCacheSize {
			fpCache.sm = make(map[string]*helloFingerprints, fpCacheSize)
		}
		fpCache.sm[string(k)] = f
		fpCache.Unlock()
	}
	return f.ja3Text, f.ja3
}
