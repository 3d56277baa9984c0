package reassembly

import (
	"io"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ngWriter2 writes a pcapng file with two interfaces.
type ngWriter2 struct{ w *pcapgo.NgWriter }

func newNgWriter2(out io.Writer, a, b layers.LinkType) (*ngWriter2, error) {
	w, err := pcapgo.NewNgWriterInterface(out, pcapgo.NgInterface{LinkType: a, SnapLength: 65536}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		return nil, err
	}
	if _, err := w.AddInterface(pcapgo.NgInterface{LinkType: b, SnapLength: 65536}); err != nil {
		return nil, err
	}
	return &ngWriter2{w: w}, nil
}

func (n *ngWriter2) write(t *testing.T, iface int, p rawPkt) {
	ci := p.ci
	ci.InterfaceIndex = iface
	if err := n.w.WritePacket(ci, p.data); err != nil {
		t.Fatal(err)
	}
}

func (n *ngWriter2) flush(t *testing.T) {
	if err := n.w.Flush(); err != nil {
		t.Fatal(err)
	}
}
