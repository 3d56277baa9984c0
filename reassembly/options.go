package reassembly

import (
	"errors"
	"strings"
	"time"
)

// Limits and defaults. Every one of them can be overridden through Options.
const (
	// DefaultIdleTimeout closes a connection that has seen no packet for this
	// long, measured in capture time.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultPageTimeout gives up waiting for a missing segment once the data
	// queued behind it is this old (capture time): the hole becomes a Gap.
	DefaultPageTimeout = 30 * time.Second
	// DefaultFlushInterval is how far capture time must advance between two
	// flush passes over all connections.
	DefaultFlushInterval = 2 * time.Second
	// DefaultMaxBufferedPagesPerConnection bounds out-of-order data queued for
	// one connection (a page holds up to 1900 bytes, so about 3.9 MB). When it
	// is reached the oldest hole is skipped and reported as a Gap.
	DefaultMaxBufferedPagesPerConnection = 2048
	// DefaultMaxConnections bounds the connections followed at once (split
	// evenly between workers). A connection beyond it is not followed (its
	// packets are counted in Stats.PacketsOverConnLimit); each followed one
	// costs a few KiB.
	DefaultMaxConnections = 250000
	// DefaultMaxBufferedPagesTotal bounds out-of-order data queued for all
	// connections together (about 124 MB). It is split evenly between workers.
	DefaultMaxBufferedPagesTotal = 65536

	// readBufferSize is the size of the buffered reader over each input.
	readBufferSize = 256 << 10
	// maxWorkers caps Options.Workers.
	maxWorkers = 256
	// cancelCheckEvery is how many packets are read between two looks at ctx.
	cancelCheckEvery = 1024
)

// DefaultPorts are the server ports analysed when Options.Ports is empty:
// IMAP (143), IMAP3 (220) and IMAPS (993, implicit TLS). The command line
// uses the same list.
func DefaultPorts() []uint16 { return []uint16{143, 220, 993} }

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrNotCapture means an input is not a pcap or pcapng file (or is empty,
	// or its file header is cut short).
	ErrNotCapture = errors.New("reassembly: not a pcap or pcapng capture")
	// ErrClosed is returned when packets are pushed into a closed Engine.
	ErrClosed = errors.New("reassembly: engine closed")
)

// Options configures an Engine or Run. The zero value is usable: every zero
// field takes its default.
type Options struct {
	// Ports are the server ports; TCP traffic on any other port is ignored
	// before reassembly. Default DefaultPorts(). When both ports of a
	// connection are in the set, the lower one is the server.
	Ports []uint16
	// Workers is the number of reassembly goroutines (default
	// DefaultWorkers(): 1 unless CPUs are idle, see cpus.go; at most 256).
	// With 1, reassembly runs on the caller's goroutine (the Conn calls may
	// run beside it: BatchDelivery).
	Workers int
	// IdleTimeout closes connections idle this long in capture time.
	IdleTimeout time.Duration
	// PageTimeout turns a hole into a Gap once data behind it is this old.
	PageTimeout time.Duration
	// FlushInterval is the capture-time step between flush passes.
	FlushInterval time.Duration
	// MaxBufferedPagesPerConnection bounds out-of-order data per connection.
	MaxBufferedPagesPerConnection int
	// MaxBufferedPagesTotal bounds out-of-order data overall (split between
	// workers).
	MaxBufferedPagesTotal int
	// MaxConnections bounds the connections followed at once (split between
	// workers).
	MaxConnections int
	// Progress, if set, is called from the reading goroutine with the number
	// of input bytes read so far (compressed bytes for gzip inputs, summed
	// over inputs).
	Progress func(bytesRead int64)
	// BatchDelivery lets a worker queue the calls it makes to Conns while it
	// assembles a run of packets and make them afterwards, in the same order
	// (delivery.go) — with one worker, classic pcap input and a second CPU,
	// on a goroutine of their own (delivery_async.go): faster for a Conn with
	// much code of its own (a dissector), pointless for one that only counts.
	BatchDelivery bool
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if len(o.Ports) == 0 {
		o.Ports = DefaultPorts()
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers()
	}
	if o.Workers > maxWorkers {
		o.Workers = maxWorkers
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = DefaultPageTimeout
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.MaxBufferedPagesPerConnection <= 0 {
		o.MaxBufferedPagesPerConnection = DefaultMaxBufferedPagesPerConnection
	}
	if o.MaxBufferedPagesTotal <= 0 {
		o.MaxBufferedPagesTotal = DefaultMaxBufferedPagesTotal
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	return o
}

// Stats counts what the engine saw. Counters are totals over all inputs.
type Stats struct {
	// Inputs is the number of inputs opened.
	Inputs int
	// Packets and Bytes count capture records read and their captured bytes.
	Packets, Bytes int64
	// IMAPPackets counts TCP packets on a configured port handed to reassembly.
	IMAPPackets int64
	// DecodeErrors counts packets whose link, IP or TCP header is malformed.
	DecodeErrors int64
	// Fragments counts IPv4/IPv6 fragments read (defrag.go reassembles them).
	Fragments int64
	// Skipped counts packets that are not ours: non-IP, non-TCP, other ports.
	Skipped int64
	// UnsupportedLinkType counts packets of a link type the decoder lacks.
	UnsupportedLinkType int64
	// Conns counts connections handed to the ConnFactory.
	Conns int64
	// PacketsOverConnLimit counts packets of connections not followed
	// because MaxConnections were open.
	PacketsOverConnLimit int64
	// Gaps and GapBytes count holes reported with Gap(n > 0).
	Gaps, GapBytes int64
	// MidStream counts directions that started without a SYN (Gap -1).
	MidStream int64
	// Panics counts panics recovered while decoding or reassembling.
	Panics int64
	// Skip counts packets whose content was not used, by reason.
	Skip SkipCounts
	// Reused counts connections that started on a 4-tuple already in use
	// (port reuse after RST, FIN or a close never seen; SYN retried with a
	// new ISN).
	Reused int64
	// OverlapConflicts counts segments whose bytes differed from an
	// earlier copy of the same bytes (the first copy was kept).
	OverlapConflicts int64
	// Defragmented counts IP datagrams reassembled from fragments;
	// AtomicFragments counts IPv6 atomic fragments (RFC 6946), processed
	// alone; FragmentOverlaps counts datagrams dropped because fragments
	// overlapped with different bytes.
	Defragmented, AtomicFragments, FragmentOverlaps int64
	// ClockOutliers counts packets stamped far ahead of the capture clock
	// and not confirmed by the next packet: they are processed at the
	// clock's time instead (clock.go).
	ClockOutliers int64
	// CapLenOverLength counts records whose captured length exceeds their
	// original length (a writer bug): read, with the captured bytes.
	CapLenOverLength int64
	// UnsupportedLinkTypes names the link types of the packets counted in
	// UnsupportedLinkType, separated by ", " ("802.11 (105)"), at most
	// maxLinkTypeNames of them.
	UnsupportedLinkTypes string
	// Truncated is true when an input ended early: cut short (EOF inside a
	// record) or a record could not be read. Packets before it were used.
	Truncated bool
	// Damage describes what was wrong with the inputs ("" when nothing was).
	Damage string
}

// add merges the counters of o into s.
func (s *Stats) add(o *Stats) {
	s.Packets += o.Packets
	s.Bytes += o.Bytes
	s.IMAPPackets += o.IMAPPackets
	s.DecodeErrors += o.DecodeErrors
	s.Fragments += o.Fragments
	s.Skipped += o.Skipped
	s.UnsupportedLinkType += o.UnsupportedLinkType
	s.Conns += o.Conns
	s.PacketsOverConnLimit += o.PacketsOverConnLimit
	s.Gaps += o.Gaps
	s.GapBytes += o.GapBytes
	s.MidStream += o.MidStream
	s.Panics += o.Panics
	s.Skip.add(&o.Skip)
	s.Reused += o.Reused
	s.CapLenOverLength += o.CapLenOverLength
	s.ClockOutliers += o.ClockOutliers
	s.OverlapConflicts += o.OverlapConflicts
	s.Defragmented += o.Defragmented
	s.AtomicFragments += o.AtomicFragments
	s.FragmentOverlaps += o.FragmentOverlaps
	if o.UnsupportedLinkTypes != "" {
		for _, n := range strings.Split(o.UnsupportedLinkTypes, ", ") {
			s.addLinkType(n)
		}
	}
	s.Truncated = s.Truncated || o.Truncated
	s.addDamage(o.Damage)
}

// maxDamageNotes bounds how many damage descriptions Stats.Damage keeps.
const maxDamageNotes = 8

// addDamage appends a damage description to s.Damage.
func (s *Stats) addDamage(d string) {
	if d == "" {
		return
	}
	if s.Damage == "" {
		s.Damage = d
		return
	}
	if n := countNotes(s.Damage); n >= maxDamageNotes {
		return
	}
	s.Damage += "; " + d
}

func countNotes(s string) int {
	n := 1
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ';' && s[i+1] == ' ' {
			n++
		}
	}
	return n
}
