package reassembly

import (
	"os"
	"testing"
	"time"
)

// TestOthersBusy: others' CPU use is the host's busy time less this
// process's, over all ticks, in CPUs.
func TestOthersBusy(t *testing.T) {
	prev := cpuTimes{busy: 1000, ticks: 4000, self: 100, cpus: 4, ok: true}
	cases := []struct {
		cur  cpuTimes
		want float64
		ok   bool
	}{
		// 400 ticks over 4 CPUs: 300 busy, 100 of them this process's.
		{cpuTimes{busy: 1300, ticks: 4400, self: 200, cpus: 4, ok: true}, 2, true},
		// Only this process was busy.
		{cpuTimes{busy: 1300, ticks: 4400, self: 400, cpus: 4, ok: true}, 0, true},
		{cpuTimes{busy: 1300, ticks: 4000, self: 200, cpus: 4, ok: true}, 0, false}, // no tick passed
		{cpuTimes{}, 0, false},
	}
	for i, c := range cases {
		got, ok := othersBusy(prev, c.cur)
		if ok != c.ok || got != c.want {
			t.Errorf("case %d: %v %v, want %v %v", i, got, ok, c.want, c.ok)
		}
	}
}

// TestContentionVerdict: pause at half a CPU of others' work or more,
// resume below a third, look no more often than contentionEvery.
func TestContentionVerdict(t *testing.T) {
	defer func(f func() cpuTimes) { readCPUTimes = f }(readCPUTimes)
	var next cpuTimes
	readCPUTimes = func() cpuTimes { return next }
	t0 := time.Unix(1000, 0)
	look := func(at time.Duration, busy, ticks int64) cpuTimes {
		return cpuTimes{at: t0.Add(at), busy: busy, ticks: ticks, cpus: 2, ok: true}
	}
	var c contention
	next = look(0, 0, 0)
	if _, decided := c.verdict(t0, true); decided {
		t.Fatal("decided on a first look")
	}
	next = look(contentionEvery, 60, 100) // others: 1.2 CPUs
	if _, decided := c.verdict(t0.Add(contentionEvery/2), true); decided {
		t.Fatal("looked again too soon")
	}
	if busy, decided := c.verdict(t0.Add(contentionEvery), true); !busy || !decided {
		t.Fatalf("1.2 CPUs of others: busy %v decided %v", busy, decided)
	}
	next = look(2*contentionEvery, 80, 200) // others: 0.4 CPU
	if _, decided := c.verdict(t0.Add(2*contentionEvery), false); decided {
		t.Fatal("resumed at 0.4 CPU of others")
	}
	next = look(3*contentionEvery, 90, 300) // others: 0.2 CPU
	if busy, decided := c.verdict(t0.Add(3*contentionEvery), false); busy || !decided {
		t.Fatalf("0.2 CPU of others: busy %v decided %v", busy, decided)
	}
}

// TestProcCPUTimes: on Linux the looks can tell, and this process's own
// work is its own.
func TestProcCPUTimes(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc/stat: asynchronous delivery never pauses here")
	}
	a := procCPUTimes()
	b := a
	// Work until the kernel has counted some of it (10 ms ticks), however
	// busy the host is.
	for i := 0; i < 500 && b.self <= a.self; i++ {
		for end := time.Now().Add(10 * time.Millisecond); time.Now().Before(end); {
		}
		b = procCPUTimes()
	}
	if !a.ok || !b.ok || b.cpus < 1 {
		t.Fatalf("looks %+v %+v", a, b)
	}
	if b.self <= a.self || b.ticks <= a.ticks {
		t.Errorf("work not counted: self %d -> %d ticks, host %d -> %d", a.self, b.self, a.ticks, b.ticks)
	}
}
