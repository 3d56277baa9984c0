package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestComputeStats(t *testing.T) {
	r := filterReport()
	r.Sessions[0].Anomalies = []Anomaly{{Kind: AnomalyUnknownTag}, {Kind: AnomalyResync}, {Kind: AnomalyResync}}
	st := ComputeStats(r, StatsOptions{Top: 2})
	if st.Percentiles != PercentilesExact || st.Sessions != 3 || st.Transactions != 6 {
		t.Fatalf("header: %+v", st)
	}
	want := StatsRow{Count: 6, OK: 3, NO: 1, BAD: 1, Incomplete: 1, P50MS: 5, P90MS: 900, P99MS: 900, MaxMS: 900}
	if st.Total != want {
		t.Errorf("total %+v, want %+v", st.Total, want)
	}
	if len(st.Commands) != 6 || st.Commands[0].Key != "EXAMINE" {
		t.Errorf("commands not ordered by count then name: %+v", st.Commands)
	}
	if len(st.Users) != 2 || st.Users[0].Key != "alice" || st.Users[0].Count != 4 || st.Users[0].Incomplete != 1 {
		t.Errorf("users %+v", st.Users)
	}
	if len(st.Slowest) != 2 || st.Slowest[0].Tag != "b1" || st.Slowest[1].Tag != "a2" || st.Slowest[0].SessionID != 2 {
		t.Errorf("slowest %+v", st.Slowest)
	}
	if st.Anomalies["resync"] != 2 || st.Anomalies["unknown_tag"] != 1 {
		t.Errorf("anomalies %v", st.Anomalies)
	}
	if none := ComputeStats(r, StatsOptions{Top: -1}); len(none.Slowest) != 0 {
		t.Error("Top -1 listed transactions")
	}
	sk := ComputeStats(r, StatsOptions{ExactLimit: 2})
	if sk.Percentiles != PercentilesSketch {
		t.Errorf("percentiles %q with a tiny exact limit", sk.Percentiles)
	}
}

// TestStatsJSONValid checks a report with stats against the schema, and that
// the schema rejects unknown stats fields.
func TestStatsJSONValid(t *testing.T) {
	r := testReport()
	r.Stats = ComputeStats(r, StatsOptions{})
	b, err := MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateJSON(b); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(b, []byte(`"percentiles": "exact"`), []byte(`"percentiles": "guess"`), 1)
	if err := ValidateJSON(bad); err == nil {
		t.Error("schema accepted an unknown percentile method")
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Stats, r.Stats) {
		t.Errorf("stats do not round-trip: %v", err)
	}
}

// TestSchemaDocumentsStats mirrors TestSchemaDocumentsEveryField for the stats types.
func TestSchemaDocumentsStats(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	for def, v := range map[string]any{"Stats": Stats{}, "StatsRow": StatsRow{}, "SlowTransaction": SlowTransaction{}} {
		var got []string
		for name, p := range s.Defs[def].Properties {
			got = append(got, name)
			_, d := p["description"]
			_, ref := p["$ref"]
			if !d && !ref {
				t.Errorf("%s.%s has no description", def, name)
			}
		}
		sort.Strings(got)
		if want := jsonNames(v); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: schema %v, model %v", def, got, want)
		}
	}
}

func TestStatsTableEscapesAndColours(t *testing.T) {
	r := filterReport()
	r.Sessions[0].User = "ev\x1b[2Jil"
	st := ComputeStats(r, StatsOptions{})
	var plain, colour bytes.Buffer
	if err := WriteStatsTable(&plain, st, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") || !strings.Contains(plain.String(), `ev\x1b[2Jil`) {
		t.Errorf("control characters not escaped:\n%s", plain.String())
	}
	for _, want := range []string{"Per command:", "Per server:", "Per user:", "Slowest 5 transactions:", "TOTAL", "Anomalies by kind:"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("missing %q", want)
		}
	}
	if err := WriteStatsTable(&colour, st, TableOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colour.String(), ansiRed+"1"+ansiReset) {
		t.Error("BAD count not coloured red with Color set")
	}
	if err := WriteStatsTable(&plain, nil, TableOptions{}); err == nil {
		t.Error("nil stats accepted")
	}
}
