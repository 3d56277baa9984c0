package pipeline

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

// The all-IMAPS variant of the benchmarks: benchgen's TLSOn capture (real
// crypto/tls, TLS 1.3 AES-128-GCM and TLS 1.2 ECDHE-ECDSA-AES128-GCM, port
// 993) decrypted with its key log, against its clear-text twin (the same
// IMAP messages on port 143).

// tlsBenchOptions are the options of the TLS benchmark captures (about
// 30 MB, like benchCapture).
var tlsBenchOptions = benchgen.Options{Sessions: 150, Seed: 7, Concurrency: 50}

var (
	tlsBenchOnce         sync.Once
	tlsBenchCap, twinCap []byte
	tlsBenchSum, twinSum benchgen.Summary
	tlsBenchKeys         *tlsdecrypt.KeyLog
	tlsBenchErr          error
)

// tlsCapturePair generates a TLSOn capture with its key log and its twin.
func tlsCapturePair(o benchgen.Options) (tlsCap []byte, tlsSum benchgen.Summary, keys *tlsdecrypt.KeyLog, twin []byte, twSum benchgen.Summary, err error) {
	var kl bytes.Buffer
	o.TLS, o.KeyLog = benchgen.TLSOn, &kl
	if tlsCap, tlsSum, err = benchgen.Capture(o); err != nil {
		return
	}
	keys = tlsdecrypt.NewKeyLog()
	keys.Add(kl.Bytes())
	o.TLS, o.KeyLog = benchgen.TLSTwin, nil
	twin, twSum, err = benchgen.Capture(o)
	return
}

func tlsBenchCaptures(b *testing.B) {
	tlsBenchOnce.Do(func() {
		tlsBenchCap, tlsBenchSum, tlsBenchKeys, twinCap, twinSum, tlsBenchErr = tlsCapturePair(tlsBenchOptions)
	})
	if tlsBenchErr != nil {
		b.Fatal(tlsBenchErr)
	}
}

// fullRunKeys is fullRun (one worker) with a key log.
func fullRunKeys(b *testing.B, keys tlsdecrypt.KeyLookup) func(data []byte) {
	return func(data []byte) {
		col := NewCollector(dissect.Options{TLSKeys: keys}, Stream{})
		runEngine(b, data, col, 1)
		if err := report.WriteJSON(io.Discard, &report.Report{Sessions: col.Sessions()}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRunOn is benchRun over a given capture; b.SetBytes is the IMAP
// payload of the clear-text twin for both, so MB/s compare the same
// traffic.
func benchRunOn(b *testing.B, data []byte, packets int, imapBytes int64, run func(data []byte)) {
	b.SetBytes(imapBytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(data)
	}
	b.StopTimer()
	b.ReportMetric(testing.AllocsPerRun(1, func() { run(data) })/float64(packets), "allocs/packet")
}

// BenchmarkFullTLS is the whole pipeline on one worker over the IMAPS
// capture, decrypting with the key log.
func BenchmarkFullTLS(b *testing.B) {
	tlsBenchCaptures(b)
	benchRunOn(b, tlsBenchCap, tlsBenchSum.Packets, twinSum.PayloadBytes, fullRunKeys(b, tlsBenchKeys))
}

// BenchmarkFullTLSTwin is the same traffic in clear text (compare with
// BenchmarkFullTLS in the same run).
func BenchmarkFullTLSTwin(b *testing.B) {
	tlsBenchCaptures(b)
	benchRunOn(b, twinCap, twinSum.Packets, twinSum.PayloadBytes, fullRunKeys(b, nil))
}

// maxTLSConnAllocs bounds the allocations decrypting adds per TLS
// connection: 7.8 measured on 2026-12-02 — the AEADs (aes.NewCipher and
// cipher.NewGCM, two each: four for TLS 1.3, two for TLS 1.2) and the
// tlsDecrypter holding its Conn. 56 before the allocation-free key-schedule
// HMAC, inline hello/cipher storage, interned strings and shared
// certificate reports; 236 before the buffer pool and the certificate and
// fingerprint caches.
const maxTLSConnAllocs = 12

// TestBenchgenTLSDecrypted: a small benchgen TLS capture decrypted with its
// key log gives every session and transaction of its clear-text twin, all
// in TLS, and decryption adds at most maxTLSConnAllocs allocations per
// connection over the clear-text twin.
func TestBenchgenTLSDecrypted(t *testing.T) {
	tc, ts, keys, twin, ws, err := tlsCapturePair(benchgen.Options{Sessions: 24, Seed: 3, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if ts.TLSSessions != 24 || ts.TLS12Sessions == 0 || ts.TLS12Sessions == 24 || ts.Commands != ws.Commands {
		t.Fatalf("tls summary %+v, twin %+v", ts, ws)
	}
	read := func(data []byte, k tlsdecrypt.KeyLookup) []*report.Session {
		col := NewCollector(dissect.Options{TLSKeys: k}, Stream{})
		e := reassembly.NewEngine(reassembly.Options{Workers: 1}, col)
		if err := e.ReadFrom(context.Background(), "benchgen-tls", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		e.Close()
		return col.Sessions()
	}
	got, twins := read(tc, keys), read(twin, nil)
	if len(got) != len(twins) || len(got) != 24 {
		t.Fatalf("%d sessions decrypted, twin %d", len(got), len(twins))
	}
	// Session start times differ with the records' sizes: pair sessions
	// by client address (the same in both).
	byClient := map[string]*report.Session{}
	for _, w := range twins {
		byClient[w.Client] = w
	}
	n12 := 0
	for i, g := range got {
		w := byClient[g.Client]
		if w == nil {
			t.Errorf("session %d: client %s not in the twin", i+1, g.Client)
			continue
		}
		if !g.TLSDecrypted || g.User != w.User || len(g.Anomalies) != 0 {
			t.Errorf("session %d: decrypted %v user %q (twin %q) anomalies %v", i+1, g.TLSDecrypted, g.User, w.User, g.Anomalies)
		}
		if g.TLSCipher == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" {
			n12++
		} else if g.TLSCipher != "TLS_AES_128_GCM_SHA256" {
			t.Errorf("session %d: cipher %q", i+1, g.TLSCipher)
		}
		if len(g.Transactions) != len(w.Transactions) {
			t.Errorf("session %d: %d transactions, twin %d", i+1, len(g.Transactions), len(w.Transactions))
			continue
		}
		for j, x := range g.Transactions {
			y := w.Transactions[j]
			if !x.InTLS || x.Tag != y.Tag || x.Command != y.Command || x.Status != y.Status || x.Args != y.Args ||
				x.Responses != y.Responses || x.ServerLiteralBytes != y.ServerLiteralBytes || x.ClientLiteralBytes != y.ClientLiteralBytes {
				t.Errorf("session %d txn %d: %+v, twin %+v", i+1, j+1, *x, *y)
			}
		}
	}
	if n12 != ts.TLS12Sessions {
		t.Errorf("%d TLS 1.2 sessions decrypted, generator made %d", n12, ts.TLS12Sessions)
	}
	if raceEnabled {
		t.Log("SKIP: allocation counts under -race are meaningless (sync.Pool drops items); make test runs this test again without -race")
		return
	}
	a := testing.AllocsPerRun(1, func() { read(tc, keys) }) / float64(ts.Packets)
	aw := testing.AllocsPerRun(1, func() { read(twin, nil) }) / float64(ws.Packets)
	t.Logf("%d packets, %.4f allocs/packet decrypting; twin %d packets, %.4f allocs/packet", ts.Packets, a, ws.Packets, aw)
	// Records cost no allocation (tlsdecrypt.TestSteadyStateAllocs); what
	// TLS adds is per connection: hello parsing, the key schedule and AEADs.
	perConn := (a*float64(ts.Packets) - aw*float64(ws.Packets)) / float64(ts.TLSSessions)
	t.Logf("TLS adds %.1f allocations per connection", perConn)
	if perConn > maxTLSConnAllocs {
		t.Errorf("TLS adds %.1f allocations per connection (limit %d)", perConn, maxTLSConnAllocs)
	}
}
