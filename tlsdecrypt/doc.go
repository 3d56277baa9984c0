// Package tlsdecrypt reads TLS connections passively: it cuts each
// direction's byte stream into records, reads the ClientHello and
// ServerHello (SNI, ALPN, version, cipher suite, JA3, JA3S and FoxIO's
// JA4) and the server certificate when it is visible, and, given the
// secrets of an NSS key log (KeyLog, also filled from pcapng Decryption
// Secrets Blocks), decrypts the records: TLS 1.2 AES-GCM,
// ChaCha20-Poly1305 and AES-CBC with HMAC (MAC-then-encrypt or
// encrypt_then_mac), resumption by session ID or ticket; TLS 1.3 AES-GCM
// and ChaCha20-Poly1305 with HelloRetryRequest and KeyUpdate.
//
// A Conn is push based: Feed (or FeedSink) gives it one direction's bytes,
// Gap a loss, after which the next record is found and a few sequence
// numbers are tried. Decrypted application data goes to the caller during
// the call; Info and Anomalies say what was learned. Key material never
// appears in an Info, an Anomaly or an error.
//
// Per connection the package allocates little: the hellos, the record
// ciphers and the fingerprints live inside the Conn (which a caller can
// embed, Conn.Init); record buffers come from a pool shared by all
// connections; certificates, fingerprints, SNI and ALPN values are cached
// across connections (bounded caches, safe for concurrent use), so Info's
// strings, lists and Certificate are shared and must not be modified. The
// key schedules use an allocation-free HMAC (shortHMAC, hmac.go) over
// crypto/sha256 and crypto/sha512; records themselves cost no allocation.
package tlsdecrypt
