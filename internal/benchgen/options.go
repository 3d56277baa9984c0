package benchgen

import (
	"errors"
	"fmt"
	"io"
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
	// DefaultTLS12Share is the share of TLSOn sessions made with TLS 1.2
	// (ECDHE-ECDSA-AES128-GCM); the others are TLS 1.3 (AES-128-GCM).
	DefaultTLS12Share = 0.25
)

// TLSMode selects whether sessions are encrypted.
type TLSMode uint8

const (
	// TLSOff: clear-text IMAP on port 143 (the original captures,
	// unchanged).
	TLSOff TLSMode = iota
	// TLSOn: IMAP over TLS on port 993, made with crypto/tls; the client
	// secrets go to Options.KeyLog.
	TLSOn
	// TLSTwin: the clear-text twin of a TLSOn capture with the same options:
	// the same IMAP messages, unencrypted, on port 143 (segments and times
	// differ with the records' sizes).
	TLSTwin
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
	// ServerPort is the IMAP port every clear-text session connects to.
	ServerPort = 143
	// TLSServerPort is the port of TLSOn sessions (IMAPS).
	TLSServerPort = 993
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
	// TLS selects clear text (TLSOff, the default), TLS or the clear-text
	// twin of a TLS capture. In TLSOn and TLSTwin the message contents draw
	// from the session's stream and times and segmentation from a second
	// one, so both modes carry the same IMAP messages.
	TLS TLSMode
	// KeyLog receives the NSS key log of a TLSOn capture (nil: none kept).
	KeyLog io.Writer
	// TLS12Share is the share (0..1) of TLSOn sessions using TLS 1.2. Zero
	// means DefaultTLS12Share; a negative value means none.
	TLS12Share float64
	// Shape selects the conversation of every session (see shape.go); the
	// zero value is ShapeMixed. With ShapeLong and neither Sessions nor
	// TargetBytes set, the capture holds one session.
	Shape Shape
	// Commands is the number of tagged commands of a ShapeLong session
	// (at least 5); zero means DefaultLongCommands. Other shapes ignore it.
	Commands int
}

// withDefaults returns o with zero fields replaced by defaults, or an error
// wrapping ErrOptions.
func (o Options) withDefaults() (Options, error) {
	if o.Sessions < 0 || o.TargetBytes < 0 || o.Concurrency < 0 || o.IPv6Share > 1 {
		return o, fmt.Errorf("%w: negative count or IPv6 share above 1", ErrOptions)
	}
	if o.Shape > ShapeLong || o.Commands < 0 || (o.Commands > 0 && o.Commands < minLongCommands) {
		return o, fmt.Errorf("%w: unknown shape or fewer than %d commands", ErrOptions, minLongCommands)
	}
	if o.Commands == 0 {
		o.Commands = DefaultLongCommands
	}
	if o.Sessions == 0 && o.TargetBytes == 0 {
		o.Sessions = DefaultSessions
		if o.Shape == ShapeLong {
			o.Sessions = 1
		}
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
	if o.TLS > TLSTwin || o.TLS12Share > 1 {
		return o, fmt.Errorf("%w: unknown TLS mode or TLS 1.2 share above 1", ErrOptions)
	}
	if o.TLS12Share == 0 {
		o.TLS12Share = DefaultTLS12Share
	} else if o.TLS12Share < 0 {
		o.TLS12Share = 0
	}
	return o, nil
}

// Summary is the ground truth of a generated capture.
type Summary struct {
	// Sessions is the number of TCP connections (all complete; port 143, or
	// TLSServerPort in TLSOn).
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
	// TLSSessions counts the sessions over TLS, TLS12Sessions those of
	// them using TLS 1.2.
	TLSSessions, TLS12Sessions int
	// MaxConcurrent is the largest number of sessions open at once.
	MaxConcurrent int
	// First and Last are the timestamps of the first and last packets.
	First, Last time.Time
}

// String renders the summary on a few lines for humans.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sessions:       %d (%d IPv6, max %d concurrent)\n", s.Sessions, s.IPv6Sessions, s.MaxConcurrent)
	if s.TLSSessions > 0 {
		fmt.Fprintf(&b, "tls:            %d (%d TLS 1.2, %d TLS 1.3)\n", s.TLSSessions, s.TLS12Sessions, s.TLSSessions-s.TLS12Sessions)
	}
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
