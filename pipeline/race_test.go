//go:build race

package pipeline

// raceEnabled: the race detector is on. sync.Pool then drops a random
// share of what is put back, so allocation counts say nothing.
const raceEnabled = true
