package transportgen

import (
	"encoding/binary"
	"io"
)

// WritePcap writes c as a classic little-endian microsecond pcap file. It
// writes the format itself so that a record may claim an original length
// smaller than its captured length (a condition pcapgo's writer refuses).
func WritePcap(w io.Writer, c *Capture) error {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], uint32(c.LinkType))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	for _, f := range c.Frames {
		var r [16]byte
		binary.LittleEndian.PutUint32(r[0:], uint32(f.TS.Unix()))
		binary.LittleEndian.PutUint32(r[4:], uint32(f.TS.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(f.Data)))
		orig := f.Orig
		if orig == 0 {
			orig = len(f.Data)
		}
		binary.LittleEndian.PutUint32(r[12:], uint32(orig))
		if _, err := w.Write(r[:]); err != nil {
			return err
		}
		if _, err := w.Write(f.Data); err != nil {
			return err
		}
	}
	return nil
}
