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

// findingKey identifies one row of the findings counts.
type findingKey struct{ server, kind string }

// findingsAcc counts findings session by session; the result does not
// depend on the order of the sessions.
type findingsAcc struct {
	idx map[findingKey]int
	out []FindingCount
}

// newFindingsAcc returns an empty findingsAcc.
func newFindingsAcc() findingsAcc { return findingsAcc{idx: map[findingKey]int{}} }

// add counts the findings of s (nil is skipped).
func (a *findingsAcc) add(s *Session) {
	if s == nil {
		return
	}
	var seen map[string]bool
	for _, an := range s.Anomalies {
		if !an.Kind.Finding() {
			continue
		}
		k := findingKey{s.Server, string(an.Kind)}
		i, ok := a.idx[k]
		if !ok {
			i = len(a.out)
			a.idx[k] = i
			a.out = append(a.out, FindingCount{Server: s.Server, Kind: string(an.Kind)})
		}
		a.out[i].Count++
		if seen == nil {
			seen = map[string]bool{}
		}
		if !seen[k.kind] {
			seen[k.kind] = true
			a.out[i].Sessions++
		}
	}
}

// result returns the counts, servers in order, kinds in vocabulary order
// within a server.
func (a *findingsAcc) result() []FindingCount {
	out := slices.Clone(a.out)
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
