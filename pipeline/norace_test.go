//go:build !race

package pipeline

// raceEnabled: the race detector is on (see race_test.go).
const raceEnabled = false
