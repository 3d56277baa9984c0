package pcapmangle

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Classic pcap layout (the format libpcap writes): a 24-byte file header,
// then per packet a 16-byte record header (seconds, sub-second fraction,
// captured length, original length) followed by the captured bytes.
const (
	fileHeaderLen   = 24
	recordHeaderLen = 16

	magicMicro = 0xa1b2c3d4
	magicNano  = 0xa1b23c4d
)

// ErrNotPcap is returned for input that is not a classic pcap file
// (pcapng and gzip are not supported: convert with editcap first).
var ErrNotPcap = errors.New("pcapmangle: not a classic pcap file")

// record is one packet record; data aliases the input until modified.
type record struct {
	sec, frac uint32
	origLen   uint32
	data      []byte
}

// capture is a parsed classic pcap file.
type capture struct {
	order  binary.ByteOrder
	header [fileHeaderLen]byte
	recs   []record
	// tail is true when the input ended inside a record (ignored).
	tail bool
}

// parse reads a classic pcap file. Records are not copied.
func parse(in []byte) (*capture, error) {
	if len(in) < fileHeaderLen {
		return nil, ErrNotPcap
	}
	c := &capture{}
	switch {
	case isMagic(binary.LittleEndian.Uint32(in)):
		c.order = binary.LittleEndian
	case isMagic(binary.BigEndian.Uint32(in)):
		c.order = binary.BigEndian
	default:
		return nil, ErrNotPcap
	}
	copy(c.header[:], in)
	p := in[fileHeaderLen:]
	for len(p) > 0 {
		if len(p) < recordHeaderLen {
			c.tail = true
			break
		}
		caplen := c.order.Uint32(p[8:])
		if uint64(caplen) > uint64(len(p)-recordHeaderLen) {
			if len(c.recs) == 0 && caplen > 1<<26 {
				return nil, fmt.Errorf("%w: first record claims %d bytes", ErrNotPcap, caplen)
			}
			c.tail = true
			break
		}
		c.recs = append(c.recs, record{
			sec:     c.order.Uint32(p[0:]),
			frac:    c.order.Uint32(p[4:]),
			origLen: c.order.Uint32(p[12:]),
			data:    p[recordHeaderLen : recordHeaderLen+int(caplen)],
		})
		p = p[recordHeaderLen+int(caplen):]
	}
	return c, nil
}

func isMagic(m uint32) bool { return m == magicMicro || m == magicNano }

// recordSize is the encoded size of r.
func recordSize(r *record) int { return recordHeaderLen + len(r.data) }

// encode writes the file header and records.
func (c *capture) encode() []byte {
	n := fileHeaderLen
	for i := range c.recs {
		n += recordSize(&c.recs[i])
	}
	out := make([]byte, 0, n)
	out = append(out, c.header[:]...)
	for i := range c.recs {
		out = c.appendRecord(out, &c.recs[i], uint32(len(c.recs[i].data)))
	}
	return out
}

// appendRecord appends r with the given captured-length field.
func (c *capture) appendRecord(out []byte, r *record, caplen uint32) []byte {
	var h [recordHeaderLen]byte
	c.order.PutUint32(h[0:], r.sec)
	c.order.PutUint32(h[4:], r.frac)
	c.order.PutUint32(h[8:], caplen)
	c.order.PutUint32(h[12:], r.origLen)
	out = append(out, h[:]...)
	return append(out, r.data...)
}
