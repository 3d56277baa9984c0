//go:build !race

package tlsdecrypt

// raceEnabled: the race detector is on (see race_test.go).
const raceEnabled = false
