//go:build !pcap

package live

import (
	"golang.org/x/net/bpf"
)

// HavePcap is true in builds with the "pcap" tag, where CompileExpr works.
const HavePcap = false

// CompileExpr needs libpcap: without the "pcap" build tag it always
// returns ErrNoPcap.
func CompileExpr(string, Link) ([]bpf.RawInstruction, error) { return nil, ErrNoPcap }
