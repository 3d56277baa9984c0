// Package dissect is imapscope's IMAP tokenizer and protocol state machine.
//
// It is a push parser: a Session is fed the bytes of one TCP connection, one
// direction at a time, in whatever slices the transport hands up (a line or a
// literal may be split anywhere), and builds a report.Session as it goes.
// Every call returns after the bytes it was given have been consumed, and
// events (finished transactions) are delivered synchronously, before it
// returns. Nothing here imports gopacket and nothing starts a goroutine:
// the DEFLATE decoder after COMPRESS is a push decoder too (flate.go), and
// TLS records are decrypted inside the Feed that carries them (tlsconn.go).
//
// Each direction has a wire (wire.go), the one path its bytes take:
//
//	TCP payload → head (protocol sniff) → [TLS] → [DEFLATE] → framer → Session
//
// The framer splits the IMAP stream into lines and literal bodies; the
// Session correlates commands and responses by tag and changes a wire only
// through named methods (startTLS, startInflate, cancelLiteral, setEOL…).
//
// Ownership: Feed borrows its slice for the duration of the call. The framer
// keeps at most one partial line per direction (capped at Options.MaxLine)
// and a literal byte counter; literal bodies are counted and skipped, never
// copied, except for short client literals (capped at maxCapturedLiteral)
// that carry command arguments such as a LOGIN user name. The DEFLATE
// decoder keeps its 32 KiB window and at most the input bytes of one code
// cut by a segment's end (maxFlateUnit).
//
// Concurrency: a Session is not safe for concurrent use; the reassembly layer
// drives each connection from a single goroutine. Sessions on different
// goroutines share only what Options gives them, each behind a lock:
// Options.Capabilities (capability and flag lists, unsolicited counts; one
// per collector) and the key log behind Options.TLSKeys. What they hand
// out is never modified. The package has no mutable global state.
//
// Limits: every limit is a named constant with a default in options.go and
// can be overridden through Options. Input that exceeds a limit becomes an
// anomaly on the session, never an allocation.
package dissect
