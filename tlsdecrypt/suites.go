package tlsdecrypt

import (
	"crypto"
	"fmt"
	// Registered for crypto.Hash.New.
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// cipherKind says how a suite protects records.
type cipherKind uint8

const (
	kindNone   cipherKind = iota // named only: this package cannot decrypt it
	kindGCM                      // AES-GCM (TLS 1.2 with an explicit nonce, or TLS 1.3)
	kindChaCha                   // ChaCha20-Poly1305 (RFC 7905 / RFC 8446 nonce)
	kindCBC                      // AES-CBC with an HMAC (MAC-then-encrypt or RFC 7366)
)

// suite describes one IANA cipher suite.
type suite struct {
	id     uint16
	name   string
	tls13  bool
	kind   cipherKind
	keyLen int         // bulk cipher key length in bytes
	mac    crypto.Hash // record MAC for CBC suites
	prf    crypto.Hash // TLS 1.2 PRF hash, TLS 1.3 HKDF hash
}

// suites lists the cipher suites this package names; those with a kind
// other than kindNone are also decrypted.
var suites = []suite{
	// TLS 1.3 (RFC 8446).
	{0x1301, "TLS_AES_128_GCM_SHA256", true, kindGCM, 16, 0, crypto.SHA256},
	{0x1302, "TLS_AES_256_GCM_SHA384", true, kindGCM, 32, 0, crypto.SHA384},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, kindChaCha, 32, 0, crypto.SHA256},
	{0x1304, "TLS_AES_128_CCM_SHA256", true, kindNone, 16, 0, crypto.SHA256},
	{0x1305, "TLS_AES_128_CCM_8_SHA256", true, kindNone, 16, 0, crypto.SHA256},

	// TLS 1.2 AEAD (RFC 5288, 5289, 7905).
	{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},
	{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},
	{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},

	// TLS ≤ 1.2 CBC (RFC 5246, 4492, 5289).
	{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", false, kindCBC, 32, crypto.SHA256, crypto.SHA256},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	{0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", false, kindCBC, 32, crypto.SHA256, crypto.SHA256},
	{0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	{0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	{0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	{0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	{0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", false, kindCBC, 32, crypto.SHA384, crypto.SHA384},
	{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	{0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, kindCBC, 32, crypto.SHA384, crypto.SHA384},

	// Named only (not decrypted).
	{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", false, kindNone, 24, crypto.SHA1, crypto.SHA256},
	{0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", false, kindNone, 24, crypto.SHA1, crypto.SHA256},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA", false, kindNone, 16, crypto.SHA1, crypto.SHA256},
	{0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", false, kindNone, 16, crypto.SHA1, crypto.SHA256},
	{0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", false, kindNone, 16, crypto.SHA1, crypto.SHA256},
	{0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", false, kindNone, 16, 0, crypto.SHA256},
	{0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", false, kindNone, 32, 0, crypto.SHA256},
	{0xc09c, "TLS_RSA_WITH_AES_128_CCM", false, kindNone, 16, 0, crypto.SHA256},
	{0xc09d, "TLS_RSA_WITH_AES_256_CCM", false, kindNone, 32, 0, crypto.SHA256},
	{0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", false, kindNone, 0, 0, 0},
	{0x5600, "TLS_FALLBACK_SCSV", false, kindNone, 0, 0, 0},
}

// suiteByID indexes suites by IANA number.
var suiteByID = func() map[uint16]*suite {
	m := make(map[uint16]*suite, len(suites))
	for i := range suites {
		m[suites[i].id] = &suites[i]
	}
	return m
}()

// lookupSuite returns the description of IANA suite id, or nil.
func lookupSuite(id uint16) *suite { return suiteByID[id] }

// CipherSuiteName returns the IANA name of a cipher suite, or its number
// in hex ("0xC0FF") when this package does not know it.
func CipherSuiteName(id uint16) string {
	if s := lookupSuite(id); s != nil {
		return s.name
	}
	return fmt.Sprintf("0x%04X", id)
}

// VersionName names a TLS protocol version number ("TLS 1.3").
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("0x%04X", v)
}

// isGREASE reports whether v is one of RFC 8701's reserved GREASE values.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }
