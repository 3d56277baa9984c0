package tlsdecrypt

import (
	"crypto"
	"crypto/hkdf"
	"errors"
)

// TLS 1.3 constants (RFC 8446).
const (
	tls13IVLen = 12
	// maxTLS13Plaintext bounds a TLS 1.3 inner plaintext: 2^14 + 1.
	maxTLS13Plaintext = 1<<14 + 1
)

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
func expandLabel(h crypto.Hash, secret []byte, label string, context []byte, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full)+len(context))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdf.Expand(h.New, secret, string(info), n)
}

// newCipher13 derives a direction's record keys from a traffic secret
// (RFC 8446 §7.3: key = Expand-Label(secret, "key"), iv = Expand-Label(secret, "iv")).
func newCipher13(s *suite, secret []byte) (*recordCipher, error) {
	if s == nil || (s.kind != kindGCM && s.kind != kindChaCha) {
		return nil, errors.New("tlsdecrypt: cipher suite not supported for decryption")
	}
	if len(secret) != s.prf.Size() {
		return nil, errors.New("tlsdecrypt: traffic secret length does not fit the suite")
	}
	key, err := expandLabel(s.prf, secret, "key", nil, s.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := expandLabel(s.prf, secret, "iv", nil, tls13IVLen)
	if err != nil {
		return nil, err
	}
	c := &recordCipher{s: s, tls13: true, secret: secret}
	if c.aead, err = newAEAD(s, key); err != nil {
		return nil, err
	}
	copy(c.iv[:], iv)
	return c, nil
}

// nextCipher13 is the read state after a KeyUpdate: the next traffic secret
// is Expand-Label(secret, "traffic upd", "", Hash.length) (RFC 8446 §7.2).
func (c *recordCipher) nextCipher13() (*recordCipher, error) {
	next, err := expandLabel(c.s.prf, c.secret, "traffic upd", nil, c.s.prf.Size())
	if err != nil {
		return nil, err
	}
	return newCipher13(c.s, next)
}

// open13 opens a TLS 1.3 record: the additional data is the record header,
// the plaintext ends with the inner content type and zero padding.
func (c *recordCipher) open13(dst []byte, typ uint8, version uint16, body []byte, seq uint64) ([]byte, uint8, bool) {
	if typ != typeApplicationData || len(body) < aeadTagLen || len(body) > maxTLS13Plaintext+255 {
		return nil, typ, false
	}
	c.aad[0] = typ
	c.aad[1] = byte(version >> 8)
	c.aad[2] = byte(version)
	c.aad[3] = byte(len(body) >> 8)
	c.aad[4] = byte(len(body))
	p, err := c.aead.Open(dst[:0], c.xorNonce(seq), body, c.aad[:5])
	if err != nil {
		return nil, typ, false
	}
	i := len(p) - 1
	for i >= 0 && p[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, typ, false // all padding: no content type (RFC 8446 §5.4)
	}
	return p[:i], p[i], true
}
