package tlsdecrypt

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"testing"
)

// TestExpandLabelMatchesHKDF: the one-block shortcut of expandLabel gives
// crypto/hkdf's output for every length TLS 1.3 uses and beyond one block.
func TestExpandLabelMatchesHKDF(t *testing.T) {
	secret := bytes.Repeat([]byte{0x5a}, 48)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		for _, n := range []int{12, 16, 32, h.Size(), h.Size() + 1, 100} {
			for _, label := range []string{"key", "iv", "traffic upd"} {
				got, err := expandLabel(h, secret[:h.Size()], label, []byte("ctx"), n)
				if err != nil {
					t.Fatal(err)
				}
				want, err := hkdf.Expand(h.New, secret[:h.Size()], string(hkdfLabel(nil, label, []byte("ctx"), n)), n)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%v %s %d: %x, want %x", h, label, n, got, want)
				}
			}
		}
	}
}
