package tlsdecrypt

import (
	"crypto/tls"
	"sync"
	"testing"
)

// FuzzConn feeds garbage (split at a fuzzed point, with a fuzzed gap) to
// both directions of a Conn with a key log: no panic, bounded state.
func FuzzConn(f *testing.F) {
	f.Add([]byte{22, 3, 1, 0, 5, 1, 0, 0, 1, 0}, []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint8(3), uint16(0))
	f.Add([]byte{20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 20}, []byte{23, 3, 3, 0x40, 0}, uint8(1), uint16(7))
	kl := NewKeyLog()
	kl.Add([]byte("CLIENT_RANDOM 0000000000000000000000000000000000000000000000000000000000000000 " +
		"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n"))
	f.Fuzz(func(t *testing.T, cli, srv []byte, split uint8, gap uint16) {
		c := NewConn(kl, Limits{})
		emit := func(p []byte) {}
		for i, p := range [][]byte{cli, srv} {
			k := min(int(split), len(p))
			c.Feed(i, p[:k], emit)
			if gap > 0 {
				c.Gap(i, int(gap))
			}
			c.Feed(i, p[k:], emit)
		}
		for d := range c.dir {
			if cap(c.dir[d].fr.buf) > 2*(recordHeaderLen+maxCiphertext)+len(cli)+len(srv) {
				t.Fatalf("framer buffer %d", cap(c.dir[d].fr.buf))
			}
		}
		_ = c.Info()
		c.Release()
		c.Feed(0, cli, emit) // after Release: ignored, no panic
		c.Gap(1, 3)
	})
}

var (
	recordedOnce sync.Once
	recorded     []session
)

// recordedSessions are a TLS 1.3 and a TLS 1.2 (AES-GCM, and AES-CBC with
// HMAC-SHA1) crypto/tls session with their key logs, made once.
func recordedSessions(t *testing.T) []session {
	recordedOnce.Do(func() {
		rc, _ := testCerts(t)
		for _, c := range []struct{ v, cs uint16 }{
			{tls.VersionTLS13, 0},
			{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		} {
			var cs []uint16
			if c.cs != 0 {
				cs = []uint16{c.cs}
			}
			recorded = append(recorded, exchange(t, &tls.Config{InsecureSkipVerify: true, MinVersion: c.v, MaxVersion: c.v, CipherSuites: cs},
				&tls.Config{Certificates: []tls.Certificate{rc}, MinVersion: c.v, MaxVersion: c.v, CipherSuites: cs}, 3))
		}
	})
	return recorded
}

// FuzzConnRecorded damages real sessions decrypted with their real keys —
// one byte changed, bytes lost at a point (reported as a gap) — so that
// authentication failures, resynchronisation after gaps and sequence
// guessing run with keys that work: no panic, bounded buffers, and an
// undamaged session still decrypts completely.
func FuzzConnRecorded(f *testing.F) {
	f.Add(uint8(0), uint16(100), uint8(1), uint16(0), uint16(0))
	f.Add(uint8(1), uint16(3000), uint8(0x80), uint16(2000), uint16(30))
	f.Add(uint8(2), uint16(0), uint8(0), uint16(1500), uint16(700))
	f.Add(uint8(1), uint16(0), uint8(0), uint16(0), uint16(0)) // undamaged: must decrypt completely
	f.Fuzz(func(t *testing.T, which uint8, off uint16, xor uint8, gapAt, gapLen uint16) {
		s := recordedSessions(t)[int(which)%3]
		kl := NewKeyLog()
		kl.Add(s.keylog)
		c := NewConn(kl, Limits{})
		var plain int
		emit := func(p []byte) { plain += len(p) }
		pos := 0
		for _, ch := range s.chunks {
			data := ch.data
			if o := int(off) - pos; o >= 0 && o < len(data) && xor != 0 {
				data = append([]byte(nil), data...)
				data[o] ^= xor
			}
			if g := int(gapAt) - pos; gapLen > 0 && g >= 0 && g < len(data) {
				n := min(int(gapLen), len(data)-g)
				c.Feed(ch.dir, data[:g], emit)
				c.Gap(ch.dir, n)
				data = data[g+n:]
			}
			c.Feed(ch.dir, data, emit)
			pos += len(ch.data)
		}
		for d := range c.dir {
			if cap(c.dir[d].fr.buf) > 2*recordBufLen {
				t.Fatalf("framer buffer %d", cap(c.dir[d].fr.buf))
			}
		}
		if (xor == 0 || int(off) >= pos) && gapLen == 0 && plain != len(s.clientSent)+len(s.serverSent) {
			t.Fatalf("undamaged session: %d plaintext bytes, want %d", plain, len(s.clientSent)+len(s.serverSent))
		}
		c.Release()
	})
}

// FuzzKeyLog parses garbage key logs, whole and in pieces: no panic, and
// the counters add up.
func FuzzKeyLog(f *testing.F) {
	f.Add([]byte("# c\nCLIENT_RANDOM 00 11\nSERVER_TRAFFIC_SECRET_0 abc\n"), uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, split uint8) {
		k := NewKeyLog()
		n := min(int(split), len(b))
		rest := k.addLines(nil, b[:n])
		rest = k.addLines(rest, b[n:])
		if len(rest) > maxKeyLogLine+1 {
			t.Fatalf("partial line kept: %d bytes", len(rest))
		}
		st := k.Stats()
		if st.Entries > st.Lines || st.Malformed > st.Lines || st.Entries != k.Len() {
			t.Fatalf("stats %+v len %d", st, k.Len())
		}
	})
}
