package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/imapscope/imapscope/reassembly"
)

// skippedSummary is the part of the stderr summary line that says what was
// skipped, by reason ("" when nothing was): "; skipped: bad_checksum 2".
func skippedSummary(st reassembly.Stats) string {
	m := st.Skip.Map()
	if len(m) == 0 && st.CapLenOverLength == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	var b strings.Builder
	if len(parts) > 0 {
		b.WriteString("; skipped: " + strings.Join(parts, ", "))
	}
	if st.CapLenOverLength > 0 {
		fmt.Fprintf(&b, "; %d records longer than their original length read", st.CapLenOverLength)
	}
	return b.String()
}
