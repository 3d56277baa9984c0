package report

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestAnomalyVocabulary: the schema's anomaly kind enum and docs/anomalies.md
// list exactly AnomalyKinds, in the same order, each once.
func TestAnomalyVocabulary(t *testing.T) {
	var doc struct {
		Defs struct {
			Anomaly struct {
				Properties struct {
					Kind struct {
						Enum []AnomalyKind `json:"enum"`
					} `json:"kind"`
				} `json:"properties"`
			} `json:"Anomaly"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Defs.Anomaly.Properties.Kind.Enum; !slices.Equal(got, AnomalyKinds) {
		t.Errorf("schema enum %q\nwant AnomalyKinds %q", got, AnomalyKinds)
	}
	md, err := os.ReadFile("../docs/anomalies.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []AnomalyKind
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllSubmatch(md, -1) {
		documented = append(documented, AnomalyKind(m[1]))
	}
	if !slices.Equal(documented, AnomalyKinds) {
		t.Errorf("docs/anomalies.md lists %q\nwant AnomalyKinds %q", documented, AnomalyKinds)
	}
	seen := map[AnomalyKind]bool{}
	for _, k := range AnomalyKinds {
		if seen[k] || !k.Known() {
			t.Errorf("kind %q listed twice or not known", k)
		}
		seen[k] = true
	}
	if AnomalyKind("unknown-tag").Known() {
		t.Error("a kind outside the vocabulary is known")
	}
}
