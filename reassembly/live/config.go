package live

import (
	"errors"
	"time"

	"golang.org/x/net/bpf"
)

// AnyInterface captures on every interface (cooked, LinkRaw).
const AnyInterface = "any"

// Defaults for Config.
const (
	// DefaultBufferSize is the size of the kernel ring (bytes). It is what
	// absorbs bursts while user space is busy.
	DefaultBufferSize = 32 << 20
	// DefaultPollTimeout bounds how long ReadPacket waits, so the reader
	// can look at the clock and its context.
	DefaultPollTimeout = 200 * time.Millisecond
)

// ErrTimeout is returned by ReadPacket when no packet arrived within the
// poll timeout.
var ErrTimeout = errors.New("live: poll timeout")

// ErrNoPcap is returned by CompileExpr in builds without the "pcap" tag.
var ErrNoPcap = errors.New("live: filter expressions need a build with -tags pcap (libpcap); use --ports instead")

// Config says what to capture.
type Config struct {
	// Interface is the interface name, or AnyInterface.
	Interface string
	// Ports builds the default filter (Filter) when Filter is nil.
	Ports []uint16
	// Filter, if set, replaces the port filter. Expr, if set instead, is a
	// tcpdump filter expression compiled for the socket's link (CompileExpr:
	// builds with the "pcap" tag only).
	Filter []bpf.RawInstruction
	Expr   string
	// BufferSize is the kernel ring size in bytes (default DefaultBufferSize).
	BufferSize int
	// PollTimeout bounds each wait for a packet (default DefaultPollTimeout).
	PollTimeout time.Duration
	// Fanout joins the AF_PACKET fanout group FanoutGroup in hash mode, so
	// that several processes share an interface, each seeing whole flows.
	Fanout      bool
	FanoutGroup uint16
	// Promiscuous puts a named interface in promiscuous mode.
	Promiscuous bool
}

func (c Config) withDefaults() Config {
	if c.BufferSize <= 0 {
		c.BufferSize = DefaultBufferSize
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = DefaultPollTimeout
	}
	return c
}

// filter returns the program to attach to a socket reading link.
func (c Config) filter(link Link) ([]bpf.RawInstruction, error) {
	switch {
	case c.Expr != "":
		return CompileExpr(c.Expr, link)
	case c.Filter != nil:
		return c.Filter, nil
	}
	return Filter(c.Ports, link)
}

// CheckExpr reports whether a tcpdump filter expression compiles (for an
// Ethernet link), so that a bad one is a usage error before any socket opens.
func CheckExpr(expr string) error {
	_, err := CompileExpr(expr, LinkEthernet)
	return err
}
