package report

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// mutate renders the test report, lets f change its generic form, and re-encodes it.
func mutate(t *testing.T, f func(doc map[string]any)) []byte {
	t.Helper()
	b, err := MarshalJSON(testReport())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func session0(doc map[string]any) map[string]any {
	return doc["sessions"].([]any)[0].(map[string]any)
}

func txn0(doc map[string]any) map[string]any {
	return session0(doc)["transactions"].([]any)[0].(map[string]any)
}

func TestSchemaRejects(t *testing.T) {
	cases := []struct {
		name string
		f    func(doc map[string]any)
	}{
		{"unknown top-level field", func(d map[string]any) { d["extra"] = 1 }},
		{"unknown session field", func(d map[string]any) { session0(d)["colour"] = "blue" }},
		{"unknown transaction field", func(d map[string]any) { txn0(d)["x"] = true }},
		{"unknown capture field", func(d map[string]any) { d["capture"].(map[string]any)["x"] = 1 }},
		{"bad status", func(d map[string]any) { txn0(d)["status"] = "MAYBE" }},
		{"lower-case status", func(d map[string]any) { txn0(d)["status"] = "ok" }},
		{"bad dialect", func(d map[string]any) { session0(d)["dialect"] = "POP3" }},
		{"time not a date", func(d map[string]any) { session0(d)["start"] = "yesterday" }},
		{"time as number", func(d map[string]any) { session0(d)["start"] = 17 }},
		{"missing required", func(d map[string]any) { delete(session0(d), "transactions") }},
		{"null sessions", func(d map[string]any) { d["sessions"] = nil }},
		{"negative bytes", func(d map[string]any) { session0(d)["client_bytes"] = -1 }},
		{"type on a document session", func(d map[string]any) { session0(d)["type"] = "session" }},
	}
	if err := ValidateJSON(mutate(t, func(map[string]any) {})); err != nil {
		t.Fatalf("unchanged document: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidateJSON(mutate(t, c.f)); err == nil {
				t.Error("schema accepted an invalid document")
			}
		})
	}
	if err := ValidateJSON([]byte("{")); err == nil {
		t.Error("accepted malformed JSON")
	}
}

// jsonNames returns the JSON member names of the struct type of v.
func jsonNames(v any) []string {
	var names []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("json")
		if tag == "-" {
			continue // not a JSON member (Report.Source)
		}
		names = append(names, strings.Split(tag, ",")[0])
	}
	sort.Strings(names)
	return names
}

// TestSchemaDocumentsEveryField checks that the schema describes exactly the
// model's fields, each with a description, so a new field cannot go unnoticed.
func TestSchemaDocumentsEveryField(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	for def, v := range map[string]any{
		"Report": Report{}, "CaptureStats": CaptureStats{}, "sessionFields": Session{},
		"ProtocolVersion": ProtocolVersion{}, "Anomaly": Anomaly{}, "transactionFields": Transaction{},
	} {
		props := s.Defs[def].Properties
		var got []string
		for name, p := range props {
			got = append(got, name)
			_, hasDesc := p["description"]
			_, hasRef := p["$ref"]
			if !hasDesc && !hasRef {
				t.Errorf("%s.%s has no description", def, name)
			}
		}
		sort.Strings(got)
		if want := jsonNames(v); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: schema properties %v, model fields %v", def, got, want)
		}
	}
}
