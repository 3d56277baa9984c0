package dissect

import (
	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

// Default limits. Each bounds memory or work that a hostile or broken peer
// could otherwise make unbounded.
const (
	// DefaultMaxLine caps the bytes of one protocol line kept for parsing;
	// the rest of a longer line is counted and dropped (an anomaly).
	DefaultMaxLine = 64 << 10
	// DefaultMaxPending caps commands awaiting completion in one session.
	DefaultMaxPending = 4096
	// DefaultMaxTransactions caps transactions kept per session; further
	// ones are counted in an anomaly but not stored.
	DefaultMaxTransactions = 200000
	// DefaultMaxAnomalies caps anomalies kept per session.
	DefaultMaxAnomalies = 1000
	// DefaultMaxArgs caps the argument text kept per transaction.
	DefaultMaxArgs = 512
	// DefaultMaxLiteral is the largest literal size believed; a bigger
	// declaration is an anomaly (the bytes are still skipped, never stored).
	DefaultMaxLiteral = 1 << 32
	// DefaultNotIMAPBytes is how many bytes a direction may carry without a
	// single plausible IMAP line before the session is declared not IMAP.
	DefaultNotIMAPBytes = 4096
	// DefaultMaxInflateRatio bounds inflated/compressed bytes after COMPRESS
	// before the stream is treated as a decompression bomb.
	DefaultMaxInflateRatio = 1000

	// maxCapturedLiteral is the largest client literal whose bytes are kept
	// as part of a command's arguments (user names, mailbox names).
	maxCapturedLiteral = 256
	// maxListItems caps items parsed from capability-like lists.
	maxListItems = 256
	// minMaxLine is the smallest MaxLine honoured: a line must hold a tag,
	// a command name and a literal header.
	minMaxLine = 64
	// maxTagLen is the longest tag believed. RFC 3501 and 9051 set no
	// limit; generated tags of a few hundred characters occur, while text
	// that is not IMAP rarely has a first word this long without a space.
	maxTagLen = 1024
	// maxCommandWord caps each word of a command name (longer ones are cut).
	maxCommandWord = 31
	// maxResponseKind caps an unknown response keyword kept as a kind.
	maxResponseKind = 32
	// maxIDParams caps the ID parameters kept (RFC 2971 §3.3 allows 30).
	maxIDParams = 32
	// maxDetailExcerpt caps a line quoted in an anomaly's detail.
	maxDetailExcerpt = 80
	// maxLiteralDigits is the most digits a literal size can have (int64).
	maxLiteralDigits = 19
	// argsInline and litHdrInline are the argument and literal-header
	// bytes a session holds without allocating.
	argsInline   = 256
	litHdrInline = 24
	// txnListInitial is the first capacity of a session's transaction list.
	txnListInitial = 16
)

// Options configures a Session. The zero value means "all defaults".
type Options struct {
	MaxLine         int
	MaxPending      int
	MaxTransactions int
	MaxAnomalies    int
	MaxArgs         int
	MaxLiteral      int64
	NotIMAPBytes    int64
	MaxInflateRatio int64
	// ShowSecrets keeps passwords and SASL responses in the output.
	ShowSecrets bool
	// Capabilities, if set, shares parsed capability lists between the
	// sessions given the same Options (nil: each session parses its own).
	Capabilities *CapabilityCache
	// TLSKeys, if set, decrypts TLS sessions whose secrets it holds (a key
	// log); without it TLS sessions get fingerprints and certificates only.
	TLSKeys tlsdecrypt.KeyLookup
	// TxnFile, if set, receives the finished transactions of long
	// sessions (report.TxnFile): once a session holds more than
	// SpillTransactions of them, its completed prefix is moved there
	// (report.Session.Spilled) instead of staying in memory.
	TxnFile *report.TxnFile
	// SpillBlock, if positive, replaces SpillTransactions: with 1 every
	// settled transaction is spilled as soon as another follows it (tests
	// use it to spill in every kind of session).
	SpillBlock int
}

// SpillTransactions is how many finished transactions a session keeps in
// memory before they go to Options.TxnFile, in blocks of that many.
const SpillTransactions = 1024

func (o Options) withDefaults() Options {
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.MaxLine < minMaxLine {
		o.MaxLine = minMaxLine
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.MaxTransactions <= 0 {
		o.MaxTransactions = DefaultMaxTransactions
	}
	if o.MaxAnomalies <= 0 {
		o.MaxAnomalies = DefaultMaxAnomalies
	}
	if o.MaxArgs <= 0 {
		o.MaxArgs = DefaultMaxArgs
	}
	if o.MaxLiteral <= 0 {
		o.MaxLiteral = DefaultMaxLiteral
	}
	if o.NotIMAPBytes <= 0 {
		o.NotIMAPBytes = DefaultNotIMAPBytes
	}
	if o.MaxInflateRatio <= 0 {
		o.MaxInflateRatio = DefaultMaxInflateRatio
	}
	if o.SpillBlock <= 0 {
		o.SpillBlock = SpillTransactions
	}
	return o
}
