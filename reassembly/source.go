package reassembly

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Capture file magic numbers, read big-endian from the first four bytes.
const (
	magicPcapMicroBE       uint32 = 0xa1b2c3d4 // microseconds, big-endian file
	magicPcapMicroLE       uint32 = 0xd4c3b2a1 // microseconds, little-endian file
	magicPcapNanoBE        uint32 = 0xa1b23c4d // nanoseconds, big-endian file
	magicPcapNanoLE        uint32 = 0x4d3cb2a1 // nanoseconds, little-endian file
	magicPcapng            uint32 = 0x0a0d0d0a // section header block type
	magicGzip0, magicGzip1        = 0x1f, 0x8b
)

// StdinName is the input name that reads standard input.
const StdinName = "-"

// InputError is an input that cannot be read as a capture at all. It wraps
// the cause: ErrNotCapture, or an error from opening the file (errors.Is
// with fs.ErrNotExist works).
type InputError struct {
	Name string // the input as given
	Err  error
}

func (e *InputError) Error() string {
	msg := e.Err.Error()
	if len(msg) > len(errPrefix) && msg[:len(errPrefix)] == errPrefix {
		msg = msg[len(errPrefix):]
	}
	return errPrefix + e.Name + ": " + msg
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

const errPrefix = "reassembly: "

// source reads the packets of one capture stream, pcap or pcapng, plain or
// gzip-compressed. A plain pcap stream is read in blocks (blocks is set);
// the others through pcapgo's readers.
type source struct {
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	blocks *blockReader
	format string
}

// newSource sniffs the format of r by its magic number.
func newSource(r io.Reader) (*source, error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, notCapture("%d bytes, too short for a capture header", len(magic))
	}
	gz := ""
	if magic[0] == magicGzip0 && magic[1] == magicGzip1 {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, notCapture("bad gzip header: %v", err)
		}
		br = bufio.NewReaderSize(zr, readBufferSize)
		if magic, err = br.Peek(4); err != nil {
			return nil, notCapture("gzip content is %d bytes, too short for a capture header", len(magic))
		}
		gz = "+gzip"
	}
	s := &source{}
	switch m := binary.BigEndian.Uint32(magic); m {
	case magicPcapMicroBE, magicPcapMicroLE, magicPcapNanoBE, magicPcapNanoLE:
		if s.pcap, err = pcapgo.NewReader(br); err != nil {
			return nil, notCapture("pcap file header: %v", err)
		}
		s.format = "pcap" + gz
		// pcapgo read the file header from br (a large enough
		// bufio.Reader is not wrapped again); the records follow.
		s.blocks = newBlockReader(br, s.pcap, m)
	case magicPcapng:
		if s.ng, err = pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true}); err != nil {
			return nil, notCapture("pcapng section header: %v", err)
		}
		s.format = "pcapng" + gz
	default:
		return nil, notCapture("unknown magic number %08x", m)
	}
	return s, nil
}

func notCapture(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotCapture}, args...)...)
}

// errPanic marks a record whose reading panicked inside pcapgo.
var errPanic = errors.New("reader panicked")

// next returns the next packet. data is owned by the reader and valid until
// the following call. It returns io.EOF at the clean end of the stream.
func (s *source) next() (data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	if s.pcap != nil {
		data, ci, err = s.pcap.ZeroCopyReadPacketData()
		return data, ci, s.pcap.LinkType(), err
	}
	data, ci, err = s.ng.ZeroCopyReadPacketData()
	if err == nil {
		if len(ci.AncillaryData) > 0 {
			lt, _ = ci.AncillaryData[0].(layers.LinkType)
		} else {
			lt = s.ng.LinkType()
		}
	}
	return data, ci, lt, err
}

// openInput opens a file, or standard input for StdinName. The caller closes
// the result.
func openInput(name string) (io.ReadCloser, error) {
	if name == StdinName {
		return stdin{os.Stdin}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is a directory", ErrNotCapture, name)
	}
	return f, nil
}

// stdin is standard input, which a reader does not close. It keeps the
// file's Stat, by which ReadFrom tells a pipe from a file (push.go).
type stdin struct{ *os.File }

// Close does nothing.
func (stdin) Close() error { return nil }

// InputSize returns the total size in bytes of the inputs, for progress
// reporting, and false when it is unknown (standard input, a pipe, or a file
// that cannot be examined). Sizes are on-disk sizes, compressed for gzip
// inputs, matching what Options.Progress reports.
func InputSize(inputs []string) (int64, bool) {
	var total int64
	for _, in := range inputs {
		if in == StdinName {
			return 0, false
		}
		fi, err := os.Stat(in)
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		total += fi.Size()
	}
	return total, true
}

// progressReader counts bytes read and reports the running total.
type progressReader struct {
	r     io.Reader
	total *int64
	fn    func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		*p.total += int64(n)
		p.fn(*p.total)
	}
	return n, err
}
