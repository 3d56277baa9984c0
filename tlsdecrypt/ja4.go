package tlsdecrypt

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// ja4HashLen is the number of hex characters kept of each JA4 hash.
const ja4HashLen = 12

// ja4 returns FoxIO's JA4 fingerprint of a ClientHello carried over TCP
// (JA4 specification, BSD-3-Clause): a_b_c with
// a = "t" ‖ version ‖ "d"/"i" (SNI present or not) ‖ cipher count ‖
// extension count ‖ first and last ALPN characters,
// b = truncated SHA-256 of the sorted cipher list,
// c = truncated SHA-256 of the sorted extensions (without SNI and ALPN)
// and the signature algorithms in order. GREASE values are ignored.
func ja4(ch *clientHello) string {
	ciphers := withoutGREASE(ch.ciphers)
	exts := withoutGREASE(ch.exts)
	sni := "i"
	if slices.Contains(exts, extServerName) {
		sni = "d"
	}
	a := fmt.Sprintf("t%s%s%02d%02d%s", ja4Version(ch), sni, min(len(ciphers), 99), min(len(exts), 99), ja4ALPN(ch))

	slices.Sort(ciphers)
	b := ja4Hash(hexList(ciphers))

	var rest []uint16
	for _, e := range exts {
		if e != extServerName && e != extALPN {
			rest = append(rest, e)
		}
	}
	slices.Sort(rest)
	c := hexList(rest)
	if sig := withoutGREASE(ch.sigAlgs); len(sig) > 0 {
		c += "_" + hexList(sig)
	}
	var ch12 string
	if len(rest) == 0 {
		ch12 = "000000000000"
	} else {
		ch12 = ja4Hash(c)
	}
	return a + "_" + b + "_" + ch12
}

// ja4Version is the highest non-GREASE supported_versions value, else the
// legacy version, as two characters.
func ja4Version(ch *clientHello) string {
	v := ch.version
	if vs := withoutGREASE(ch.versions); len(vs) > 0 {
		v = slices.Max(vs)
	}
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	}
	return "00"
}

// ja4ALPN is the first and last character of the first ALPN value, or of
// its hex form when either is not alphanumeric; "00" without ALPN, "99"
// when it starts with a non-ASCII byte.
func ja4ALPN(ch *clientHello) string {
	if len(ch.alpn) == 0 || len(ch.alpn[0]) == 0 {
		return "00"
	}
	p := ch.alpn[0]
	first, last := p[0], p[len(p)-1]
	if first > 0x7f {
		// FoxIO's reference implementation (whose outputs are the conformance
		// vectors) prints "99" for a first ALPN value starting outside ASCII.
		return "99"
	}
	if alnum(first) && alnum(last) {
		return string([]byte{first, last})
	}
	h := hex.EncodeToString([]byte(p))
	return string([]byte{h[0], h[len(h)-1]})
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// ja4Hash is the first 12 hex characters of SHA-256(s), or twelve zeros for
// an empty list.
func ja4Hash(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:ja4HashLen]
}

// hexList joins values as 4-digit lowercase hex, comma-separated.
func hexList(v []uint16) string {
	b := make([]byte, 0, 5*len(v))
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%04x", x)
	}
	return string(b)
}

// withoutGREASE returns a copy of v without GREASE values.
func withoutGREASE(v []uint16) []uint16 {
	out := make([]uint16, 0, len(v))
	for _, x := range v {
		if !isGREASE(x) {
			out = append(out, x)
		}
	}
	return out
}
