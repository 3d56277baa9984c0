package dissect

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"
)

// TestFlateDecoderMatchesStdlib compresses varied data with compress/flate
// at every level, with sync flushes at random points, and decodes it with
// the push decoder fed in random chunks: the output must be identical.
func TestFlateDecoderMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var plain []byte
	for len(plain) < 300<<10 {
		switch rng.IntN(3) {
		case 0: // text-like
			plain = append(plain, []byte("* 12 FETCH (FLAGS (\\Seen) BODY[] {42}\r\nSubject: hello world\r\n")...)
		case 1: // random bytes
			for i := 0; i < 200; i++ {
				plain = append(plain, byte(rng.UintN(256)))
			}
		default: // long runs (far back-references)
			plain = append(plain, bytes.Repeat([]byte{byte(rng.UintN(4))}, rng.IntN(3000))...)
		}
	}
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
		var comp bytes.Buffer
		w, err := flate.NewWriter(&comp, level)
		if err != nil {
			t.Fatal(err)
		}
		for p := plain; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(20000))
			w.Write(p[:k])
			if rng.IntN(2) == 0 {
				w.Flush()
			}
			p = p[k:]
		}
		w.Close()
		var d flateDecoder
		var got []byte
		d.emit = func(p []byte) bool { got = append(got, p...); return true }
		in := comp.Bytes()
		for len(in) > 0 {
			k := min(len(in), 1+rng.IntN(3000))
			if level == flate.BestCompression {
				k = min(len(in), 1+rng.IntN(3)) // codes cut at nearly every byte
			}
			if _, err := d.write(in[:k]); err != nil {
				t.Fatalf("level %d: %v", level, err)
			}
			in = in[k:]
		}
		if d.state != fsEnd {
			t.Fatalf("level %d: stream not ended", level)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("level %d: decoded %d bytes, want %d (first difference at %d)", level, len(got), len(plain), firstDiff(got, plain))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
