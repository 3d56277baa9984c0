package benchgen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults used when an Options field is zero.
const (
	// DefaultSessions is the number of sessions written when neither Sessions
	// nor TargetBytes is set.
	DefaultSessions = 5000
	// DefaultConcurrency is the number of sessions open at the same time.
	DefaultConcurrency = 200
	// DefaultIPv6Share is the share of sessions carried over IPv6.
	DefaultIPv6Share = 0.10
	// DefaultSeed seeds the generator when Seed is zero.
	DefaultSeed = 1
)

// Limits of the generated traffic.
const (
	// MaxSegment is the largest TCP payload of an IPv4 segment (MSS 1460
	// minus the 12-byte timestamp option, as on Linux).
	MaxSegment = 1448
	// maxSegment6 is the IPv6 equivalent (MSS 1440 minus 12).
	maxSegment6 = 1428
	// minBody and maxBody bound the size of a message body literal.
	minBody = 2 << 10
	maxBody = 200 << 10
	// ServerPort is the IMAP port every session connects to.
	ServerPort = 143
)

// ErrOptions reports invalid generator options; errors returned by Write and
// Capture for bad options wrap it.
var ErrOptions = errors.New("benchgen: invalid options")

// Options configures a capture. The zero value writes DefaultSessions
// sessions with the default seed, IPv6 share and concurrency.
type Options struct {
	// Sessions is the exact number of sessions to write. Ignored when
	// TargetBytes is set.
	Sessions int
	// Seed selects the capture; the same Options give byte-identical output.
	// Zero means DefaultSeed.
	Seed uint64
	// TargetBytes, if > 0, replaces Sessions: sessions keep being started
	// until the file is expected to reach roughly this size.
	TargetBytes int64
	// IPv6Share is the share (0..1) of sessions over IPv6. Zero means
	// DefaultIPv6Share; a negative value means no IPv6 at all.
	IPv6Share float64
	// Concurrency is the number of sessions open at once. Zero means
	// DefaultConcurrency.
	Concurrency int
	// Shape is the kind of session (see shape.go): ShapeMixed when empty,
	// ShapeShort or ShapeLong.
	Shape string
	// Commands is the number of commands of a ShapeLong session (zero:
	// DefaultLongCommands).
	Commands int
}

// withDefaults returns o with zero fields replaced by defaults, or an error
// wrapping ErrOptions.
func (o Options) withDefaults() (Options, error) {
	if o.Sessions < 0 || o.TargetBytes < 0 || o.Concurrency < 0 || o.IPv6Share > 1 {
		return o, fmt.Errorf("%w: negative count or IPv6 share above 1", ErrOptions)
	}
	if err := checkShape(o); err != nil {
		return o, err
	}
	if o.Sessions == 0 && o.TargetBytes == 0 {
		o.Sessions = DefaultSessions
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.IPv6Share == 0 {
		o.IPv6Share = DefaultIPv6Share
	} else if o.IPv6Share < 0 {
		o.IPv6Share = 0
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	return o, nil
}

// Summary is the ground truth of a generated capture.
type Summary struct {
	// Sessions is the number of TCP connections (all complete, port 143).
	Sessions int
	// IPv6Sessions is how many of them run over IPv6.
	IPv6Sessions int
	// Packets is the number of packets in the file.
	Packets int
	// Bytes is the size of the pcap file, headers included.
	Bytes int64
	// PayloadBytes is the sum of the TCP payloads (the IMAP bytes).
	PayloadBytes int64
	// Commands is the number of tagged client commands.
	Commands int
	// CommandsByKind counts tagged commands by name ("LOGIN", "UID FETCH", ...).
	CommandsByKind map[string]int
	// Literals counts literals in both directions (server FETCH bodies and
	// client APPEND bodies); LiteralBytes is the sum of their declared sizes.
	Literals     int
	LiteralBytes int64
	// MaxConcurrent is the largest number of sessions open at once.
	MaxConcurrent int
	// First and Last are the timestamps of the first and last packets.
	First, Last time.Time
}

// String renders the summary on a few lines for humans.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sessions:       %d (%d IPv6, max %d concurrent)\n", s.Sessions, s.IPv6Sessions, s.MaxConcurrent)
	fmt.Fprintf(&b, "packets:        %d\n", s.Packets)
	fmt.Fprintf(&b, "bytes:          %d (%s), payload %d\n", s.Bytes, FormatSize(s.Bytes), s.PayloadBytes)
	fmt.Fprintf(&b, "commands:       %d\n", s.Commands)
	for _, k := range commandKinds {
		if n := s.CommandsByKind[k]; n > 0 {
			fmt.Fprintf(&b, "  %-12s  %d\n", k, n)
		}
	}
	fmt.Fprintf(&b, "literals:       %d (%d bytes)\n", s.Literals, s.LiteralBytes)
	fmt.Fprintf(&b, "capture span:   %s .. %s (%s)\n", s.First.Format(time.RFC3339Nano), s.Last.Format(time.RFC3339Nano), s.Last.Sub(s.First))
	return b.String()
}

// ParseSize parses a size such as "100MB", "1GB", "512k" or "12345"
// (binary multiples: 1MB = 1<<20).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%w: bad size %q", ErrOptions, s)
	}
	return int64(f * float64(mult)), nil
}

// FormatSize renders n bytes with a binary unit ("1.0GB", "100MB").
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + "GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + "MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + "KB"
	}
	return strconv.FormatInt(n, 10) + "B"
}
