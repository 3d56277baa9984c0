package tlsdecrypt

import (
	"crypto"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
)

// maxHashBlock and maxHashSize are the largest block and digest sizes of
// the hashes the key schedules use (SHA-384/512).
const (
	maxHashBlock = 128
	maxHashSize  = 64
	// maxShortMsg bounds the message shortHMAC hashes on the stack: an
	// HkdfLabel (at most 2+1+255+1+255 bytes plus the counter) or a TLS ≤ 1.2
	// PRF input (a digest, a label and two randoms).
	maxShortMsg = 4 + 255 + 255 + 2
)

// shortHMAC is HMAC (RFC 2104) over short messages for the key schedules:
// TLS 1.3's HKDF-Expand-Label, whose outputs (keys, IVs, the next traffic
// secret) are all one HKDF block, and the TLS ≤ 1.2 PRF's P_hash. It is
// keyed once per secret (the padded keys live in the struct, on the
// caller's stack) and hashes each message with the allocation-free
// sha256.Sum256 / sha512.Sum384 / ... over a stack buffer.
//
// Why not crypto/hmac: crypto/hmac cannot be re-keyed and allocates the
// HMAC, two digests and, on Reset, two marshalled states — about 8
// allocations per secret, 4 secrets per TLS 1.3 connection (measured
// 2026-12-02 with pipeline's BenchmarkFullTLS and
// `go tool pprof -sample_index=alloc_objects`: hmac.New, sha256.New and
// Digest.MarshalBinary were ~28 of the ~56 allocations decrypting added
// per connection, most of the gap to 0.1 allocations per packet).
// shortHMAC allocates nothing. TestShortHMACMatchesCryptoHMAC checks it
// against crypto/hmac, and expandLabel against crypto/hkdf, over random
// keys, messages and lengths. Messages longer than maxShortMsg, and hashes
// not listed in hashSum, go through crypto/hmac.
type shortHMAC struct {
	h      crypto.Hash
	key    []byte // a copy of the key, for a hash hashSum does not compute
	bs     int
	ipad   [maxHashBlock]byte
	opad   [maxHashBlock]byte
	native bool // h is one hashSum computes
}

// init keys m with key for hash h.
func (m *shortHMAC) init(h crypto.Hash, key []byte) {
	m.h = h
	m.bs = hashBlockSize(h)
	m.native = m.bs > 0
	if !m.native {
		m.key = append([]byte(nil), key...) // no hash in hashSum uses this: crypto/hmac
		return
	}
	k := key
	var kh [maxHashSize]byte
	if len(key) > m.bs { // RFC 2104 §2: a long key is hashed first
		k = kh[:hashSum(h, key, &kh)]
	}
	clear(m.ipad[:m.bs])
	copy(m.ipad[:], k)
	m.opad = m.ipad
	for i := 0; i < m.bs; i++ {
		m.ipad[i] ^= 0x36
		m.opad[i] ^= 0x5c
	}
}

// sum appends HMAC(key, a ‖ b) to dst.
func (m *shortHMAC) sum(dst, a, b []byte) []byte {
	if !m.native || len(a)+len(b) > maxShortMsg {
		return append(dst, m.slowSum(a, b)...)
	}
	var buf [maxHashBlock + maxShortMsg]byte
	n := copy(buf[:], m.ipad[:m.bs])
	n += copy(buf[n:], a)
	n += copy(buf[n:], b)
	var inner [maxHashSize]byte
	k := hashSum(m.h, buf[:n], &inner)
	n = copy(buf[:], m.opad[:m.bs])
	n += copy(buf[n:], inner[:k])
	k = hashSum(m.h, buf[:n], &inner)
	return append(dst, inner[:k]...)
}

// slowSum is HMAC(key, a ‖ b) through crypto/hmac, for long messages and
// other hashes. The key is the block-sized padded key (ipad ⊕ 0x36), which
// HMAC treats exactly like the original key; the copies keep sum's
// arguments on the caller's stack.
func (m *shortHMAC) slowSum(a, b []byte) []byte {
	key := m.key
	if m.native {
		key = make([]byte, m.bs)
		for i := range key {
			key[i] = m.ipad[i] ^ 0x36
		}
	}
	msg := make([]byte, 0, len(a)+len(b))
	msg = append(append(msg, a...), b...)
	mac := hmac.New(m.h.New, key)
	mac.Write(msg)
	return mac.Sum(nil)
}

// hashBlockSize is h's block size, 0 for a hash hashSum does not compute.
func hashBlockSize(h crypto.Hash) int {
	switch h {
	case crypto.MD5, crypto.SHA1, crypto.SHA256:
		return 64
	case crypto.SHA384, crypto.SHA512:
		return 128
	}
	return 0
}

// hashSum writes h(p) to out and returns its length, without allocating.
func hashSum(h crypto.Hash, p []byte, out *[maxHashSize]byte) int {
	switch h {
	case crypto.MD5:
		s := md5.Sum(p)
		return copy(out[:], s[:])
	case crypto.SHA1:
		s := sha1.Sum(p)
		return copy(out[:], s[:])
	case crypto.SHA256:
		s := sha256.Sum256(p)
		return copy(out[:], s[:])
	case crypto.SHA384:
		s := sha512.Sum384(p)
		return copy(out[:], s[:])
	case crypto.SHA512:
		s := sha512.Sum512(p)
		return copy(out[:], s[:])
	}
	return 0
}
