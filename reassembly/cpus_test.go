package reassembly

import (
	"runtime"
	"testing"
)

func TestDefaultWorkers(t *testing.T) {
	for _, c := range []struct {
		avail, host int
		load        float64
		want        int
	}{
		{2, 2, 0.1, 2}, // an idle two-CPU host: two workers win
		{2, 2, 0.7, 2}, // a CPU idle on average: two won 1.8x at load 0.6-1.1
		{2, 2, 1.2, 1}, // less than a CPU idle
		{2, 2, 5.5, 1}, // a loaded host (the case measured 1.22x slower)
		{1, 2, 0, 1},   // affinity or a cgroup quota of one CPU
		{2, 64, 30, 2}, // a two-CPU quota on a big busy host
		{64, 64, 0, 4}, // capped
		{8, 8, 5.2, 3}, // 2.8 idle
		{16, 16, 14.6, 2},
		{16, 16, 15.5, 1},
	} {
		if got := defaultWorkers(c.avail, c.host, c.load); got != c.want {
			t.Errorf("defaultWorkers(%d, %d, %.1f) = %d, want %d", c.avail, c.host, c.load, got, c.want)
		}
	}
	if n := DefaultWorkers(); n < 1 || n > min(runtime.GOMAXPROCS(0), maxDefaultWorkers) {
		t.Errorf("DefaultWorkers() = %d with GOMAXPROCS %d", n, runtime.GOMAXPROCS(0))
	}
}
