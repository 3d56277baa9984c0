package dissect

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// mutf7 is the base64 alphabet of modified UTF-7 (RFC 3501 §5.1.3).
var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// decodeMUTF7 decodes a mailbox name from modified UTF-7. It reports false
// when name is not valid modified UTF-7 (then it should be shown as is).
func decodeMUTF7(name string) (string, bool) {
	if !strings.Contains(name, "&") {
		return name, true
	}
	var b strings.Builder
	for i := 0; i < len(name); {
		c := name[i]
		if c != '&' {
			if c < 0x20 || c > 0x7e {
				return name, false
			}
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(name[i+1:], '-')
		if end < 0 {
			return name, false
		}
		enc := name[i+1 : i+1+end]
		i += end + 2
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := mutf7.DecodeString(enc)
		if err != nil || len(raw)%2 != 0 {
			return name, false
		}
		units := make([]uint16, len(raw)/2)
		for j := range units {
			units[j] = uint16(raw[2*j])<<8 | uint16(raw[2*j+1])
		}
		for _, r := range utf16.Decode(units) {
			if r == utf8.RuneError {
				return name, false
			}
			b.WriteRune(r)
		}
	}
	return b.String(), true
}
