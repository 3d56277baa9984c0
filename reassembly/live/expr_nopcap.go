//go:build !pcap

package live

import (
	"fmt"

	"github.com/imapscope/imapscope/reassembly/live/bpfexpr"
	"golang.org/x/net/bpf"
)

// HavePcap is true in builds with the "pcap" tag, where CompileExpr uses
// libpcap and takes tcpdump's whole filter language.
const HavePcap = false

// CompileExpr compiles a tcpdump filter expression in pure Go (package
// bpfexpr: host, net, port, portrange, vlan, ip, ip6, tcp, udp with and,
// or, not) for Ethernet frames. Cooked sockets (-i any) need libpcap (the
// "pcap" build tag).
func CompileExpr(expr string, link Link) ([]bpf.RawInstruction, error) {
	if link != LinkEthernet {
		return nil, fmt.Errorf("live: filter expressions on a %s link need a build with -tags pcap; use --ports", link)
	}
	prog, err := bpfexpr.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return prog, nil
}
