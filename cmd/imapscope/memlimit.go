package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set: the garbage collector works harder as the heap nears it
// instead of letting the heap double (its default headroom). A million
// short sessions through html --stats peaked at 224 MiB without it; the
// exact per-user latency lists are live data, so the limit trims only the
// GC's headroom. Above the limit the runtime caps GC at about half the
// CPU, so a capture that truly needs more still completes. live is left
// without it: on a sensor a heap of many open connections may rightly be
// larger, and GC work there would cost dropped packets.
const defaultMemoryLimit = 192 << 20

// setMemoryLimit applies defaultMemoryLimit to read, stats and merge
// (args is the command line after the program name) unless the user chose
// a limit with GOMEMLIMIT, which the runtime has already read.
func setMemoryLimit(args []string) {
	if len(args) == 0 || (args[0] != "read" && args[0] != "stats" && args[0] != "merge") {
		return
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
