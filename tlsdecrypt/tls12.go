package tlsdecrypt

import (
	"crypto"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"hash"
)

// TLS ≤ 1.2 record constants.
const (
	gcmExplicitNonceLen = 8
	aeadTagLen          = 16
	aesBlockLen         = 16
)

// pHash is RFC 5246 §5's P_hash: HMAC-expand secret and seed to out.
func pHash(out []byte, h func() hash.Hash, secret, seed []byte) {
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	for len(out) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		b := mac.Sum(nil)
		n := copy(out, b)
		out = out[n:]
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// prf12 is the TLS 1.2 PRF with the suite's hash (RFC 5246 §5).
func prf12(h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	out := make([]byte, n)
	pHash(out, h.New, secret, append([]byte(label), seed...))
	return out
}

// prf10 is the TLS 1.0/1.1 PRF: P_MD5 over the first half of the secret
// XOR P_SHA1 over the second (RFC 2246 §5).
func prf10(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	half := (len(secret) + 1) / 2
	out := make([]byte, n)
	pHash(out, md5.New, secret[:half], ls)
	tmp := make([]byte, n)
	pHash(tmp, sha1.New, secret[len(secret)-half:], ls)
	for i := range out {
		out[i] ^= tmp[i]
	}
	return out
}

// keys12 are the write keys of both sides of a TLS ≤ 1.2 connection.
type keys12 struct {
	clientMAC, serverMAC, clientKey, serverKey, clientIV, serverIV []byte
}

// expandKeys12 derives the key block from the master secret
// (RFC 5246 §6.3: PRF(master, "key expansion", server_random ‖ client_random)).
func expandKeys12(s *suite, version uint16, master []byte, clientRandom, serverRandom [32]byte) keys12 {
	macLen, ivLen := 0, 0
	switch s.kind {
	case kindCBC:
		macLen = s.mac.Size()
		if version <= 0x0301 {
			ivLen = aesBlockLen // TLS 1.0: the first IV comes from the key block
		}
	case kindGCM:
		ivLen = 4
	case kindChaCha:
		ivLen = 12
	}
	seed := append(serverRandom[:], clientRandom[:]...)
	n := 2*macLen + 2*s.keyLen + 2*ivLen
	var kb []byte
	if version < 0x0303 {
		kb = prf10(master, "key expansion", seed, n)
	} else {
		kb = prf12(s.prf, master, "key expansion", seed, n)
	}
	take := func(k int) []byte { v := kb[:k:k]; kb = kb[k:]; return v }
	var k keys12
	k.clientMAC, k.serverMAC = take(macLen), take(macLen)
	k.clientKey, k.serverKey = take(s.keyLen), take(s.keyLen)
	k.clientIV, k.serverIV = take(ivLen), take(ivLen)
	return k
}

// newCipher12 builds one direction's read state from its write keys.
func newCipher12(s *suite, version uint16, etm bool, macKey, key, iv []byte) (*recordCipher, error) {
	c := &recordCipher{s: s, version: version, etm: etm}
	var err error
	switch s.kind {
	case kindGCM, kindChaCha:
		c.aead, err = newAEAD(s, key)
		copy(c.iv[:], iv)
	case kindCBC:
		c.block, c.mac, err = newCBC(s, key, macKey)
		copy(c.cbcIV[:], iv)
		if err == nil {
			// One decrypter per direction, re-keyed per record with SetIV:
			// NewCBCDecrypter per record would allocate.
			c.cbc = cipher.NewCBCDecrypter(c.block, c.cbcIV[:])
			if _, ok := c.cbc.(ivSetter); !ok {
				err = errors.New("tlsdecrypt: CBC decrypter cannot be re-keyed")
			}
		}
	default:
		err = errors.New("tlsdecrypt: cipher suite not supported for decryption")
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ivSetter is implemented by crypto/cipher's CBC modes.
type ivSetter interface{ SetIV([]byte) }

// openAEAD12 opens a TLS 1.2 GCM (explicit nonce) or ChaCha20-Poly1305
// (RFC 7905: implicit nonce) record.
func (c *recordCipher) openAEAD12(dst []byte, typ uint8, version uint16, body []byte, seq uint64) ([]byte, bool) {
	var nonce []byte
	if c.s.kind == kindGCM {
		if len(body) < gcmExplicitNonceLen+aeadTagLen {
			return nil, false
		}
		copy(c.nonce[:4], c.iv[:4])
		copy(c.nonce[4:], body[:gcmExplicitNonceLen])
		nonce = c.nonce[:]
		body = body[gcmExplicitNonceLen:]
	} else {
		if len(body) < aeadTagLen {
			return nil, false
		}
		nonce = c.xorNonce(seq)
	}
	aad := c.putSeqHeader(seq, typ, version, len(body)-aeadTagLen)
	p, err := c.aead.Open(dst[:0], nonce, body, aad)
	return p, err == nil
}

// openCBC opens an AES-CBC record: MAC-then-encrypt (RFC 5246 §6.2.3.2) or
// encrypt-then-MAC (RFC 7366). TLS 1.1+ records start with an explicit IV;
// TLS 1.0 chains the IV from the previous record.
func (c *recordCipher) openCBC(dst []byte, typ uint8, version uint16, body []byte, seq uint64) ([]byte, bool) {
	macLen := c.mac.Size()
	var tag []byte
	if c.etm {
		if len(body) < macLen {
			return nil, false
		}
		tag = body[len(body)-macLen:]
		body = body[:len(body)-macLen]
		c.mac.Reset()
		c.mac.Write(c.putSeqHeader(seq, typ, version, len(body)))
		c.mac.Write(body)
		if !hmac.Equal(c.mac.Sum(c.sum[:0]), tag) {
			return nil, false
		}
	}
	iv := c.cbcIV[:]
	if c.version >= 0x0302 {
		if len(body) < aesBlockLen {
			return nil, false
		}
		iv, body = body[:aesBlockLen], body[aesBlockLen:]
	}
	if len(body) == 0 || len(body)%aesBlockLen != 0 || cap(dst) < len(body) {
		return nil, false
	}
	out := dst[:len(body)]
	var next [aesBlockLen]byte
	copy(next[:], body[len(body)-aesBlockLen:])
	c.cbc.(ivSetter).SetIV(iv)
	c.cbc.CryptBlocks(out, body)
	pad := int(out[len(out)-1])
	if pad+1 > len(out) {
		return nil, false
	}
	for _, b := range out[len(out)-1-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	out = out[:len(out)-1-pad]
	if !c.etm {
		if len(out) < macLen {
			return nil, false
		}
		tag = out[len(out)-macLen:]
		out = out[:len(out)-macLen]
		c.mac.Reset()
		c.mac.Write(c.putSeqHeader(seq, typ, version, len(out)))
		c.mac.Write(out)
		if subtle.ConstantTimeCompare(c.mac.Sum(c.sum[:0]), tag) != 1 {
			return nil, false
		}
	}
	if c.version < 0x0302 {
		c.cbcIV = next
	}
	return out, true
}
