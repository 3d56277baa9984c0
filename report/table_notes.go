package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
)

// noteBuffer is how many bytes of session notes (or of any other text a
// spillBuf gathers) are held in memory before they go to a temporary file.
const noteBuffer = 1 << 20

// spillBuf gathers bytes to be written out later, in order: the first
// noteBuffer bytes in memory, then, whenever that much is held, in a
// temporary file (0600, unlinked at once where the system allows it). The
// table renderer gathers with it what it prints after text it can only
// write once every session has been read (the notes under the summary,
// the per-session sections, the summary's rows), so that the sessions are
// read once and never held. The first error is kept and returned by
// writeTo and replay.
type spillBuf struct {
	buf  []byte
	f    *os.File
	size int64 // bytes in f
	what string
	err  error
}

// Write implements io.Writer; its error is the sink's first.
func (b *spillBuf) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	b.room(len(p))
	b.buf = append(b.buf, p...)
	b.spill()
	return len(p), b.err
}

// room makes room for n more bytes: past 64 KiB the buffer goes straight
// to its full size (append's growth by a quarter would copy it over and
// over on the way to noteBuffer).
func (b *spillBuf) room(n int) {
	if len(b.buf)+n <= cap(b.buf) || cap(b.buf) < 64<<10 || len(b.buf)+n > noteBuffer+64<<10 {
		return
	}
	nb := make([]byte, len(b.buf), noteBuffer+64<<10)
	copy(nb, b.buf)
	b.buf = nb
}

// spill moves what memory holds to the file once it is noteBuffer bytes.
func (b *spillBuf) spill() {
	if len(b.buf) < noteBuffer || b.err != nil {
		return
	}
	if b.f == nil {
		if b.f, b.err = os.CreateTemp("", "imapscope-table-*"); b.err != nil {
			b.err = fmt.Errorf("report: %s file: %w", b.what, b.err)
			return
		}
		os.Remove(b.f.Name()) // where the system allows; closed by release
	}
	n, err := b.f.Write(b.buf)
	b.size += int64(n)
	if err != nil {
		b.err = fmt.Errorf("report: %s file: %w", b.what, err)
	}
	b.buf = b.buf[:0]
}

// replay returns what was gathered, from the start; it may be called more
// than once, until release.
func (b *spillBuf) replay() (io.Reader, error) {
	if b.err != nil {
		return nil, b.err
	}
	if b.f == nil {
		return bytes.NewReader(b.buf), nil
	}
	return io.MultiReader(io.NewSectionReader(b.f, 0, b.size), bytes.NewReader(b.buf)), nil
}

// writeTo writes what was gathered, in order, and releases the file.
func (b *spillBuf) writeTo(w io.Writer) error {
	defer b.release()
	if b.err != nil {
		return b.err
	}
	if b.f != nil {
		// In pieces of noteBuffer (io.Copy's are 32 KiB): a million
		// sessions' sections are gigabytes.
		buf := make([]byte, min(b.size, noteBuffer))
		if _, err := io.CopyBuffer(w, io.NewSectionReader(b.f, 0, b.size), buf); err != nil {
			if b.err == nil {
				b.err = fmt.Errorf("report: %s file: %w", b.what, err)
			}
			return b.err
		}
	}
	_, err := w.Write(b.buf)
	return err
}

// release closes and removes the file, if any.
func (b *spillBuf) release() {
	if b.f != nil {
		name := b.f.Name()
		b.f.Close()
		os.Remove(name)
		b.f = nil
	}
}

// noteSink gathers the "session N ..." lines printed under the summary
// table while the sessions are read, so that a large report is not read
// once more for them.
type noteSink struct {
	spillBuf
}

// add takes the notes (sessionNotes) of session id.
func (n *noteSink) add(id int, notes []string) {
	if n.err != nil || len(notes) == 0 {
		return
	}
	for _, l := range notes {
		n.room(len("  session 1234567890 \n") + len(l))
		n.buf = append(n.buf, "  session "...)
		n.buf = strconv.AppendInt(n.buf, int64(id), 10)
		n.buf = append(n.buf, ' ')
		n.buf = append(n.buf, l...)
		n.buf = append(n.buf, '\n')
	}
	n.what = "notes"
	n.spill()
}
