// Package imap3sim replays scripted IMAP2 (RFC 1176) and IMAP3 (RFC 1203)
// exchanges over real TCP so that captures of those dialects can be made
// without a surviving server.
//
// A Script is an ordered list of steps, each owned by the client (C) or the
// server (S) and holding the exact bytes that side sends. Both peers play the
// same script: a peer writes its own steps (after a small, deterministic
// delay, so packets are separate and latencies non-zero) and reads and checks
// the other peer's steps byte for byte. Steps marked as joined are written in
// the same write call as the step before them, which is how pipelined
// commands are produced.
//
// Scripts are text files embedded from scripts/ (see ParseScript for the
// format). Each script also carries its ground truth (dialect, negotiated
// version and features, tagged transactions and the anomalies an analyzer is
// expected to report), emitted as the NAME.truth.json files next to the
// captures under pcaps/imap3/.
//
// Concurrency: a Script is immutable after parsing and may be played by many
// goroutines at once; Play uses only the connection it is given.
package imap3sim
