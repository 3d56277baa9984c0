package report

import (
	"slices"
	"testing"
	"time"
)

// filterReport has two sessions: alice on 10.0.0.2:143 from 10.0.0.1 and bob
// on [2001:db8::2]:993 from [2001:db8::1].
func filterReport() *Report {
	return &Report{Sessions: []*Session{
		{ID: 1, Client: "10.0.0.1:50000", Server: "10.0.0.2:143", User: "alice", Transactions: []*Transaction{
			{Tag: "a1", Command: "LOGIN", Status: "OK", LatencyMS: 5},
			{Tag: "a2", Command: "SELECT", Args: `"INBOX"`, Status: "OK", LatencyMS: 300, NamedMailbox: "INBOX"},
			{Tag: "a3", Command: "UID FETCH", Args: "1:* FLAGS", Status: "NO", LatencyMS: 1, Mailbox: "INBOX"},
			{Tag: "a4", Command: "IDLE", Status: "", LatencyMS: 0, Mailbox: "INBOX"},
		}},
		{ID: 2, Client: "[2001:db8::1]:40000", Server: "[2001:db8::2]:993", User: "Bob", Transactions: []*Transaction{
			{Tag: "b1", Command: "FETCH", Status: "BAD", LatencyMS: 900, Mailbox: "Archive"},
			{Tag: "b2", Command: "EXAMINE", Args: "Sent (CONDSTORE)", Status: "OK", LatencyMS: 2, NamedMailbox: "Sent"},
		}},
		{ID: 3, Client: "10.0.0.9:1", Server: "10.0.0.2:143"}, // no transactions
	}}
}

// kept lists "session:tag" for what f keeps, and the session ids.
func kept(t *testing.T, f Filter) ([]int, []string) {
	t.Helper()
	in := filterReport()
	out, err := f.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	var tags []string
	for _, s := range out.Sessions {
		ids = append(ids, s.ID)
		for _, x := range s.Transactions {
			tags = append(tags, x.Tag)
		}
	}
	if len(in.Sessions[0].Transactions) != 4 {
		t.Error("Apply modified its input")
	}
	return ids, tags
}

func TestFilterSemantics(t *testing.T) {
	cases := []struct {
		name string
		f    Filter
		ids  []int
		tags []string
	}{
		{"zero keeps all, empty sessions too", Filter{}, []int{1, 2, 3}, []string{"a1", "a2", "a3", "a4", "b1", "b2"}},
		{"user, case-insensitive", Filter{Users: []string{"bob"}}, []int{2}, []string{"b1", "b2"}},
		{"users are alternatives", Filter{Users: []string{"alice", "BOB"}}, []int{1, 2}, []string{"a1", "a2", "a3", "a4", "b1", "b2"}},
		{"server ip keeps empty session", Filter{Servers: []string{"10.0.0.2"}}, []int{1, 3}, []string{"a1", "a2", "a3", "a4"}},
		{"server ip:port", Filter{Servers: []string{"[2001:db8::2]:993"}}, []int{2}, []string{"b1", "b2"}},
		{"server wrong port", Filter{Servers: []string{"10.0.0.2:993"}}, nil, nil},
		{"client cidr", Filter{Clients: []string{"10.0.0.0/29"}}, []int{1}, []string{"a1", "a2", "a3", "a4"}},
		{"client v6 address", Filter{Clients: []string{"2001:db8::1"}}, []int{2}, []string{"b1", "b2"}},
		{"command drops empty sessions", Filter{Commands: []string{"fetch"}}, []int{2}, []string{"b1"}},
		{"UID matches UID forms", Filter{Commands: []string{"UID"}}, []int{1}, []string{"a3"}},
		{"status", Filter{Statuses: []Status{"NO", "BAD"}}, []int{1, 2}, []string{"a3", "b1"}},
		{"status incomplete", Filter{Statuses: []Status{""}}, []int{1}, []string{"a4"}},
		{"min latency excludes incomplete", Filter{MinLatency: 250 * time.Millisecond}, []int{1, 2}, []string{"a2", "b1"}},
		{"mailbox selected or named, INBOX any case", Filter{Mailboxes: []string{"inbox"}}, []int{1}, []string{"a2", "a3", "a4"}},
		{"mailbox named by EXAMINE", Filter{Mailboxes: []string{"Sent"}}, []int{2}, []string{"b2"}},
		{"flags combine with AND", Filter{Users: []string{"alice"}, Statuses: []Status{"BAD"}}, nil, nil},
		{"session and transaction filters", Filter{Servers: []string{"10.0.0.2"}, MinLatency: time.Millisecond}, []int{1}, []string{"a1", "a2", "a3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, tags := kept(t, c.f)
			if !slices.Equal(ids, c.ids) || !slices.Equal(tags, c.tags) {
				t.Errorf("kept sessions %v transactions %v, want %v %v", ids, tags, c.ids, c.tags)
			}
		})
	}
}

func TestFilterStreamingFuncs(t *testing.T) {
	r := filterReport()
	keep, err := Filter{Commands: []string{"LOGIN"}}.Func()
	if err != nil {
		t.Fatal(err)
	}
	if s := keep(r.Sessions[0]); s == nil || len(s.Transactions) != 1 || s == r.Sessions[0] {
		t.Errorf("Func: got %+v, want a copy with LOGIN only", s)
	}
	if keep(r.Sessions[1]) != nil {
		t.Error("Func kept a session without LOGIN")
	}
	txn, err := Filter{Users: []string{"alice"}, Statuses: []Status{"OK"}}.TxnFunc()
	if err != nil {
		t.Fatal(err)
	}
	if !txn(r.Sessions[0], r.Sessions[0].Transactions[0]) || txn(r.Sessions[0], r.Sessions[0].Transactions[2]) ||
		txn(r.Sessions[1], r.Sessions[1].Transactions[1]) {
		t.Error("TxnFunc decisions wrong")
	}
}

func TestFilterErrors(t *testing.T) {
	if _, err := (Filter{Servers: []string{"mail.example.org"}}).Apply(filterReport()); err == nil {
		t.Error("host name accepted as endpoint")
	}
	if err := ValidateEndpoint("10.0.0.1:99999"); err == nil {
		t.Error("bad port accepted")
	}
	for _, ok := range []string{"10.0.0.1", "10.0.0.1:143", "[::1]:993", "::1", "10.0.0.0/8", "[::1]"} {
		if err := ValidateEndpoint(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	st, err := ParseStatuses("ok, No,bad,BYE,null,incomplete")
	if err != nil || !slices.Equal(st, []Status{"OK", "NO", "BAD", "BYE", "", ""}) {
		t.Errorf("ParseStatuses = %v, %v", st, err)
	}
	if _, err := ParseStatuses("OK,MAYBE"); err == nil {
		t.Error("unknown status accepted")
	}
	if _, err := ParseStatuses(" , "); err == nil {
		t.Error("empty status list accepted")
	}
	if _, err := (Filter{Users: []string{"x"}}).Apply(&Report{Sessions: []*Session{nil}}); err == nil {
		t.Error("nil session accepted")
	}
}
