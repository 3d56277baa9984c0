package outfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Stdin is the input name that means standard input.
const Stdin = "-"

// ErrIsInput is matched (errors.Is) by every *InputConflict.
var ErrIsInput = errors.New("outfile: output is also an input")

// InputConflict is CheckNotInput's error: output Out is input Input.
type InputConflict struct {
	Out, Input string
}

func (e *InputConflict) Error() string {
	if e.Input == Stdin {
		return fmt.Sprintf("outfile: %s is the file standard input reads", e.Out)
	}
	return fmt.Sprintf("outfile: %s is also the input %s", e.Out, e.Input)
}

// Is makes errors.Is(err, ErrIsInput) true.
func (e *InputConflict) Is(target error) bool { return target == ErrIsInput }

// CheckNotInput returns an *InputConflict when out names one of
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

func conflict(out, in string) error { return &InputConflict{Out: out, Input: in} }

// absPath returns the cleaned absolute form of p (none when it cannot be
// made absolute).
func absPath(p string) []string {
	a, err := filepath.Abs(p)
	if err != nil {
		return nil
	}
	return []string{a}
}

// AnyPrivate reports whether one of paths is a regular file that only its
// owner may read or write (no group or other permission bits), as a
// private file is. Stdin and paths that cannot be examined are not private.
func AnyPrivate(paths ...string) bool {
	for _, p := range paths {
		if p == Stdin {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 == 0 {
			return true
		}
	}
	return false
}
