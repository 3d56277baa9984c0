package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestFastJSONResults fills Result and MailboxView from depth 0 (the
// report-wide fill stops short of their pointer fields) and compares the
// appender with encoding/json, indented and compact.
func TestFastJSONResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[string]bool{}
	for i := range 300 {
		res := &Result{}
		fill(rng, reflect.ValueOf(res).Elem(), i%2 == 1, 0)
		view := &MailboxView{}
		fill(rng, reflect.ValueOf(view).Elem(), i%3 == 1, 0)
		if i%5 == 0 {
			view = nil
		}
		r := &Report{Tool: "t", Inputs: []string{}, Sessions: []*Session{{
			MailboxView:  view,
			Transactions: []*Transaction{{Result: res}, {}},
		}}}
		got, err := MarshalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceJSON(t, r)
		if !bytes.Equal(got, want) {
			t.Fatalf("report %d:\n got %s\nwant %s", i, got, want)
		}
		var m map[string]any
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatal(err)
		}
		tx := m["sessions"].([]any)[0].(map[string]any)["transactions"].([]any)[0].(map[string]any)
		if rm, ok := tx["result"].(map[string]any); ok {
			for k := range rm {
				seen[k] = true
			}
		}
		e := jsonAppender{compact: true}
		e.open('{')
		e.transactionMembers(r.Sessions[0].Transactions[0])
		e.close('}')
		cw, _ := json.Marshal(r.Sessions[0].Transactions[0])
		if !bytes.Equal(e.b, cw) {
			t.Fatalf("compact %d:\n got %s\nwant %s", i, e.b, cw)
		}
	}
	if n := reflect.TypeFor[Result]().NumField(); len(seen) != n {
		t.Errorf("only %d of %d result fields were ever written: %v", len(seen), n, seen)
	}
}
