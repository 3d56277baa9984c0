package report

import (
	"cmp"
	"slices"
	"strconv"
)

// FindingCount counts one kind of finding (see FindingKinds) on one server.
type FindingCount struct {
	Server string `json:"server"`
	Kind   string `json:"kind"`
	// Count is the number of findings; Sessions how many sessions had one.
	Count    int `json:"count"`
	Sessions int `json:"sessions"`
}

// computeFindings counts the sessions' findings per server and kind,
// servers in order, kinds in vocabulary order within a server.
func computeFindings(sessions []*Session) []FindingCount {
	type key struct{ server, kind string }
	idx := map[key]int{}
	var out []FindingCount
	for _, s := range sessions {
		if s == nil {
			continue
		}
		seen := map[string]bool{}
		for _, a := range s.Anomalies {
			if !a.Kind.Finding() {
				continue
			}
			k := key{s.Server, string(a.Kind)}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, FindingCount{Server: s.Server, Kind: string(a.Kind)})
			}
			out[i].Count++
			if !seen[k.kind] {
				seen[k.kind] = true
				out[i].Sessions++
			}
		}
	}
	order := func(k string) int { return slices.Index(FindingKinds, AnomalyKind(k)) }
	slices.SortStableFunc(out, func(a, b FindingCount) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(order(a.Kind), order(b.Kind)))
	})
	if out == nil {
		out = []FindingCount{}
	}
	return out
}

// writeFindingsTable writes the findings section of the stats table.
func writeFindingsTable(ew *errWriter, st *Stats, opts *TableOptions) error {
	ew.printf("\nFindings by server:\n")
	if len(st.Findings) == 0 {
		ew.printf("  (none)\n")
		return ew.err
	}
	cols := []column[FindingCount]{
		{"server", "SERVER", false, func(f FindingCount, _ *TableOptions) string { return EscapeControl(f.Server) }},
		{"kind", "KIND", false, func(f FindingCount, _ *TableOptions) string { return EscapeControl(f.Kind) }},
		{"count", "COUNT", true, func(f FindingCount, _ *TableOptions) string { return strconv.Itoa(f.Count) }},
		{"sessions", "SESSIONS", true, func(f FindingCount, _ *TableOptions) string { return strconv.Itoa(f.Sessions) }},
	}
	rows := make([][]string, len(st.Findings))
	for i, f := range st.Findings {
		rows[i] = cells(cols, f, opts)
	}
	return renderTable(ew, cols, rows)
}
