package tlsdecrypt

import (
	"crypto/sha256"
	"sync"
)

// Shared by all connections (safe for concurrent use): record buffers
// recycled between connections, and the parsed server certificates of
// recent connections (one server shows the same certificate to every
// client; parsing it again per connection is the largest per-connection
// cost after the keys).

// recordBufLen holds a whole record: header and the largest body.
const recordBufLen = recordHeaderLen + maxCiphertext

// recordBuf is a pooled record buffer.
type recordBuf [recordBufLen]byte

var recordBufs = sync.Pool{New: func() any { return new(recordBuf) }}

// getRecordBuf returns an empty slice of a pooled record buffer.
func getRecordBuf() []byte { return recordBufs.Get().(*recordBuf)[:0] }

// putRecordBuf returns b to the pool when it is a whole pooled buffer
// (a framer's buffer may have been grown past it while scanning).
func putRecordBuf(b []byte) {
	if cap(b) == recordBufLen {
		recordBufs.Put((*recordBuf)(b[:recordBufLen]))
	}
}

// Release returns the connection's buffers for reuse by other
// connections. The Conn must not be fed afterwards; Info and Anomalies
// stay valid.
func (c *Conn) Release() {
	for i := range c.dir {
		d := &c.dir[i]
		putRecordBuf(d.fr.buf)
		putRecordBuf(d.out)
		d.fr.buf, d.out = nil, nil
		d.fr.bad, d.notTLS = true, true // a later Feed does nothing
	}
}

// certCacheSize bounds the certificate cache (entries; each holds one
// parsed certificate description, a few hundred bytes).
const certCacheSize = 64

// certCache maps a certificate's SHA-256 to its description; when full it
// is emptied (the servers a capture talks to are few).
var certCache struct {
	sync.Mutex
	m map[[sha256.Size]byte]*Certificate
}

// cachedCertificate is parseCertificate through the cache. The returned
// Certificate is shared: callers must not modify it.
func cachedCertificate(der []byte) *Certificate {
	sum := sha256.Sum256(der)
	certCache.Lock()
	c := certCache.m[sum]
	certCache.Unlock()
	if c != nil {
		return c
	}
	c = parseCertificate(der)
	certCache.Lock()
	if certCache.m == nil || len(certCache.m) >= certCacheSize {
		certCache.m = make(map[[sha256.Size]byte]*Certificate, certCacheSize)
	}
	certCache.m[sum] = c
	certCache.Unlock()
	return c
}
