//go:build pcap

package live

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// HavePcap is true in builds with the "pcap" tag, where CompileExpr works.
const HavePcap = true

// dltRaw is libpcap's DLT_RAW on Linux (LINKTYPE_RAW 101 in files).
const dltRaw layers.LinkType = 12

// CompileExpr compiles a tcpdump filter expression with libpcap for frames
// of the given link.
func CompileExpr(expr string, link Link) ([]bpf.RawInstruction, error) {
	lt := layers.LinkTypeEthernet
	if link == LinkRaw {
		lt = dltRaw
	}
	ins, err := pcap.CompileBPFFilter(lt, Snaplen, expr)
	if err != nil {
		return nil, fmt.Errorf("live: filter %q: %w", expr, err)
	}
	out := make([]bpf.RawInstruction, len(ins))
	for i, in := range ins {
		out[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out, nil
}
