package live

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapngTee copies captured packets to a pcapng stream (RunOptions.Pcapng).
type pcapngTee struct {
	w *pcapgo.NgWriter
}

// newPcapngTee starts a pcapng stream on out with one interface, src's.
func newPcapngTee(out io.Writer, src *Source) (*pcapngTee, error) {
	w, err := pcapgo.NewNgWriterInterface(out, pcapgo.NgInterface{
		Name: src.Name(), LinkType: src.LinkType(), SnapLength: Snaplen,
	}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		return nil, fmt.Errorf("live: pcapng: %w", err)
	}
	return &pcapngTee{w: w}, nil
}

// write adds one packet (data borrowed) as captured on the one interface.
func (t *pcapngTee) write(ci gopacket.CaptureInfo, data []byte) error {
	ci.InterfaceIndex = 0
	ci.AncillaryData = nil
	ci.CaptureLength = len(data)
	if ci.Length < len(data) {
		ci.Length = len(data)
	}
	if err := t.w.WritePacket(ci, data); err != nil {
		return fmt.Errorf("live: pcapng: %w", err)
	}
	return nil
}

// flush writes out what the writer buffers.
func (t *pcapngTee) flush() error {
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("live: pcapng: %w", err)
	}
	return nil
}
