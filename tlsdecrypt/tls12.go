package tlsdecrypt

import (
	"crypto"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/subtle"
	"errors"
)

// TLS ≤ 1.2 record constants.
const (
	gcmExplicitNonceLen = 8
	aeadTagLen          = 16
	aesBlockLen         = 16
)

// pHash is RFC 5246 §5's P_hash: HMAC-expand secret and seed (label ‖
// randoms, short) to out, without allocating (shortHMAC).
func pHash(out []byte, h crypto.Hash, secret, seed []byte) {
	var m shortHMAC
	m.init(h, secret)
	var ab, bb [maxHashSize]byte
	a := m.sum(ab[:0], seed, nil) // A(1)
	for len(out) > 0 {
		b := m.sum(bb[:0], a, seed)
		n := copy(out, b)
		out = out[n:]
		a = m.sum(ab[:0], a, nil) // A(i+1) = HMAC(A(i)); sum copies a before writing ab
	}
}

// prf12 is the TLS 1.2 PRF with the suite's hash (RFC 5246 §5), into out.
func prf12(out []byte, h crypto.Hash, secret []byte, labelSeed []byte) {
	pHash(out, h, secret, labelSeed)
}

// prf10 is the TLS 1.0/1.1 PRF: P_MD5 over the first half of the secret
// XOR P_SHA1 over the second (RFC 2246 §5), into out.
func prf10(out []byte, secret []byte, labelSeed []byte) {
	half := (len(secret) + 1) / 2
	pHash(out, crypto.MD5, secret[:half], labelSeed)
	var tmp [maxKeyBlock12]byte
	t := tmp[:len(out)]
	pHash(t, crypto.SHA1, secret[len(secret)-half:], labelSeed)
	for i := range out {
		out[i] ^= t[i]
	}
}

// maxKeyBlock12 is the largest TLS ≤ 1.2 key block: two SHA-384 MAC keys,
// two AES-256 keys and two CBC IVs.
const maxKeyBlock12 = 2*48 + 2*32 + 2*16

// keys12 is the key block of a TLS ≤ 1.2 connection: both sides' MAC
// keys, keys and IVs, in that order (RFC 5246 §6.3). The parts are sliced
// on demand: slices of block stored in the struct would move it to the heap.
type keys12 struct {
	block                 [maxKeyBlock12]byte
	macLen, keyLen, ivLen int
}

// side returns one side's MAC key, key and IV (side 0: client).
func (k *keys12) side(side int) (mac, key, iv []byte) {
	off := side * k.macLen
	mac = k.block[off : off+k.macLen : off+k.macLen]
	off = 2*k.macLen + side*k.keyLen
	key = k.block[off : off+k.keyLen : off+k.keyLen]
	off = 2*k.macLen + 2*k.keyLen + side*k.ivLen
	iv = k.block[off : off+k.ivLen : off+k.ivLen]
	return mac, key, iv
}

// expandKeys12 derives the key block from the master secret into k
// (RFC 5246 §6.3: PRF(master, "key expansion", server_random ‖ client_random)).
func expandKeys12(k *keys12, s *suite, version uint16, master []byte, clientRandom, serverRandom [32]byte) {
	k.macLen, k.keyLen, k.ivLen = 0, s.keyLen, 0
	switch s.kind {
	case kindCBC:
		k.macLen = s.mac.Size()
		if version <= 0x0301 {
			k.ivLen = aesBlockLen // TLS 1.0: the first IV comes from the key block
		}
	case kindGCM:
		k.ivLen = 4
	case kindChaCha:
		k.ivLen = 12
	}
	var ls [len("key expansion") + 64]byte
	seed := append(append(append(ls[:0], "key expansion"...), serverRandom[:]...), clientRandom[:]...)
	kb := k.block[:2*k.macLen+2*k.keyLen+2*k.ivLen] // at most maxKeyBlock12 for the suites listed
	if version < 0x0303 {
		prf10(kb, master, seed)
	} else {
		prf12(kb, s.prf, master, seed)
	}
}

// init12 builds one direction's read state from its write keys into
// c (a Conn's inline slot), which it overwrites.
func (c *recordCipher) init12(s *suite, version uint16, etm bool, macKey, key, iv []byte) error {
	*c = recordCipher{s: s, version: version, etm: etm}
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
	return err
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
