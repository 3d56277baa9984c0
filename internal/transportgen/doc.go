// Package transportgen crafts the small captures under pcaps/transport/:
// IMAP conversations under transport conditions that busy servers, NATs,
// traffic mirroring and attackers produce (port reuse, conflicting copies,
// bad checksums, fragments, tunnels, clock glitches, lost packets). Each
// capture function says which real condition it reproduces. Packets are
// serialized with gopacket's layers, timestamps are fixed: the output is
// byte-for-byte reproducible (go run ./internal/transportgen/cmd/transportgen).
package transportgen

// All returns every capture, in a fixed order.
func All() []*Capture {
	all := []*Capture{
		RSTReuse(), FINLostReuse(), SYNRetry(), RSTPayload(),
		UnsupportedLink(), CapLenOverLength(),
		WildTimestamp(), SYNACKWild(),
		OverlapConflict(), BadChecksum(), ChecksumOffload(),
		IPv4Frag(), IPv6Frag(), FragOverlap(), FragFlood(),
		GapLatency(), WrapHole(),
		SASLLostOK(), Append0(), LongTags(), DigestMD5(), NTLM(),
	}
	all = append(all, Rev2Captures()...)
	return append(all, Tunnels()...)
}
