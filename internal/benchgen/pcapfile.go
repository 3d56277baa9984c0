package benchgen

import (
	"encoding/binary"
	"io"
	"time"
)

// Classic pcap file format (little endian, microsecond timestamps).
//
// benchgen writes the format itself instead of through gopacket's
// pcapgo.Writer: pcapgo also holds a live-capture reader that imports
// golang.org/x/net/bpf, which the module does not require. The bytes are the
// ones pcapgo.NewWriter + WriteFileHeader(65535, LinkTypeEthernet) produce.
const (
	pcapMagic       = 0xa1b2c3d4
	pcapSnapLen     = 65535
	pcapLinkEther   = 1
	pcapFileHdrLen  = 24
	pcapRecordHdrLn = 16
)

// pcapWriter writes pcap records without allocating.
type pcapWriter struct {
	w   io.Writer
	hdr [pcapFileHdrLen]byte
}

// writeFileHeader writes the 24-byte global header.
func (p *pcapWriter) writeFileHeader() error {
	h := p.hdr[:pcapFileHdrLen]
	binary.LittleEndian.PutUint32(h[0:], pcapMagic)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[8:], 0)  // thiszone
	binary.LittleEndian.PutUint32(h[12:], 0) // sigfigs
	binary.LittleEndian.PutUint32(h[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(h[20:], pcapLinkEther)
	_, err := p.w.Write(h)
	return err
}

// writePacket writes one record captured at ts (Unix nanoseconds).
func (p *pcapWriter) writePacket(ts int64, data []byte) error {
	h := p.hdr[:pcapRecordHdrLn]
	binary.LittleEndian.PutUint32(h[0:], uint32(ts/int64(time.Second)))
	binary.LittleEndian.PutUint32(h[4:], uint32(ts%int64(time.Second)/int64(time.Microsecond)))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(data)))
	if _, err := p.w.Write(h); err != nil {
		return err
	}
	_, err := p.w.Write(data)
	return err
}
