package tlsdecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"errors"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// recordCipher is the read state of one direction's epoch: the keys and
// scratch space to open records in place without allocating.
type recordCipher struct {
	s     *suite
	tls13 bool
	// version is the negotiated TLS ≤ 1.2 version (CBC explicit-IV rule).
	version uint16
	etm     bool // RFC 7366 encrypt_then_mac

	aead  cipher.AEAD
	iv    [12]byte // TLS 1.3 / ChaCha: per-record nonce base; GCM 1.2: salt in iv[:4]
	block cipher.Block
	cbc   cipher.BlockMode
	cbcIV [16]byte // TLS 1.0: the chained IV (last ciphertext block)
	mac   hash.Hash
	// secret is a TLS 1.3 traffic secret, kept for KeyUpdate.
	secret []byte

	nonce [12]byte
	aad   [13]byte
	sum   [64]byte
}

// newAEAD builds the AEAD of a GCM or ChaCha20-Poly1305 suite.
func newAEAD(s *suite, key []byte) (cipher.AEAD, error) {
	switch s.kind {
	case kindGCM:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(b)
	case kindChaCha:
		return chacha20poly1305.New(key)
	}
	return nil, errors.New("tlsdecrypt: not an AEAD suite")
}

// newCBC builds the block cipher and record MAC of a CBC suite.
func newCBC(s *suite, key, macKey []byte) (cipher.Block, hash.Hash, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return b, hmac.New(s.mac.New, macKey), nil
}

// xorNonce sets c.nonce to the 12-byte iv XOR the big-endian seq
// (RFC 8446 §5.3, RFC 7905 §2).
func (c *recordCipher) xorNonce(seq uint64) []byte {
	c.nonce = c.iv
	for i := 0; i < 8; i++ {
		c.nonce[4+i] ^= byte(seq >> (56 - 8*i))
	}
	return c.nonce[:]
}

// putSeqHeader fills c.aad with seq ‖ type ‖ version ‖ length, the TLS ≤ 1.2
// AEAD additional data and MAC prefix.
func (c *recordCipher) putSeqHeader(seq uint64, typ uint8, version uint16, n int) []byte {
	for i := 0; i < 8; i++ {
		c.aad[i] = byte(seq >> (56 - 8*i))
	}
	c.aad[8] = typ
	c.aad[9] = byte(version >> 8)
	c.aad[10] = byte(version)
	c.aad[11] = byte(n >> 8)
	c.aad[12] = byte(n)
	return c.aad[:]
}

// open decrypts and authenticates one record body with sequence number
// seq into dst (reused, cap ≥ len(body)). It returns the plaintext (inside
// dst), the content type (TLS 1.3: the inner type) and whether it
// authenticated.
func (c *recordCipher) open(dst []byte, typ uint8, version uint16, body []byte, seq uint64) ([]byte, uint8, bool) {
	if c.tls13 {
		return c.open13(dst, typ, version, body, seq)
	}
	switch c.s.kind {
	case kindGCM, kindChaCha:
		p, ok := c.openAEAD12(dst, typ, version, body, seq)
		return p, typ, ok
	case kindCBC:
		p, ok := c.openCBC(dst, typ, version, body, seq)
		return p, typ, ok
	}
	return nil, typ, false
}
