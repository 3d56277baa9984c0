package report

import (
	"math"
	"slices"
)

// Latency percentile accuracy. Up to ExactLatencies values per key are kept
// and percentiles are exact (nearest rank); beyond that a key's values move
// into a logSketch, whose answers are within SketchRelativeError of the
// exact nearest-rank value.
const (
	// ExactLatencies is how many latencies per key are kept before switching to the sketch.
	ExactLatencies = 100_000
	// SketchRelativeError bounds the relative error of a sketched percentile.
	SketchRelativeError = 0.01
	// sketchMin is the smallest latency (ms) the sketch tells apart from zero: 1 ns.
	sketchMin = 1e-6
)

// Names of the percentile methods, as written in Stats.Percentiles.
const (
	PercentilesExact  = "exact"
	PercentilesSketch = "sketch (≤1% relative error)"
)

// logSketch is a histogram over logarithmic buckets: bucket i holds values in
// (γ^(i-1), γ^i] with γ = (1+α)/(1-α), and reports 2γ^i/(γ+1), which is
// within α of every value in the bucket. Memory grows with the logarithm of
// the value range only (about 1,700 buckets from 1 ns to 10⁹ ms for α = 1%).
type logSketch struct {
	gamma  float64
	lnG    float64
	zeros  int   // values below sketchMin
	offset int   // bucket index of counts[0]
	counts []int // dense bucket counts
	n      int
}

// newLogSketch returns an empty sketch with relative error alpha.
func newLogSketch(alpha float64) *logSketch {
	g := (1 + alpha) / (1 - alpha)
	return &logSketch{gamma: g, lnG: math.Log(g)}
}

// add records one value (negative values count as zero).
func (s *logSketch) add(v float64) {
	s.n++
	if !(v >= sketchMin) { // also catches NaN
		s.zeros++
		return
	}
	i := int(math.Ceil(math.Log(v) / s.lnG))
	switch {
	case len(s.counts) == 0:
		s.offset = i
		s.counts = []int{0}
	case i < s.offset:
		grow := make([]int, s.offset-i, s.offset-i+len(s.counts))
		s.counts = append(grow, s.counts...)
		s.offset = i
	case i-s.offset >= len(s.counts):
		s.counts = append(s.counts, make([]int, i-s.offset-len(s.counts)+1)...)
	}
	s.counts[i-s.offset]++
}

// quantile returns the estimated nearest-rank q-quantile (0 < q ≤ 1).
func (s *logSketch) quantile(q float64) float64 {
	if s.n == 0 {
		return 0
	}
	rank := nearestRank(q, s.n)
	if rank <= s.zeros {
		return 0
	}
	seen := s.zeros
	for j, c := range s.counts {
		seen += c
		if seen >= rank {
			return 2 * math.Pow(s.gamma, float64(j+s.offset)) / (s.gamma + 1)
		}
	}
	return 2 * math.Pow(s.gamma, float64(len(s.counts)-1+s.offset)) / (s.gamma + 1)
}

// nearestRank is the 1-based rank of the q-quantile of n values: ⌈q·n⌉, at least 1.
func nearestRank(q float64, n int) int {
	r := int(math.Ceil(q * float64(n)))
	return min(max(r, 1), n)
}

// latencies accumulates the latencies of one key: exactly while few, in a
// sketch beyond ExactLatencies. The maximum is always exact.
type latencies struct {
	exact  []float64
	sketch *logSketch
	max    float64
	limit  int
}

// add records one latency in milliseconds.
func (l *latencies) add(v float64) {
	l.max = max(l.max, v)
	if l.sketch != nil {
		l.sketch.add(v)
		return
	}
	l.exact = append(l.exact, v)
	limit := l.limit
	if limit <= 0 {
		limit = ExactLatencies
	}
	if len(l.exact) > limit {
		l.sketch = newLogSketch(SketchRelativeError)
		for _, x := range l.exact {
			l.sketch.add(x)
		}
		l.exact = nil
	}
}

// sketched reports whether the percentiles are estimates.
func (l *latencies) sketched() bool { return l.sketch != nil }

// percentiles returns the p50, p90 and p99 latencies (0 when there are none).
func (l *latencies) percentiles() (p50, p90, p99 float64) {
	if l.sketch != nil {
		return l.sketch.quantile(0.5), l.sketch.quantile(0.9), l.sketch.quantile(0.99)
	}
	if len(l.exact) == 0 {
		return 0, 0, 0
	}
	slices.Sort(l.exact)
	at := func(q float64) float64 { return l.exact[nearestRank(q, len(l.exact))-1] }
	return at(0.5), at(0.9), at(0.99)
}
