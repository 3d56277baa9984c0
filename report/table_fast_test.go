package report

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
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
