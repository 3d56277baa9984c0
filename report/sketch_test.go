package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSketchRelativeError checks every sketched percentile against the exact
// nearest-rank value over skewed data spanning seven decades.
func TestSketchRelativeError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var exact []float64
	s := newLogSketch(SketchRelativeError)
	for range 200_000 {
		v := math.Exp(rng.NormFloat64()*2) * 3 // log-normal, median 3 ms
		exact = append(exact, v)
		s.add(v)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1} {
		want := exact[nearestRank(q, len(exact))-1]
		got := s.quantile(q)
		if rel := math.Abs(got-want) / want; rel > SketchRelativeError*1.0001 {
			t.Errorf("q=%v: sketch %v, exact %v, relative error %.4f > %v", q, got, want, rel, SketchRelativeError)
		}
	}
	if len(s.counts) > 2000 {
		t.Errorf("sketch uses %d buckets", len(s.counts))
	}
}

func TestSketchZerosAndEmpty(t *testing.T) {
	s := newLogSketch(0.01)
	if s.quantile(0.5) != 0 {
		t.Error("empty sketch: want 0")
	}
	for range 10 {
		s.add(0)
	}
	s.add(100)
	if got := s.quantile(0.5); got != 0 {
		t.Errorf("median of mostly zeros = %v", got)
	}
	if got := s.quantile(1); math.Abs(got-100)/100 > 0.01 {
		t.Errorf("max = %v, want ≈100", got)
	}
	s.add(math.NaN()) // must not panic or grow the buckets
}

// TestLatenciesSwitchToSketch checks exact percentiles below the limit and the
// switch (and the exact maximum) above it.
func TestLatenciesSwitchToSketch(t *testing.T) {
	l := latencies{limit: 100}
	for i := 1; i <= 100; i++ {
		l.add(float64(i))
	}
	if l.sketched() {
		t.Fatal("sketched at the limit")
	}
	if p50, p90, p99 := l.percentiles(); p50 != 50 || p90 != 90 || p99 != 99 {
		t.Errorf("exact percentiles %v %v %v, want 50 90 99", p50, p90, p99)
	}
	l.add(1000.5)
	if !l.sketched() || l.exact != nil {
		t.Fatal("did not switch to the sketch above the limit")
	}
	p50, _, _ := l.percentiles()
	if math.Abs(p50-51)/51 > 0.01 {
		t.Errorf("sketched p50 = %v, want ≈51", p50)
	}
	if l.max != 1000.5 {
		t.Errorf("max = %v, want exact 1000.5", l.max)
	}
}
