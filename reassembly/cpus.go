package reassembly

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// The default number of workers. Workers pay for themselves only with CPUs
// to spare: on a two-CPU host two workers read a 1 GB capture 1.25x faster
// than one when the host was idle, and 1.22x slower while other work ran
// (docs/performance.md), because the reader and the workers then wait for
// each other's time slices; with a CPU idle on average two workers were
// 1.8x faster. So the default is one worker unless, when the Engine starts,
// the load average leaves at least one CPU idle: then one worker more than
// the idle CPUs, within those available to the process. Output does not
// depend on the number of workers, so this choice changes only the speed.
const (
	// maxDefaultWorkers caps the default: beyond it the reader, which
	// routes every packet, is the bottleneck (only two CPUs were measured).
	maxDefaultWorkers = 4
	// loadAvgPath is the Linux run-queue average; elsewhere the load is
	// taken as unknown (zero).
	loadAvgPath = "/proc/loadavg"
)

// DefaultWorkers returns the number of workers used when Options.Workers is
// zero: 1 when the system's one-minute load average leaves less than one
// CPU idle, else one more than the whole idle CPUs, but no more than the
// CPUs available to the process (runtime.GOMAXPROCS, which counts the CPU
// affinity mask and, since Go 1.25, the cgroup CPU quota) and
// maxDefaultWorkers.
func DefaultWorkers() int {
	return defaultWorkers(runtime.GOMAXPROCS(0), runtime.NumCPU(), loadAverage())
}

// defaultWorkers is DefaultWorkers for avail CPUs usable by the process,
// host CPUs on the machine (the load average counts them all) and load.
func defaultWorkers(avail, host int, load float64) int {
	idle := float64(host) - load
	if idle < 1 {
		return 1
	}
	return max(1, min(avail, int(idle)+1, maxDefaultWorkers))
}

// loadAverage returns the one-minute load average, or 0 when it cannot be
// read.
func loadAverage() float64 {
	b, err := os.ReadFile(loadAvgPath)
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, err := strconv.ParseFloat(f, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
