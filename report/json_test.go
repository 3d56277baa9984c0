package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestWriteJSONValidatesAndRoundTrips(t *testing.T) {
	r := testReport()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc := buf.Bytes()
	if err := ValidateJSON(doc); err != nil {
		t.Fatalf("output does not validate: %v\n%s", err, doc)
	}
	var back Report
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", back.Sessions[0], r.Sessions[0])
	}
	s := string(doc)
	for _, want := range []string{
		"{\n  \"tool\": \"imapscope test\",\n  \"inputs\": [", // two-space indent
		`"status": null`, // never-completed a6
		`"start": "2024-03-05T09:30:00.000000123Z"`, // nanoseconds, UTC
		`"end": "2024-03-05T09:30:00.15000025Z"`,
		`"end": null`,                     // a6 never ended
		`"alice \u001b[31m***\r\n\u0000"`, // control characters escaped by JSON
		`"mailboxes_decoded": [`,
		`"Été"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %q", want)
		}
	}
	if !strings.HasSuffix(s, "}\n") {
		t.Error("JSON does not end with a newline")
	}
	if strings.Count(s, `"status": null`) != 1 {
		t.Errorf("want exactly one null status, got %d", strings.Count(s, `"status": null`))
	}
}

func TestWriteJSONDeterministic(t *testing.T) {
	a, err := MarshalJSON(testReport())
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := MarshalJSON(testReport())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two renderings of the same report differ")
		}
	}
}

func TestWriteJSONEmptySlices(t *testing.T) {
	empty := &Report{Tool: "t"}
	doc, err := MarshalJSON(empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateJSON(doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, want := range []string{`"sessions": []`, `"inputs": []`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("empty report lacks %s:\n%s", want, doc)
		}
	}
	if empty.Sessions != nil || empty.Inputs != nil {
		t.Error("WriteJSON modified the caller's report")
	}

	s := &Session{ID: 1, Dialect: "unknown"}
	r := &Report{Tool: "t", Sessions: []*Session{s}}
	doc, err = MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateJSON(doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, f := range []string{"capabilities", "mailboxes", "anomalies", "transactions"} {
		if !strings.Contains(string(doc), `"`+f+`": []`) {
			t.Errorf("nil %s not rendered as []", f)
		}
	}
	if strings.Contains(string(doc), "null,") && !strings.Contains(string(doc), `"start": null`) {
		t.Errorf("unexpected null:\n%s", doc)
	}
	if s.Capabilities != nil || s.Mailboxes != nil || s.Anomalies != nil || s.Transactions != nil || r.Sessions[0] != s {
		t.Error("WriteJSON modified the caller's session")
	}
}

func TestWriteJSONNil(t *testing.T) {
	if err := WriteJSON(&bytes.Buffer{}, nil); !errors.Is(err, ErrNilReport) {
		t.Errorf("nil report: err = %v", err)
	}
	if _, err := MarshalJSON(&Report{Sessions: []*Session{nil}}); err == nil {
		t.Error("nil session: no error")
	}
	if _, err := MarshalJSON(&Report{Sessions: []*Session{{Transactions: []*Transaction{nil}}}}); err == nil {
		t.Error("nil transaction: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteJSONWriteError(t *testing.T) {
	if err := WriteJSON(failWriter{}, testReport()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want disk full", err)
	}
}
