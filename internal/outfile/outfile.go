// Package outfile creates imapscope's output files so that a run can never
// destroy a file it should not.
//
//   - Create writes a replacement for a path into a temporary file in the
//     same directory and renames it over the path only when told to
//     (Commit or Publish). A run that fails, or is interrupted, calls Abort:
//     the temporary file is removed and an existing file at the path is
//     left byte for byte as it was. When the path names a symbolic link,
//     the file the link points to is replaced and the link is kept. When
//     it names something other than a regular file (a terminal, a FIFO,
//     /dev/null), that is written directly: there is nothing to replace.
//   - Append opens a file for appending (created when missing); it never
//     truncates.
//   - Private files (reports that show secrets, packet captures) are mode
//     0600 whatever the umask; a replaced file gets that mode too. Other
//     new files get 0666 minus the umask, like os.Create, and a replaced
//     regular file keeps its permission bits.
//   - CheckNotInput tells whether an output path names one of the inputs:
//     the same file (device and inode) or the same cleaned absolute path.
//
// Owner and group of a replaced file are those of the process, not the old
// file's.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

// Modes of the files outfile creates.
const (
	// PrivateMode is the mode of private files: owner read and write only.
	PrivateMode fs.FileMode = 0o600
	// publicPerm is the permission asked for other new files (the umask
	// then applies), as os.Create does.
	publicPerm fs.FileMode = 0o666
)

// Limits.
const (
	// maxSymlinks is how many symbolic links Create follows from the path
	// to the file it replaces (Linux's own limit for path resolution).
	maxSymlinks = 40
	// maxTempAttempts is how many temporary names Create tries before it
	// gives up (each collision means another file of that name exists).
	maxTempAttempts = 100
)

// tempSuffix ends every temporary file name, so that one left behind by a
// killed process is recognisable.
const tempSuffix = ".imapscope-tmp"

// Options says how to create a file.
type Options struct {
	// Private creates the file with PrivateMode.
	Private bool
}

// File is an output file being written. Its methods are not safe for
// concurrent use. Name, Publish, Commit and Abort accept a nil *File and do
// nothing, so that a caller writing to standard output may call them freely.
type File struct {
	f         *os.File
	target    string // the path the file replaces
	temp      string // the temporary path; "" when writing target directly
	published bool
	closed    bool
}

// Create starts writing a file that will replace path. See the package
// documentation for what happens to an existing file and its mode.
func Create(path string, o Options) (*File, error) {
	target, err := resolveLinks(path)
	if err != nil {
		return nil, err
	}
	old, err := os.Stat(target)
	switch {
	case err == nil && !old.Mode().IsRegular():
		return openDirect(target)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("outfile: %w", err)
	}
	perm := publicPerm
	if o.Private {
		perm = PrivateMode
	}
	f, temp, err := createTemp(target, perm)
	if err != nil {
		return nil, err
	}
	// Decide the final mode before a byte is written: a private file is
	// never, even briefly, readable by others.
	mode := fs.FileMode(0)
	switch {
	case o.Private:
		mode = PrivateMode
	case old != nil:
		mode = old.Mode().Perm()
	}
	if mode != 0 {
		if err := f.Chmod(mode); err != nil {
			f.Close()
			os.Remove(temp)
			return nil, fmt.Errorf("outfile: %w", err)
		}
	}
	return &File{f: f, target: target, temp: temp}, nil
}

// openDirect opens an existing non-regular file (device, FIFO) for
// writing; its mode is not changed.
func openDirect(target string) (*File, error) {
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("outfile: %w", err)
	}
	return &File{f: f, target: target, published: true}, nil
}

// tempCounter makes temporary names unique within the process.
var tempCounter atomic.Uint64

// createTemp creates a new, empty file beside target, with perm before the
// umask, failing rather than opening a file that already exists.
func createTemp(target string, perm fs.FileMode) (*os.File, string, error) {
	dir, base := filepath.Split(target)
	var lastErr error
	for range maxTempAttempts {
		n := tempCounter.Add(1)
		name := filepath.Join(dir, "."+base+"."+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(n, 36)+tempSuffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", fmt.Errorf("outfile: %w", err)
		}
		lastErr = err
	}
	return nil, "", fmt.Errorf("outfile: no free temporary name beside %s: %w", target, lastErr)
}

// resolveLinks follows symbolic links from path to the file they name,
// which need not exist yet.
func resolveLinks(path string) (string, error) {
	for range maxSymlinks {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", fmt.Errorf("outfile: %w", err)
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("outfile: %s: too many levels of symbolic links", path)
}

// Name returns the path the file replaces (symbolic links resolved).
func (f *File) Name() string {
	if f == nil {
		return ""
	}
	return f.target
}

// Write writes to the file (the temporary one until published).
func (f *File) Write(p []byte) (int, error) {
	if f.closed {
		return 0, fmt.Errorf("outfile: write to closed %s: %w", f.target, fs.ErrClosed)
	}
	return f.f.Write(p)
}

// Publish renames the file into place now; later writes go on landing in
// it. It is for output that should be visible while it grows (a live
// capture), once the run has got past everything that could fail early.
func (f *File) Publish() error {
	if f == nil || f.published {
		return nil
	}
	if f.closed {
		return fmt.Errorf("outfile: publish closed %s: %w", f.target, fs.ErrClosed)
	}
	if err := f.f.Sync(); err != nil {
		return fmt.Errorf("outfile: %w", err)
	}
	if err := os.Rename(f.temp, f.target); err != nil {
		return fmt.Errorf("outfile: %w", err)
	}
	f.published = true
	syncDir(filepath.Dir(f.target))
	return nil
}

// Commit flushes the file to disk, renames it into place (unless already
// published) and closes it. On error the temporary file is removed and an
// existing file at the path is unchanged.
func (f *File) Commit() error {
	if f == nil || f.closed {
		return nil
	}
	if f.published && f.temp != "" {
		if err := f.f.Sync(); err != nil {
			f.Abort()
			return fmt.Errorf("outfile: %w", err)
		}
	}
	if err := f.Publish(); err != nil {
		f.Abort()
		return err
	}
	f.closed = true
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("outfile: %w", err)
	}
	return nil
}

// Abort closes the file and, unless it was already published, removes
// it, leaving any existing file at the path as it was. It may be called
// after Commit (it then does nothing) and more than once.
func (f *File) Abort() error {
	if f == nil || f.closed {
		return nil
	}
	f.closed = true
	err := f.f.Close()
	if !f.published {
		if rerr := os.Remove(f.temp); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("outfile: %w", err)
	}
	return nil
}

// syncDir flushes a directory entry change to disk, where the system lets
// a directory be synced; a failure only weakens durability after a crash,
// never correctness, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Append opens path for appending, creating it when missing. Nothing is
// ever truncated. A private file is created with PrivateMode, and an
// existing regular file is set to PrivateMode before anything is appended.
func Append(path string, o Options) (*os.File, error) {
	perm := publicPerm
	if o.Private {
		perm = PrivateMode
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, perm)
	if err != nil {
		return nil, fmt.Errorf("outfile: %w", err)
	}
	if o.Private {
		fi, err := f.Stat()
		if err == nil && fi.Mode().IsRegular() {
			err = f.Chmod(PrivateMode)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("outfile: %w", err)
		}
	}
	return f, nil
}
