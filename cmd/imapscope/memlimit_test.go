package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit checks that read, stats and merge get the default
// soft memory limit and live does not.
func TestSetMemoryLimit(t *testing.T) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		t.Skip("SKIP: GOMEMLIMIT is set in the environment; setMemoryLimit leaves it alone by design")
	}
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	const none = int64(1) << 62
	for _, c := range []struct {
		cmd  string
		want int64
	}{{"live", none}, {"completion", none}, {"read", defaultMemoryLimit}, {"stats", defaultMemoryLimit}, {"merge", defaultMemoryLimit}} {
		debug.SetMemoryLimit(none)
		setMemoryLimit([]string{c.cmd, "x"})
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%s: memory limit %d, want %d", c.cmd, got, c.want)
		}
	}
}
