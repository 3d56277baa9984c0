package reassembly

import (
	"math"
	"testing"
	"time"
)

// TestCaptureNanos: capture times compare as they did as time.Time values
// from 1970 to 2262; earlier ones are 0, later ones MaxInt64 (equal to each
// other, never wrapping around to negative).
func TestCaptureNanos(t *testing.T) {
	times := []time.Time{
		time.Unix(0, 0), time.Unix(0, 1), time.Unix(1, 0),
		time.Date(2024, 5, 1, 12, 0, 0, 999999999, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 1, 0, time.FixedZone("x", 3600)),
		time.Unix(math.MaxInt64/1_000_000_000-1, 999999999),
	}
	for i := 1; i < len(times); i++ {
		a, b := captureNanos(times[i-1]), captureNanos(times[i])
		if (a < b) != times[i-1].Before(times[i]) {
			t.Errorf("%v (%d) and %v (%d) compare differently", times[i-1], a, times[i], b)
		}
	}
	if n := captureNanos(time.Unix(-5, 0)); n != 0 {
		t.Errorf("1969: %d, want 0", n)
	}
	for _, tm := range []time.Time{time.Unix(math.MaxInt64/1_000_000_000, 0), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(1<<62, 0)} {
		if n := captureNanos(tm); n != math.MaxInt64 {
			t.Errorf("%v: %d, want MaxInt64", tm, n)
		}
	}
	if n := captureNanos(time.Unix(1700000000, 5)); n != 1700000000_000000005 {
		t.Errorf("captureNanos = %d", n)
	}
}
