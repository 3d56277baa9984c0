package tlsdecrypt

import (
	"crypto/tls"
	"testing"
)

// BenchmarkDecrypt decrypts the server stream of a recorded crypto/tls
// session (4 KiB-ish records) after its handshake: throughput and
// allocations per record in steady state.
func BenchmarkDecrypt(b *testing.B) {
	rc, _ := testCerts(nil)
	for _, cfg := range []struct {
		name string
		ver  uint16
		cs   uint16
	}{
		{"TLS13_AES128GCM", tls.VersionTLS13, 0},
		{"TLS12_AES128GCM", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"TLS12_CHACHA20", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{"TLS12_AES128CBC_SHA", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
	} {
		b.Run(cfg.name, func(b *testing.B) {
			t := &testing.T{}
			var cs []uint16
			if cfg.cs != 0 {
				cs = []uint16{cfg.cs}
			}
			s := exchange(t, &tls.Config{InsecureSkipVerify: true, MinVersion: cfg.ver, MaxVersion: cfg.ver, CipherSuites: cs},
				&tls.Config{Certificates: []tls.Certificate{rc}, MinVersion: cfg.ver, MaxVersion: cfg.ver, CipherSuites: cs}, 6)
			keys := NewKeyLog()
			keys.Add(s.keylog)
			// Handshake and first records once, then replay the server's
			// last (largest) chunk's records as new records would arrive:
			// rebuild a Conn per iteration batch is avoided by feeding the
			// same epoch again, so measure on a fresh Conn per op instead.
			var total int64
			for _, ch := range s.chunks {
				total += int64(len(ch.data))
			}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			var recs int
			for i := 0; i < b.N; i++ {
				c := NewConn(keys, Limits{})
				for _, ch := range s.chunks {
					c.Feed(ch.dir, ch.data, func([]byte) {})
				}
				recs += c.Info().Counters.DecryptedRecords
			}
			b.ReportMetric(float64(recs)/float64(b.N), "records/op")
		})
	}
}

// TestSteadyStateAllocs checks that records after the handshake cost no
// allocation: a long session allocates no more than a short one of the
// same handshake, per extra decrypted record (below 0.05).
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("SKIP: allocation counts are meaningless under -race (sync.Pool drops items at random); run without -race")
	}
	rc, _ := testCerts(t)
	for _, ver := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		measure := func(rounds int) (float64, int) {
			s := exchange(t, &tls.Config{InsecureSkipVerify: true, MinVersion: ver, MaxVersion: ver},
				&tls.Config{Certificates: []tls.Certificate{rc}, MinVersion: ver, MaxVersion: ver}, rounds)
			keys := NewKeyLog()
			keys.Add(s.keylog)
			var recs int
			a := testing.AllocsPerRun(5, func() {
				c := NewConn(keys, Limits{})
				for _, ch := range s.chunks {
					c.Feed(ch.dir, ch.data, func([]byte) {})
				}
				recs = c.Info().Counters.DecryptedRecords
			})
			return a, recs
		}
		a1, r1 := measure(2)
		a2, r2 := measure(40)
		per := (a2 - a1) / float64(r2-r1)
		t.Logf("%s: %.0f allocs/%d records vs %.0f/%d: %.3f allocs per extra record", VersionName(ver), a1, r1, a2, r2, per)
		if per > 0.05 {
			t.Errorf("%s: %.3f allocations per steady-state record", VersionName(ver), per)
		}
	}
}
