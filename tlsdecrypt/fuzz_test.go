package tlsdecrypt

import "testing"

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
