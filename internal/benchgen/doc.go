// Package benchgen writes deterministic synthetic pcap captures shaped like
// real IMAP traffic, for benchmarks and pipeline tests.
//
// A capture holds many IMAP sessions over Ethernet and IPv4 or IPv6, with a
// configurable number of them open at once; the packets of concurrent sessions
// interleave in capture-time order. Each session runs a full TCP handshake, a
// realistic conversation (greeting, CAPABILITY, LOGIN, SELECT, FETCH of
// envelopes, UID FETCH of message bodies carried as literals, APPEND with a
// synchronizing literal, SEARCH, STORE, IDLE, LOGOUT) and a FIN teardown.
// Sequence and acknowledgement numbers are exact, segments carry at most
// 1448 payload bytes and every checksum is valid.
//
// Output of the clear-text mode is a pure function of Options: the same
// options produce a byte-identical file. Every session draws from its own PCG stream seeded
// from (Options.Seed, session number), so sessions do not depend on the
// scheduling of the others.
//
// Options.TLS = TLSOn writes the same kind of traffic as IMAP over TLS on
// port 993, made by crypto/tls (TLS 1.3 AES-128-GCM, and a TLS 1.2
// ECDHE-ECDSA-AES128-GCM share), with the client's NSS key log written to
// Options.KeyLog; TLSTwin writes the same IMAP messages in clear text, for
// comparisons. Such captures are reproducible in structure (sessions,
// messages, sizes, packets, times) but not byte for byte: crypto/tls takes
// its randomness from crypto/rand (see tls.go).
//
// The Summary returned with a capture is its ground truth (sessions, packets,
// tagged commands per kind, literals), so a dissector under test can be
// checked against exact counts.
//
// Concurrency: Write and Capture are safe to call from several goroutines;
// they share only read-only tables. Memory: one reusable buffer per open
// session (at most a message body, 200 KB) plus the output buffer.
package benchgen
