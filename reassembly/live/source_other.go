//go:build !linux

package live

import (
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Source is an open capture; live capture is only implemented on Linux.
type Source struct{}

// ErrUnsupported is returned by Open on systems without AF_PACKET.
var ErrUnsupported = errors.New("live: live capture needs Linux (AF_PACKET)")

// Open always fails outside Linux.
func Open(Config) (*Source, error) { return nil, ErrUnsupported }

// ReadPacket is never reached outside Linux.
func (s *Source) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	return nil, gopacket.CaptureInfo{}, ErrUnsupported
}

// LinkType is the link type of the frames ReadPacket returns.
func (s *Source) LinkType() layers.LinkType { return layers.LinkTypeRaw }

// Name is the interface the source captures on (none outside Linux).
func (s *Source) Name() string { return "" }

// Link says how frames start.
func (s *Source) Link() Link { return LinkRaw }

// KernelDrops is always 0 outside Linux.
func (s *Source) KernelDrops() (int64, error) { return 0, ErrUnsupported }

// Close does nothing outside Linux.
func (s *Source) Close() {}
