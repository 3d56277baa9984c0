package outfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Stdin is the input name that means standard input.
const Stdin = "-"

// ErrIsInput is wrapped by CheckNotInput's error when the output is an input.
var ErrIsInput = errors.New("is also an input")

// CheckNotInput returns an error wrapping ErrIsInput when out names one of
// inputs: the same file (device and inode, so also through a hard or
// symbolic link), or the same cleaned absolute path (so also when neither
// exists yet). Stdin among inputs is compared by the file standard input
// reads, when it is a file. An empty out, or Stdin (standard output), never
// conflicts.
func CheckNotInput(out string, inputs ...string) error {
	if out == "" || out == Stdin {
		return nil
	}
	outAbs := absPath(out)
	if target, err := resolveLinks(out); err == nil {
		outAbs = append(outAbs, absPath(target)...)
	}
	outInfo, outErr := os.Stat(out)
	for _, in := range inputs {
		if in == "" {
			continue
		}
		if outErr == nil {
			var inInfo os.FileInfo
			var err error
			if in == Stdin {
				inInfo, err = os.Stdin.Stat()
			} else {
				inInfo, err = os.Stat(in)
			}
			if err == nil && os.SameFile(outInfo, inInfo) {
				return conflict(out, in)
			}
		}
		if in == Stdin {
			continue
		}
		for _, a := range absPath(in) {
			for _, b := range outAbs {
				if a == b {
					return conflict(out, in)
				}
			}
		}
	}
	return nil
}

func conflict(out, in string) error {
	if in == Stdin {
		in = "standard input"
	}
	if in == out {
		return fmt.Errorf("outfile: %s %w", out, ErrIsInput)
	}
	return fmt.Errorf("outfile: %s %w (%s)", out, ErrIsInput, in)
}

// absPath returns the cleaned absolute form of p (none when it cannot be
// made absolute).
func absPath(p string) []string {
	a, err := filepath.Abs(p)
	if err != nil {
		return nil
	}
	return []string{a}
}
