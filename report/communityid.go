package report

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"time"
)

// Community ID flow hashing, version 1 (the Corelight community-id-spec,
// also what Zeek, Suricata and Wireshark's communityid post-dissector
// compute), with seed 0 as those tools use by default.
const (
	// CommunityIDSeed is the seed hashed into every Community ID.
	CommunityIDSeed = 0
	// communityIDPrefix is the version prefix of a v1 Community ID.
	communityIDPrefix = "1:"
	// protoTCP is the IP protocol number of TCP.
	protoTCP = 6
)

// CommunityID returns the Community ID v1 (seed 0) of the TCP flow between
// the endpoints client and server (ip:port, [v6]:port), or "" when either is
// not an address with a port. The hash is over the seed (2 bytes, network
// order), the smaller endpoint's address then the other's, the protocol
// number, one zero pad byte, then the two ports in the same order; the
// endpoints are ordered by address, then by port, so both directions of a
// flow give the same ID. The result is "1:" and the base64 of the SHA-1.
func CommunityID(client, server string) string {
	a, err := netip.ParseAddrPort(client)
	if err != nil {
		return ""
	}
	b, err := netip.ParseAddrPort(server)
	if err != nil {
		return ""
	}
	var buf [communityIDLen]byte
	return string(appendCommunityIDv1(buf[:0], a, b, protoTCP, CommunityIDSeed))
}

// communityIDLen is the length of a v1 Community ID: the prefix and the
// base64 of a SHA-1.
const communityIDLen = len(communityIDPrefix) + 28

// AppendCommunityID appends the Community ID v1 (seed 0, see CommunityID)
// of the TCP flow between client and server to b; it appends nothing when
// one is IPv4 and the other IPv6.
func AppendCommunityID(b []byte, client, server netip.AddrPort) []byte {
	return appendCommunityIDv1(b, client, server, protoTCP, CommunityIDSeed)
}

// appendCommunityIDv1 appends the Community ID of the flow src → dst of
// protocol proto with seed.
func appendCommunityIDv1(out []byte, src, dst netip.AddrPort, proto uint8, seed uint16) []byte {
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if sa.Is4() != da.Is4() {
		return out
	}
	s16, d16 := sa.As16(), da.As16()
	sb, db := s16[:], d16[:]
	if sa.Is4() {
		sb, db = sb[12:], db[12:]
	}
	sp, dp := src.Port(), dst.Port()
	if c := bytes.Compare(sb, db); c > 0 || c == 0 && sp > dp {
		sb, db, sp, dp = db, sb, dp, sp
	}
	var arr [2 + 16 + 16 + 2 + 4]byte
	buf := binary.BigEndian.AppendUint16(arr[:0], seed)
	buf = append(buf, sb...)
	buf = append(buf, db...)
	buf = append(buf, proto, 0)
	buf = binary.BigEndian.AppendUint16(buf, sp)
	buf = binary.BigEndian.AppendUint16(buf, dp)
	sum := sha1.Sum(buf)
	out = append(out, communityIDPrefix...)
	return base64.StdEncoding.AppendEncode(out, sum[:])
}

// sessionUIDBytes is how many bytes of the hash a session uid keeps (80
// bits: a collision among a billion sessions has odds of about 1 in 10^6).
const sessionUIDBytes = 10

// uidEncoding is lower-case base32 without padding: uids are case-free
// and safe in file names, URLs and TSV.
var uidEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// SessionUID returns the identifier of a session, the same in every run and
// on every sensor that saw the connection start at the same instant: "C"
// followed by 16 base32 characters of the SHA-256 of the Community ID of
// client and server and the start time (RFC 3339, nanoseconds, UTC). The
// start time separates connections that reuse the same ports. When the
// endpoints are not ip:port the endpoints themselves are hashed instead.
func SessionUID(client, server string, start time.Time) string {
	var buf [1 + 16]byte
	return string(AppendSessionUID(buf[:0], CommunityID(client, server), client, server, start))
}

// AppendSessionUID appends SessionUID(client, server, start) to b, given
// the Community ID of client and server ("" when they are not ip:port).
func AppendSessionUID(b []byte, communityID, client, server string, start time.Time) []byte {
	var arr [128]byte
	in := arr[:0]
	if communityID != "" {
		in = append(in, communityID...)
	} else {
		in = append(in, client...)
		in = append(in, '\n')
		in = append(in, server...)
	}
	in = append(in, '\n')
	if !start.IsZero() {
		in = start.UTC().AppendFormat(in, time.RFC3339Nano)
	}
	sum := sha256.Sum256(in)
	b = append(b, 'C')
	return uidEncoding.AppendEncode(b, sum[:sessionUIDBytes])
}

// Identify fills in s.UID and s.CommunityID from its endpoints and start
// time when they are empty.
func (s *Session) Identify() {
	if s.CommunityID == "" {
		s.CommunityID = CommunityID(s.Client, s.Server)
	}
	if s.UID == "" {
		s.UID = SessionUID(s.Client, s.Server, s.Start.Time)
	}
}
