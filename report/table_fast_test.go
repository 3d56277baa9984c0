package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestFastTableMatchesTablewriter renders random tables (cells of every
// kind appendFastTable takes, colour sequences, empty cells, border
// characters, widths from 0 to 60) both ways: byte for byte the same. Cells
// it must refuse (spaces at an end, non-ASCII, control bytes) are refused.
func TestFastTableMatchesTablewriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pool := []string{"", "a", "OK", "NO", "+", "|", "-", "a b", "x  y", "1234567", "LONGER-TEXT_WITH.PUNCT!?", "{5}", `"q"`,
		ansiGreen + "OK" + ansiReset, ansiRed + "BAD" + ansiReset, "\x1b[1;31m3\x1b[0m", strings.Repeat("w", 60),
		"cut…", "…", "a…b", "x" + ellipsis + ellipsis}
	for i := range 2000 {
		ncol, nrow := 1+rng.IntN(8), 1+rng.IntN(12)
		cols := make([]column[int], ncol)
		for c := range cols {
			cols[c] = column[int]{key: "k", header: pool[rng.IntN(len(pool))], right: rng.IntN(2) == 0}
		}
		rows := make([][]string, nrow)
		for r := range rows {
			rows[r] = make([]string, ncol)
			for c := range rows[r] {
				rows[r][c] = pool[rng.IntN(len(pool))]
			}
		}
		var fast, slow bytes.Buffer
		if err := renderTable(&errWriter{w: &fast}, cols, rows); err != nil {
			t.Fatal(err)
		}
		if err := renderTable(&errWriter{w: &slow, tablewriterOnly: true}, cols, rows); err != nil {
			t.Fatal(err)
		}
		if fast.String() != slow.String() {
			t.Fatalf("table %d differs:\nfast:\n%s\ntablewriter:\n%s", i, fast.String(), slow.String())
		}
	}
	for _, c := range []string{" a", "a ", "é", "日本", "a\tb", "\x1b[31", "\x1bx", "a \x1b[0m"} {
		if _, ok := plainWidth(c); ok {
			t.Errorf("plainWidth accepts %q", c)
		}
	}
}

// TestEscapeTruncateASCIIFastPath checks escapeTruncate's shortcut for
// printable ASCII against the rune-by-rune path, at every length and limit.
func TestEscapeTruncateASCIIFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for range 3000 {
		b := make([]byte, rng.IntN(60))
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x5f))
		}
		s, max := string(b), rng.IntN(70)-5
		if got, want := escapeTruncate(s, max), escapeTruncateRunes(s, max); got != want {
			t.Fatalf("escapeTruncate(%q, %d) = %q, want %q", s, max, got, want)
		}
	}
}

// escapeTruncateSlow is escapeTruncateRunes as it was written first, a
// token string per rune: the reference for the copying one.
func escapeTruncateSlow(s string, max int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		tok := escapeRune(r, s[i])
		if size == 1 && r == utf8.RuneError {
			tok = fmt.Sprintf(`\x%02x`, s[i])
		}
		i += size
		tn := utf8.RuneCountInString(tok)
		if max > 0 {
			limit := max
			if i < len(s) {
				limit = max - 1
			}
			if n+tn > limit {
				b.WriteString(ellipsis)
				return b.String()
			}
		}
		b.WriteString(tok)
		n += tn
	}
	return b.String()
}

// TestEscapeTruncateMatchesSlow compares escapeTruncate with the token by
// token reference on random strings of ASCII, controls, C1 and format
// characters, wide and combining characters, U+FFFD and invalid bytes, at
// every limit.
func TestEscapeTruncateMatchesSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	pieces := []string{"a", "Z", " ", "~", "\x00", "\t", "\r", "\n", "\x1b", "\x7f", "\u0085", "\u009f", "\u00a0", "\u00ad", "é", "日",
		"\u200b", "\u202e", "\ufeff", "\ufffd", "\xff", "\xc3", "\xe6\x97", "—", "…", "\U0001f600", "\u0301", "\U000e0001", "the quick brown fox jumps over the lazy dog"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s, max := b.String(), rng.IntN(50)-5
		if got, want := escapeTruncate(s, max), escapeTruncateSlow(s, max); got != want {
			t.Fatalf("escapeTruncate(%q, %d) = %q, want %q", s, max, got, want)
		}
	}
}

// TestFmtTimeMatchesFormat compares fmtTime with time.Format(TimeLayout)
// in UTC for random instants of years 0 to 10,100 (beyond 9999: Format
// itself) and other zones.
func TestFmtTimeMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	zone := time.FixedZone("x", -7*3600-30*60)
	for range 20000 {
		ts := time.Date(rng.IntN(10100), time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), time.UTC)
		if rng.IntN(3) == 0 {
			ts = ts.In(zone)
		}
		if ts.IsZero() {
			continue
		}
		if got, want := fmtTime(Time{ts}), ts.UTC().Format(TimeLayout); got != want {
			t.Fatalf("fmtTime(%v) = %q, want %q", ts, got, want)
		}
	}
	if fmtTime(Time{}) != "-" {
		t.Error("zero time not -")
	}
}

// plainWidthSlow is plainWidth byte by byte, as it was written first.
func plainWidthSlow(s string) (w int, ok bool) {
	last := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x1b {
			j := i + 1
			if j >= len(s) || s[j] != '[' {
				return 0, false
			}
			for j++; j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';'); j++ {
			}
			if j >= len(s) || s[j] != 'm' {
				return 0, false
			}
			i = j
			continue
		}
		if c == ellipsis[0] && len(s)-i >= len(ellipsis) && s[i:i+len(ellipsis)] == ellipsis {
			i += len(ellipsis) - 1
			last = 'x'
			w++
			continue
		}
		if c < 0x20 || c > 0x7e || c == ' ' && (w == 0 || i == len(s)-1) {
			return 0, false
		}
		last = c
		w++
	}
	if last == ' ' {
		return 0, false
	}
	return w, true
}

// TestPlainWidthWords compares plainWidth and asciiRun (eight bytes at a
// time) with byte-by-byte loops on random strings: runs of every length,
// spaces, colour sequences, ellipses, controls, DEL and non-ASCII bytes at
// every offset.
func TestPlainWidthWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	pieces := []string{"a", "~", "!", " ", "  ", "0123456789", "abcdefgh", ansiGreen, ansiReset, "\x1b[1;31m", "\x1b[", "\x1bx",
		ellipsis, "\xe2\x80", "\x1f", "\x7f", "\x80", "é", "\xff", "\t"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		gw, gok := plainWidth(s)
		if ww, wok := plainWidthSlow(s); gw != ww || gok != wok {
			t.Fatalf("plainWidth(%q) = %d, %v, want %d, %v", s, gw, gok, ww, wok)
		}
		want := 0
		for want < len(s) && s[want] >= 0x20 && s[want] <= 0x7e {
			want++
		}
		if got := asciiRun(s); got != want {
			t.Fatalf("asciiRun(%q) = %d, want %d", s, got, want)
		}
	}
}
