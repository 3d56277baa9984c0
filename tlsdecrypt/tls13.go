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

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1).
func expandLabel(h crypto.Hash, secret []byte, label string, context []byte, n int) ([]byte, error) {
	if n <= h.Size() {
		var m shortHMAC
		m.init(h, secret)
		return expandLabelBlock(&m, nil, label, context, n), nil
	}
	var buf [4 + 255 + 255]byte
	return hkdf.Expand(h.New, secret, string(hkdfLabel(buf[:0], label, context, n)), n)
}

// expandLabelBlock is HKDF-Expand-Label for n ≤ the hash size with m keyed
// with the secret: one HKDF-Expand block (RFC 5869 §2.3), T(1) =
// HMAC(secret, HkdfLabel ‖ 0x01), is the whole output — for every TLS 1.3
// key, IV and next traffic secret. The result is appended to dst.
func expandLabelBlock(m *shortHMAC, dst []byte, label string, context []byte, n int) []byte {
	var scratch [4 + 255 + 255 + 1]byte
	info := append(hkdfLabel(scratch[:0], label, context, n), 1)
	out := m.sum(dst, info, nil)
	return out[:len(dst)+n]
}

// hkdfLabel appends the HkdfLabel structure of RFC 8446 §7.1: length,
// "tls13 " ‖ label, context.
func hkdfLabel(b []byte, label string, context []byte, n int) []byte {
	b = append(b, byte(n>>8), byte(n), byte(len("tls13 ")+len(label)))
	b = append(b, "tls13 "...)
	b = append(b, label...)
	b = append(b, byte(len(context)))
	return append(b, context...)
}

// newCipher13 derives a direction's record keys from a traffic secret
// (RFC 8446 §7.3: key = Expand-Label(secret, "key"), iv = Expand-Label(secret, "iv")).
func newCipher13(s *suite, secret []byte) (*recordCipher, error) {
	c := new(recordCipher)
	if err := c.init13(s, secret); err != nil {
		return nil, err
	}
	return c, nil
}

// init13 is newCipher13 into c (a Conn's inline slot), which it overwrites.
func (c *recordCipher) init13(s *suite, secret []byte) error {
	if s == nil || (s.kind != kindGCM && s.kind != kindChaCha) {
		return errors.New("tlsdecrypt: cipher suite not supported for decryption")
	}
	if len(secret) != s.prf.Size() {
		return errors.New("tlsdecrypt: traffic secret length does not fit the suite")
	}
	*c = recordCipher{s: s, tls13: true, secret: secret}
	var m shortHMAC
	m.init(s.prf, secret)
	var kb [maxHashSize]byte
	key := expandLabelBlock(&m, kb[:0], "key", nil, s.keyLen)
	var err error
	if c.aead, err = newAEAD(s, key); err != nil { // the AEAD keeps its own copy of the key
		return err
	}
	iv := expandLabelBlock(&m, kb[:0], "iv", nil, tls13IVLen)
	copy(c.iv[:], iv)
	return nil
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
