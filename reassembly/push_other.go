//go:build !linux

package reassembly

import "io"

// readyFunc is nil where the bytes ready on an input are not asked for:
// every read of a streamed input then goes through the reading goroutine.
func readyFunc(io.Reader) func() (int, bool) { return nil }
