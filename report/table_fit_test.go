package report_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imapscope/imapscope/report"
)

// TestTablesFitWidth renders real captures at several terminal widths:
// every table line fits, the session summary keeps its key columns, and
// long cells end with an ellipsis.
func TestTablesFitWidth(t *testing.T) {
	r := analyze(t, goldenCaptures...)
	st := report.ComputeStats(r, report.StatsOptions{})
	var wide bytes.Buffer
	if err := report.WriteTable(&wide, r, report.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if longest(wide.String()) <= 120 {
		t.Fatalf("unlimited tables are only %d wide: no test", longest(wide.String()))
	}
	for _, width := range []int{80, 100, 132} {
		var buf bytes.Buffer
		opts := report.TableOptions{Width: width, Color: true}
		if err := report.WriteTable(&buf, r, opts); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteStatsTable(&buf, st, opts); err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(buf.String(), "\n") {
			if (strings.HasPrefix(l, "|") || strings.HasPrefix(l, "+")) && visible(l) > width {
				t.Errorf("width %d: line %d is %d wide: %s", width, i+1, visible(l), l)
			}
		}
		head := strings.SplitN(buf.String(), "\n", 3)[1]
		for _, h := range []string{"ID", "CLIENT", "SERVER", "USER", "TXNS"} {
			if !strings.Contains(head, h) {
				t.Errorf("width %d: summary lost %s: %s", width, h, head)
			}
		}
		if width == 80 && !strings.Contains(buf.String(), "…") {
			t.Errorf("width 80: nothing cut")
		}
	}
}

// visible counts the characters a terminal shows (colour sequences apart).
func visible(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

func longest(s string) int {
	m := 0
	for _, l := range strings.Split(s, "\n") {
		m = max(m, visible(l))
	}
	return m
}
