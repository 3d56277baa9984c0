package report

import (
	"bytes"
	"strings"
	"testing"
)

// findingsReport has two servers; only some sessions have findings.
func findingsReport() *Report {
	return &Report{Tool: "t", Inputs: []string{}, Sessions: []*Session{
		{ID: 1, Server: "b:143", Anomalies: []Anomaly{{Kind: AnomalyCleartextLogin, Tag: "a1"}, {Kind: AnomalyResync}}},
		{ID: 2, Server: "a:143", Anomalies: []Anomaly{{Kind: AnomalyResync}}},
		{ID: 3, Server: "b:143", Anomalies: []Anomaly{{Kind: AnomalyExpungeDuringFetch, Tag: "a5"}, {Kind: AnomalyCleartextLogin}, {Kind: AnomalyCleartextLogin}}},
		{ID: 4, Server: "a:143"},
	}}
}

func TestStatsFindings(t *testing.T) {
	st := ComputeStats(findingsReport(), StatsOptions{})
	var got []string
	for _, f := range st.Findings {
		got = append(got, f.Server+" "+f.Kind+" "+itoa(f.Count)+"/"+itoa(f.Sessions))
	}
	if want := "b:143 cleartext_login 3/2,b:143 expunge_during_fetch 1/1"; strings.Join(got, ",") != want {
		t.Errorf("findings %q, want %q", got, want)
	}
	var w bytes.Buffer
	if err := WriteStatsTable(&w, st, TableOptions{}); err != nil || !strings.Contains(w.String(), "Findings by server:") ||
		!strings.Contains(w.String(), "expunge_during_fetch") {
		t.Errorf("stats table (err %v):\n%s", err, w.String())
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, findingsReport(), HTMLOptions{}); err != nil || !strings.Contains(h.String(), "<h2>Findings</h2>") {
		t.Errorf("html has no findings section (err %v)", err)
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestFilterFindings(t *testing.T) {
	out, err := Filter{Findings: true}.Apply(findingsReport())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, s := range out.Sessions {
		ids = append(ids, s.ID)
	}
	if len(ids) != 2 || ids[0] != 1 || ids[1] != 3 {
		t.Errorf("kept sessions %v, want [1 3]", ids)
	}
	keep, _ := Filter{Findings: true}.TxnFunc()
	if keep(findingsReport().Sessions[1], &Transaction{}) {
		t.Error("a transaction of a session without findings was kept")
	}
}
