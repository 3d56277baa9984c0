package reassembly

import (
	"bytes"
	"context"
	"runtime"
	"testing"
)

// benchCapture is a synthetic in-memory capture: 200 connections with
// FETCH responses up to 20 KB, a little disorder and duplication, no loss.
func benchCapture(b *testing.B) []byte {
	cp := synth(b, synthOpts{conns: 200, exchanges: 20, maxBody: 20000, disorder: 0.01, dup: 0.005, seed: 3})
	return cp.pcap()
}

// BenchmarkFloor measures the cost of merely reading and reassembling:
// pcap parsing, decoding and TCP reassembly into counting Conns.
func BenchmarkFloor(b *testing.B) {
	file := benchCapture(b)
	for _, w := range []int{1, 4} {
		b.Run(map[int]string{1: "workers=1", 4: "workers=4"}[w], func(b *testing.B) {
			var packets int64
			var memBefore, memAfter runtime.MemStats
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			runtime.ReadMemStats(&memBefore)
			b.ResetTimer()
			for range b.N {
				f := &CountingFactory{}
				e := NewEngine(Options{Workers: w}, f)
				if err := e.ReadFrom(context.Background(), "bench", bytes.NewReader(file)); err != nil {
					b.Fatal(err)
				}
				st := e.Close()
				packets += st.Packets
				if tot := f.Totals(); tot.Ended != 200 || tot.Gaps != 0 {
					b.Fatalf("totals %+v", tot)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&memAfter)
			b.ReportMetric(float64(memAfter.Mallocs-memBefore.Mallocs)/float64(packets), "allocs/packet")
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}
