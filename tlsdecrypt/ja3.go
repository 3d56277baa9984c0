package tlsdecrypt

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// appendJA3Text appends Salesforce's JA3 string of a ClientHello —
// "version,ciphers,extensions,groups,point formats", decimal values joined
// with "-", GREASE values removed — to b (its MD5 hex is the JA3; see
// fingerprints).
func appendJA3Text(b []byte, ch *clientHello) []byte {
	b = strconv.AppendUint(b, uint64(ch.version), 10)
	b = append(b, ',')
	b = appendDecList(b, ch.ciphers)
	b = append(b, ',')
	b = appendDecList(b, ch.exts)
	b = append(b, ',')
	b = appendDecList(b, ch.groups)
	b = append(b, ',')
	for i, p := range ch.points {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(p), 10)
	}
	return b
}

// appendJA3SText appends the JA3S string of a ServerHello —
// "version,cipher,extensions" — to b (its MD5 hex is the JA3S).
func appendJA3SText(b []byte, sh *serverHello) []byte {
	b = strconv.AppendUint(b, uint64(sh.legacyVersion), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(sh.cipher), 10)
	b = append(b, ',')
	return appendDecList(b, sh.exts)
}

// appendDecList appends the non-GREASE values of v in decimal, "-"-joined.
func appendDecList(b []byte, v []uint16) []byte {
	first := true
	for _, x := range v {
		if isGREASE(x) {
			continue
		}
		if !first {
			b = append(b, '-')
		}
		first = false
		b = strconv.AppendUint(b, uint64(x), 10)
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}
