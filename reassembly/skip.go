package reassembly

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopacket/gopacket/layers"
)

// SkipCounts counts packets whose content reassembly could not use, by
// reason. Traffic that is simply not IMAP (other ports, other protocols) is
// not skipped data and is counted in Stats.Skipped instead.
type SkipCounts struct {
	// UnsupportedLinkType counts packets of a link type the decoder lacks.
	UnsupportedLinkType int64
	// FragmentsNotReassembled counts IP fragments dropped without a
	// datagram: overlapping or inconsistent fragments, fragments of a
	// datagram that timed out or exceeded a limit.
	FragmentsNotReassembled int64
	// BadChecksum counts TCP segments dropped for a wrong checksum.
	BadChecksum int64
	// RSTPayload counts RST segments whose payload was ignored.
	RSTPayload int64
}

// Map returns the non-zero counts keyed by reason, nil when all are zero.
// The keys are those of the report's capture.skipped.
func (c *SkipCounts) Map() map[string]int64 {
	var m map[string]int64
	put := func(k string, v int64) {
		if v != 0 {
			if m == nil {
				m = map[string]int64{}
			}
			m[k] = v
		}
	}
	put("unsupported_link_type", c.UnsupportedLinkType)
	put("fragments_not_reassembled", c.FragmentsNotReassembled)
	put("bad_checksum", c.BadChecksum)
	put("rst_payload", c.RSTPayload)
	return m
}

func (c *SkipCounts) add(o *SkipCounts) {
	c.UnsupportedLinkType += o.UnsupportedLinkType
	c.FragmentsNotReassembled += o.FragmentsNotReassembled
	c.BadChecksum += o.BadChecksum
	c.RSTPayload += o.RSTPayload
}

// maxLinkTypeNames bounds Stats.UnsupportedLinkTypes.
const maxLinkTypeNames = 8

// linkTypeName names a link type for messages: gopacket's name and the
// number.
func linkTypeName(lt layers.LinkType) string {
	return fmt.Sprintf("%s (%d)", lt.String(), uint16(lt))
}

// addLinkType adds a link type name to s.UnsupportedLinkTypes once.
func (s *Stats) addLinkType(name string) {
	names := s.LinkTypeNames()
	if len(names) < maxLinkTypeNames && !slices.Contains(names, name) {
		if s.UnsupportedLinkTypes != "" {
			s.UnsupportedLinkTypes += ", "
		}
		s.UnsupportedLinkTypes += name
	}
}

// LinkTypeNames returns the names in UnsupportedLinkTypes, nil if none.
func (s *Stats) LinkTypeNames() []string {
	if s.UnsupportedLinkTypes == "" {
		return nil
	}
	return strings.Split(s.UnsupportedLinkTypes, ", ")
}
