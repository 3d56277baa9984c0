package tlsdecrypt

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"crypto/hmac"
	"math/rand/v2"
	"testing"
)

var hmacTestHashes = []crypto.Hash{crypto.MD5, crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}

// TestShortHMACMatchesCryptoHMAC: shortHMAC gives crypto/hmac's output for
// random keys (shorter and longer than the block) and random messages up to
// and past maxShortMsg (the crypto/hmac fallback), split at random.
func TestShortHMACMatchesCryptoHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := 0; i < 2000; i++ {
		h := hmacTestHashes[i%len(hmacTestHashes)]
		key := rnd(rng.IntN(300))
		msg := rnd(rng.IntN(maxShortMsg + 40))
		cut := 0
		if len(msg) > 0 {
			cut = rng.IntN(len(msg) + 1)
		}
		var m shortHMAC
		m.init(h, key)
		prefix := rnd(rng.IntN(8))
		got := m.sum(append([]byte(nil), prefix...), msg[:cut], msg[cut:])
		ref := hmac.New(h.New, key)
		ref.Write(msg)
		want := ref.Sum(append([]byte(nil), prefix...))
		if !bytes.Equal(got, want) {
			t.Fatalf("%v key %d msg %d cut %d: %x, want %x", h, len(key), len(msg), cut, got, want)
		}
		// Reused for a second message with the same key.
		got = m.sum(nil, msg[cut:], nil)
		ref.Reset()
		ref.Write(msg[cut:])
		if want := ref.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("%v reused: %x, want %x", h, got, want)
		}
	}
}

// TestExpandLabelRandomMatchesHKDF: expandLabel equals crypto/hkdf's
// HKDF-Expand of the HkdfLabel for random secrets, labels, contexts and
// lengths (one block and more).
func TestExpandLabelRandomMatchesHKDF(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := 0; i < 1000; i++ {
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384}[i%2]
		secret := rnd(1 + rng.IntN(200))
		label := string(rnd(rng.IntN(249)))
		ctx := rnd(rng.IntN(256))
		n := 1 + rng.IntN(2*h.Size())
		got, err := expandLabel(h, secret, label, ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		want, err := hkdf.Expand(h.New, secret, string(hkdfLabel(nil, label, ctx, n)), n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v secret %d label %d ctx %d n %d: %x, want %x", h, len(secret), len(label), len(ctx), n, got, want)
		}
	}
}

// refPHash is RFC 5246 §5's P_hash written with crypto/hmac, the reference
// for pHash.
func refPHash(out []byte, h crypto.Hash, secret, seed []byte) {
	mac := hmac.New(h.New, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	for len(out) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		out = out[copy(out, mac.Sum(nil)):]
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
}

// TestPHashMatchesCryptoHMAC: pHash (shortHMAC) equals P_hash over
// crypto/hmac for random secrets, seeds and output lengths.
func TestPHashMatchesCryptoHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := 0; i < 1000; i++ {
		h := hmacTestHashes[i%len(hmacTestHashes)]
		secret, seed := rnd(rng.IntN(160)), rnd(rng.IntN(200))
		n := rng.IntN(maxKeyBlock12 + 1)
		got, want := make([]byte, n), make([]byte, n)
		pHash(got, h, secret, seed)
		refPHash(want, h, secret, seed)
		if !bytes.Equal(got, want) {
			t.Fatalf("%v secret %d seed %d n %d: %x, want %x", h, len(secret), len(seed), n, got, want)
		}
	}
}

// TestKeyScheduleAllocs: the short HMAC, one-block Expand-Label and the
// TLS 1.2 key block allocate nothing.
func TestKeyScheduleAllocs(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 48)
	var r [32]byte
	s := lookupSuite(0xc02f)
	var out [64]byte
	a := testing.AllocsPerRun(20, func() {
		for _, h := range hmacTestHashes {
			var m shortHMAC
			m.init(h, secret)
			m.sum(out[:0], secret, secret[:5])
		}
		var m shortHMAC
		m.init(crypto.SHA384, secret)
		expandLabelBlock(&m, out[:0], "traffic upd", nil, 48)
		var k keys12
		expandKeys12(&k, s, 0x0303, secret, r, r)
		expandKeys12(&k, s, 0x0301, secret, r, r)
	})
	if a != 0 {
		t.Errorf("%.1f allocations", a)
	}
}
