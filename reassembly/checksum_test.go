package reassembly

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// refSum is RFC 1071's ones' complement sum of big-endian 16-bit words.
func refSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// TestAddLEMatchesRFC1071: the little-endian 64-bit sum, swapped, is the
// RFC 1071 sum for every length and content (0 and 0xffff are the same
// ones' complement value).
func TestAddLEMatchesRFC1071(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		for range 20 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.UintN(256))
				if rng.IntN(4) == 0 {
					b[i] = 0xff
				}
			}
			got := fold(addLE(0, b))
			got = got>>8 | got<<8
			want := refSum(b)
			if got != want && !(got == 0xffff && want == 0 || got == 0 && want == 0xffff) {
				t.Fatalf("len %d: %04x, want %04x", n, got, want)
			}
		}
	}
}

func BenchmarkTCPChecksum(b *testing.B) {
	p := make([]byte, 1448)
	b.SetBytes(int64(len(p)))
	for range b.N {
		_ = fold(addLE(0, p))
	}
}
