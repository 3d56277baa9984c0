package reassembly

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// Asynchronous delivery pays only when a second CPU is free: with one CPU
// taken by other work, one worker dissecting on a goroutine of its own read
// the 1 GB capture in 1.62 s against 1.47 s for the same batches made on
// the reading goroutine (medians of 9, docs/performance.md), the two stages
// waiting for each other's time slices. So while it reads, the engine
// watches how much CPU the rest of the host uses — all CPU time the kernel
// counts as busy (steal included: the VM's host using it), minus this
// process's own — and makes its calls on the reading goroutine while that is
// half a CPU or more, asynchronously again once it falls below a third. The
// load average cannot tell: it counts this process's own earlier runs.
// Only Linux says (/proc/stat, /proc/self/stat); elsewhere nothing changes.

// contentionEvery is how long, in wall time, the engine uses the CPUs
// between two looks at them: /proc/stat counts in 10 ms ticks.
var contentionEvery = 250 * time.Millisecond

// Others' CPU use, in CPUs, above which the calls stop being asynchronous,
// and below which they become so again.
const (
	othersBusyPause  = 0.5
	othersBusyResume = 0.33
)

// cpuTimes is one look at the host's and the process's CPU time, in ticks.
type cpuTimes struct {
	at          time.Time
	busy, ticks int64 // host: busy ticks, and all ticks, summed over CPUs
	self        int64 // this process: user + system ticks
	cpus        int   // CPUs the host counts
	ok          bool
}

// readCPUTimes is how the engine looks (tests replace it).
var readCPUTimes = procCPUTimes

// procCPUTimes reads /proc/stat's first line and /proc/self/stat.
func procCPUTimes() cpuTimes {
	t := cpuTimes{at: time.Now()}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t
	}
	line, rest, _ := bytes.Cut(stat, []byte("\n"))
	for _, l := range bytes.Split(rest, []byte("\n")) {
		if len(l) > 3 && bytes.HasPrefix(l, []byte("cpu")) && l[3] >= '0' && l[3] <= '9' {
			t.cpus++
		}
	}
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return t
	}
	// user nice system idle iowait irq softirq steal [guest guest_nice]:
	// guest time is already in user time.
	for i, v := range f[1:min(len(f), 9)] {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return t
		}
		t.ticks += n
		if i != 3 && i != 4 { // idle, iowait
			t.busy += n
		}
	}
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return t
	}
	// The command name, field 2, may hold spaces: count from its ")".
	if i := bytes.LastIndexByte(self, ')'); i >= 0 {
		sf := bytes.Fields(self[i+1:])
		if len(sf) > 12 {
			u, err1 := strconv.ParseInt(string(sf[11]), 10, 64)
			s, err2 := strconv.ParseInt(string(sf[12]), 10, 64)
			if err1 == nil && err2 == nil && t.cpus > 0 {
				t.self, t.ok = u+s, true
			}
		}
	}
	return t
}

// othersBusy returns how many CPUs the rest of the host kept busy between
// two looks, and whether the looks could tell.
func othersBusy(prev, cur cpuTimes) (float64, bool) {
	if !prev.ok || !cur.ok || cur.ticks <= prev.ticks {
		return 0, false
	}
	others := float64((cur.busy - prev.busy) - (cur.self - prev.self))
	return max(0, others/float64(cur.ticks-prev.ticks)*float64(cur.cpus)), true
}

// contention follows others' CPU use for one engine.
type contention struct {
	last cpuTimes
}

// verdict looks at the CPUs if contentionEvery has passed since the last
// look and says whether asynchronous delivery should pause (busy true) or
// resume (busy false); decided false when there is nothing to say.
func (c *contention) verdict(now time.Time, async bool) (busy, decided bool) {
	if c.last.ok && now.Sub(c.last.at) < contentionEvery {
		return false, false
	}
	cur := readCPUTimes()
	prev := c.last
	c.last = cur
	others, ok := othersBusy(prev, cur)
	switch {
	case !ok:
		return false, false
	case async && others >= othersBusyPause:
		return true, true
	case !async && others < othersBusyResume:
		return false, true
	}
	return false, false
}
