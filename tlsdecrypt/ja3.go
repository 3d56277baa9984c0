package tlsdecrypt

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// JA3 returns Salesforce's JA3 string of a ClientHello —
// "version,ciphers,extensions,groups,point formats", decimal values joined
// with "-", GREASE values removed — and its MD5 hex.
func ja3(ch *clientHello) (text, hash string) {
	b := strconv.AppendUint(nil, uint64(ch.version), 10)
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
	return string(b), md5Hex(b)
}

// ja3s returns the JA3S string of a ServerHello — "version,cipher,extensions"
// — and its MD5 hex.
func ja3s(sh *serverHello) (text, hash string) {
	b := strconv.AppendUint(nil, uint64(sh.legacyVersion), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(sh.cipher), 10)
	b = append(b, ',')
	b = appendDecList(b, sh.exts)
	return string(b), md5Hex(b)
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
