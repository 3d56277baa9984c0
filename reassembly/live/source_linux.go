//go:build linux

package live

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Source is an open AF_PACKET capture. It is read by one goroutine.
type Source struct {
	tp   *afpacket.TPacket
	link Link
	name string
}

// ARPHRD types read as Ethernet frames (include/uapi/linux/if_arp.h).
const (
	arphrdEther    = 1
	arphrdLoopback = 772
)

// Open opens a capture on cfg.Interface and attaches its filter. It needs
// CAP_NET_RAW (root).
func Open(cfg Config) (*Source, error) {
	cfg = cfg.withDefaults()
	link, sockType := LinkRaw, afpacket.SocketDgram
	ifname := cfg.Interface
	isLoopback := false
	if ifname == AnyInterface {
		ifname = ""
	} else {
		t, err := arphrdType(ifname)
		if err != nil {
			return nil, err
		}
		isLoopback = t == arphrdLoopback
		if t == arphrdEther || t == arphrdLoopback {
			link, sockType = LinkEthernet, afpacket.SocketRaw
		}
	}
	filter, err := cfg.filter(link)
	if err != nil {
		return nil, err
	}
	if ifname == "" || isLoopback {
		if filter, err = withLoopbackPrefix(filter); err != nil {
			return nil, err
		}
	}
	blocks := max(cfg.BufferSize/blockSize, 1)
	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(ifname),
		afpacket.TPacketVersion3,
		sockType,
		afpacket.OptFrameSize(frameSize),
		afpacket.OptBlockSize(blockSize),
		afpacket.OptNumBlocks(blocks),
		afpacket.OptBlockTimeout(blockTimeout),
		afpacket.OptPollTimeout(cfg.PollTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("live: opening AF_PACKET socket on %s: %w", cfg.Interface, err)
	}
	s := &Source{tp: tp, link: link, name: cfg.Interface}
	if err := tp.SetBPF(filter); err != nil {
		s.Close()
		return nil, fmt.Errorf("live: attaching filter: %w", err)
	}
	if cfg.Fanout {
		if err := tp.SetFanout(afpacket.FanoutHash, cfg.FanoutGroup); err != nil {
			s.Close()
			return nil, fmt.Errorf("live: joining fanout group %d: %w", cfg.FanoutGroup, err)
		}
	}
	if cfg.Promiscuous && ifname != "" {
		if err := tp.SetPromiscuous(true); err != nil {
			s.Close()
			return nil, fmt.Errorf("live: promiscuous mode on %s: %w", ifname, err)
		}
	}
	return s, nil
}

// Ring geometry: TPACKET_V3 packs variable-size frames into blocks; a
// block is handed to user space when full or after blockTimeout.
const (
	frameSize    = 1 << 16
	blockSize    = 1 << 20
	blockTimeout = 50 * time.Millisecond
)

// withLoopbackPrefix puts LoopbackPrefix in front of filter, for the
// loopback interface of this network namespace.
func withLoopbackPrefix(filter []bpf.RawInstruction) ([]bpf.RawInstruction, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("live: listing interfaces: %w", err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback == 0 {
			continue
		}
		pre, err := bpf.Assemble(LoopbackPrefix(ifc.Index))
		if err != nil {
			return nil, fmt.Errorf("live: assembling filter: %w", err)
		}
		return append(pre, filter...), nil
	}
	return filter, nil
}

// arphrdType reads the ARPHRD type of an interface from sysfs.
func arphrdType(ifname string) (int, error) {
	if strings.ContainsAny(ifname, "/\x00") || ifname == "." || ifname == ".." {
		return 0, fmt.Errorf("live: bad interface name %q", ifname)
	}
	b, err := os.ReadFile("/sys/class/net/" + ifname + "/type")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("live: no interface %q", ifname)
		}
		return 0, fmt.Errorf("live: interface %q: %w", ifname, err)
	}
	t, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("live: interface %q: bad type %q", ifname, b)
	}
	return t, nil
}

// ReadPacket returns the next packet, or ErrTimeout when none arrived
// within the poll timeout. data is borrowed: valid until the next call.
func (s *Source) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := s.tp.ZeroCopyReadPacketData()
	if errors.Is(err, afpacket.ErrTimeout) {
		return nil, ci, ErrTimeout
	}
	return data, ci, err
}

// LinkType is the link type of the frames ReadPacket returns.
func (s *Source) LinkType() layers.LinkType {
	if s.link == LinkRaw {
		return layers.LinkTypeRaw
	}
	return layers.LinkTypeEthernet
}

// Name is the interface the source captures on (AnyInterface: all).
func (s *Source) Name() string { return s.name }

// Link says how frames start (for filters compiled elsewhere).
func (s *Source) Link() Link { return s.link }

// KernelDrops returns the packets the kernel dropped because the ring was
// full, since Open.
func (s *Source) KernelDrops() (int64, error) {
	_, v3, err := s.tp.SocketStats()
	if err != nil {
		return 0, fmt.Errorf("live: socket statistics: %w", err)
	}
	return int64(v3.Drops()), nil
}

// Close releases the socket and its ring.
func (s *Source) Close() {
	if s.tp != nil {
		s.tp.Close()
		s.tp = nil
	}
}
