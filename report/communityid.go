package report

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
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
	return communityIDv1(a, b, protoTCP, CommunityIDSeed)
}

// communityIDv1 hashes the flow src → dst of protocol proto with seed.
func communityIDv1(src, dst netip.AddrPort, proto uint8, seed uint16) string {
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if sa.Is4() != da.Is4() {
		return ""
	}
	sb, db := sa.AsSlice(), da.AsSlice()
	sp, dp := src.Port(), dst.Port()
	if c := bytes.Compare(sb, db); c > 0 || c == 0 && sp > dp {
		sb, db, sp, dp = db, sb, dp, sp
	}
	buf := make([]byte, 0, 2+16+16+2+4)
	buf = binary.BigEndian.AppendUint16(buf, seed)
	buf = append(buf, sb...)
	buf = append(buf, db...)
	buf = append(buf, proto, 0)
	buf = binary.BigEndian.AppendUint16(buf, sp)
	buf = binary.BigEndian.AppendUint16(buf, dp)
	sum := sha1.Sum(buf)
	return communityIDPrefix + base64.StdEncoding.EncodeToString(sum[:])
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
	var b strings.Builder
	if id := CommunityID(client, server); id != "" {
		b.WriteString(id)
	} else {
		b.WriteString(client)
		b.WriteByte('\n')
		b.WriteString(server)
	}
	b.WriteByte('\n')
	if !start.IsZero() {
		b.WriteString(start.UTC().Format(time.RFC3339Nano))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return "C" + uidEncoding.EncodeToString(sum[:sessionUIDBytes])
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
