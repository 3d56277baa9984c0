package report

import (
	"fmt"
	"io"
	"os"
)

// noteBuffer is how many bytes of session notes are held in memory before
// they go to a temporary file.
const noteBuffer = 1 << 20

// noteSink gathers the "session N ..." lines printed under the summary
// table while the table is rendered, so that a large report is not read
// once more for them. Beyond noteBuffer bytes they wait in a temporary
// file (0600, unlinked at once).
type noteSink struct {
	buf []byte
	f   *os.File
	err error
}

// add takes the notes of s.
func (n *noteSink) add(s *Session) {
	for _, l := range sessionNotes(s) {
		n.buf = fmt.Appendf(n.buf, "  session %d %s\n", s.ID, l)
	}
	if len(n.buf) < noteBuffer || n.err != nil {
		return
	}
	if n.f == nil {
		if n.f, n.err = os.CreateTemp("", "imapscope-notes-*"); n.err != nil {
			n.err = fmt.Errorf("report: notes file: %w", n.err)
			return
		}
		os.Remove(n.f.Name()) // where the system allows; closed by writeTo
	}
	if _, err := n.f.Write(n.buf); err != nil {
		n.err = fmt.Errorf("report: notes file: %w", err)
	}
	n.buf = n.buf[:0]
}

// writeTo writes the notes gathered, in order, and releases the file.
func (n *noteSink) writeTo(w io.Writer) error {
	if n.f != nil {
		defer func() { name := n.f.Name(); n.f.Close(); os.Remove(name) }()
		if n.err == nil {
			if _, err := n.f.Seek(0, io.SeekStart); err != nil {
				n.err = fmt.Errorf("report: notes file: %w", err)
			} else if _, err := io.Copy(w, n.f); err != nil {
				n.err = fmt.Errorf("report: notes file: %w", err)
			}
		}
	}
	if n.err != nil {
		return n.err
	}
	_, err := w.Write(n.buf)
	return err
}
