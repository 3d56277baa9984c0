package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/benchgen"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

var (
	benchOnce sync.Once
	benchCap  []byte
	benchSum  benchgen.Summary
)

// benchCapture is a deterministic synthetic capture (about 30 MB) shaped
// like real traffic, generated once per test binary.
func benchCapture(b *testing.B) ([]byte, benchgen.Summary) {
	benchOnce.Do(func() {
		var err error
		benchCap, benchSum, err = benchgen.Capture(benchgen.Options{Sessions: 150, Seed: 7, Concurrency: 50})
		if err != nil {
			b.Fatal(err)
		}
	})
	return benchCap, benchSum
}

// runEngine reads the in-memory capture through an engine with the given
// number of workers.
func runEngine(b *testing.B, data []byte, f reassembly.ConnFactory, workers int) reassembly.Stats {
	e := reassembly.NewEngine(reassembly.Options{Workers: workers}, f)
	if err := e.ReadFrom(context.Background(), "bench", bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	return e.Close()
}

// benchRun times run over the benchmark capture and reports heap
// allocations per packet (measured in one extra run).
func benchRun(b *testing.B, run func(data []byte)) {
	data, sum := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(data)
	}
	b.StopTimer()
	b.ReportMetric(testing.AllocsPerRun(1, func() { run(data) })/float64(sum.Packets), "allocs/packet")
}

// BenchmarkFloor is the cost of merely reading and reassembling the capture
// on one worker.
func BenchmarkFloor(b *testing.B) {
	benchRun(b, func(data []byte) { runEngine(b, data, &reassembly.CountingFactory{}, 1) })
}

// BenchmarkDissect is reassembly and dissection into the report data on one
// worker, without rendering: its allocs/packet is the steady-state cost of
// dissection (plus the floor's).
func BenchmarkDissect(b *testing.B) {
	benchRun(b, func(data []byte) {
		col := NewCollector(dissect.Options{}, Stream{})
		runEngine(b, data, col, 1)
		col.Sessions()
	})
}

// fullRun is the whole pipeline with the given number of workers:
// reassembly, dissection, the report data, and JSON rendering to
// io.Discard.
func fullRun(b *testing.B, workers int) func(data []byte) {
	return func(data []byte) {
		col := NewCollector(dissect.Options{}, Stream{})
		runEngine(b, data, col, workers)
		if err := report.WriteJSON(io.Discard, &report.Report{Sessions: col.Sessions()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFull is the whole pipeline on one worker.
func BenchmarkFull(b *testing.B) { benchRun(b, fullRun(b, 1)) }

// BenchmarkFullWorkers2 is the whole pipeline on two workers (plus the
// reading goroutine); compare it with BenchmarkFull in the same run.
func BenchmarkFullWorkers2(b *testing.B) { benchRun(b, fullRun(b, 2)) }

// literalConversation is one session whose server returns n FETCH
// responses each carrying a literal of size bytes, cut into 1448-byte
// segments like TCP would.
func literalConversation(n, size int) (client, server [][]byte) {
	seg := func(p []byte) [][]byte {
		var out [][]byte
		for len(p) > 1448 {
			out = append(out, p[:1448])
			p = p[1448:]
		}
		return append(out, p)
	}
	var c, sv []byte
	sv = append(sv, "* OK [CAPABILITY IMAP4rev1] ready\r\n"...)
	c = append(c, "a1 LOGIN user pass\r\na2 SELECT INBOX\r\n"...)
	sv = append(sv, "a1 OK done\r\n* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n"...)
	body := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz\r\n"), size/38+1)[:size]
	for i := range n {
		c = fmt.Appendf(c, "f%d UID FETCH %d BODY[]\r\n", i, i+1)
		sv = fmt.Appendf(sv, "* %d FETCH (UID %d BODY[] {%d}\r\n", i+1, i+1, size)
		sv = append(sv, body...)
		sv = fmt.Appendf(sv, ")\r\nf%d OK done\r\n", i)
	}
	return seg(c), seg(sv)
}

// dissectConversation feeds a conversation through a Collector connection
// and returns the collector.
func dissectConversation(client, server [][]byte) *Collector {
	col := NewCollector(dissect.Options{}, Stream{})
	ts := time.Unix(1700000000, 0)
	k := col.NewConn(reassembly.ConnInfo{Start: ts})
	for _, p := range client {
		k.Data(0, reassembly.FromClient, ts, p)
	}
	for _, p := range server {
		k.Data(0, reassembly.FromServer, ts, p)
	}
	k.End(0, ts, true)
	return col
}

// TestLiteralAllocsIndependentOfSize checks that dissection allocates
// nothing per byte of literal: the same session with literals ten times
// bigger (ten times more segments) makes the same number of allocations.
func TestLiteralAllocsIndependentOfSize(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	var allocs []float64
	for _, size := range []int{10 << 10, 100 << 10} {
		c, s := literalConversation(20, size)
		ss := dissectConversation(c, s).Sessions()
		if len(ss) != 1 || len(ss[0].Transactions) != 22 || ss[0].Transactions[21].ServerLiteralBytes != int64(size) {
			t.Fatalf("literal %d: conversation not dissected as written: %+v", size, ss)
		}
		allocs = append(allocs, testing.AllocsPerRun(5, func() { dissectConversation(c, s) }))
	}
	if allocs[1] > allocs[0] {
		t.Errorf("allocations grow with literal size: %v allocs for 10 KiB literals, %v for 100 KiB", allocs[0], allocs[1])
	}
}

// BenchmarkLiteral dissects one session of 20 FETCH literals of each size;
// allocs/op must not depend on the size.
func BenchmarkLiteral(b *testing.B) {
	for _, size := range []int{10 << 10, 100 << 10, 1 << 20} {
		c, s := literalConversation(20, size)
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			b.SetBytes(int64(20 * size))
			b.ReportAllocs()
			for b.Loop() {
				dissectConversation(c, s)
			}
		})
	}
}

// TestBenchCaptureDissectedExactly checks the benchmark's input is dissected
// completely: every generated command is found, completed OK, none invented.
func TestBenchCaptureDissectedExactly(t *testing.T) {
	data, sum, err := benchgen.Capture(benchgen.Options{Sessions: 40, Seed: 3, Concurrency: 20})
	if err != nil {
		t.Fatal(err)
	}
	col := NewCollector(dissect.Options{}, Stream{})
	e := reassembly.NewEngine(reassembly.Options{Workers: 2}, col)
	if err := e.ReadFrom(context.Background(), "gen", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	got := map[string]int{}
	total := 0
	for _, s := range col.Sessions() {
		// The generated clients log in without TLS: one cleartext_login on
		// each LOGIN is all that may be reported.
		var logins, clear []string
		for _, x := range s.Transactions {
			if x.Command == "LOGIN" {
				logins = append(logins, x.Tag)
			}
		}
		for _, a := range s.Anomalies {
			if a.Kind != report.AnomalyCleartextLogin {
				t.Errorf("session %d anomaly %+v", s.ID, a)
			}
			clear = append(clear, a.Tag)
		}
		if strings.Join(clear, ",") != strings.Join(logins, ",") {
			t.Errorf("session %d cleartext_login on %q, LOGINs %q", s.ID, clear, logins)
		}
		for _, x := range s.Transactions {
			if x.Status != "OK" {
				t.Errorf("session %d %s %s status %q", s.ID, x.Tag, x.Command, x.Status)
			}
			got[x.Command]++
			total++
		}
	}
	if len(col.Sessions()) != sum.Sessions || total != sum.Commands {
		t.Fatalf("%d sessions %d commands, generated %d and %d", len(col.Sessions()), total, sum.Sessions, sum.Commands)
	}
	for k, n := range sum.CommandsByKind {
		if got[k] != n {
			t.Errorf("%s: %d, generated %d", k, got[k], n)
		}
	}
}

// marshalLines is the JSON Lines form as json.Marshal writes it (the
// implementation of report.JSONLWriter before its fast writer): each
// session line, then a line per transaction.
func marshalLines(t *testing.T, ss []*report.Session) []byte {
	t.Helper()
	var out []byte
	for _, s := range ss {
		c := *s
		if c.Capabilities == nil {
			c.Capabilities = []string{}
		}
		if c.Mailboxes == nil {
			c.Mailboxes = []string{}
		}
		if c.Anomalies == nil {
			c.Anomalies = []report.Anomaly{}
		}
		if c.Transactions == nil {
			c.Transactions = []*report.Transaction{}
		}
		b, err := json.Marshal(struct {
			Type string `json:"type"`
			*report.Session
		}{report.LineTypeSession, &c})
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, b...), '\n')
		for _, x := range s.Transactions {
			b, err := json.Marshal(struct {
				Type      string `json:"type"`
				SessionID int    `json:"session_id"`
				*report.Transaction
			}{report.LineTypeTransaction, s.ID, x})
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, b...), '\n')
		}
	}
	return out
}

// writeLines is the same through report.JSONLWriter.
func writeLines(t *testing.T, ss []*report.Session) []byte {
	t.Helper()
	var buf bytes.Buffer
	j := report.NewJSONLWriter(&buf)
	for _, s := range ss {
		if err := j.WriteSession(s); err != nil {
			t.Fatal(err)
		}
		for _, x := range s.Transactions {
			if err := j.WriteTransaction(s.ID, x); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

// trickySession has what escaping and omitempty must get right: HTML
// characters, control characters, invalid UTF-8, U+2028, maps, nil and empty
// slices, floats across the exponent cut-offs, an unknown status.
func trickySession() *report.Session {
	odd := "a<b>&c \"q\" \\ \x00\x1f\x7f \xff\xfe é \u2028\u2029 😀 </script>"
	ts := report.Time{Time: time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.FixedZone("x", 3600))}
	var txns []*report.Transaction
	for i, f := range []float64{0, 1e-7, 1e-6, 0.5, 123.456, 1e20, 1e21, -2.5e-9} {
		txns = append(txns, &report.Transaction{Tag: fmt.Sprintf("a%d<", i), Command: "FETCH", Args: odd,
			Status: []report.Status{"", "OK", "NO", "BAD", "BYE", "WEIRD<&>"}[i%6], Code: odd[:i], Text: odd,
			Start: ts, LatencyMS: f, Responses: i, Continuations: i % 2, ClientBytes: int64(i), Mailbox: odd[:i],
			Note: odd[i:], SASL: [][]string{nil, {}, {odd, ""}}[i%3]})
	}
	return &report.Session{ID: 7, Client: "[2001:db8::1]:5000", Server: "192.0.2.1:143", Start: ts, Dialect: "imap4rev1",
		Greeting: odd, GreetingStatus: "OK", Capabilities: []string{"IMAP4rev1", odd}, Enabled: []string{},
		SupportedVersions: []report.ProtocolVersion{{Version: "2.0"}, {Version: "3.0", Features: []string{odd}}},
		Version:           "3.0", Features: []string{"x"}, User: odd, AuthMechanism: "PLAIN", MailboxesDecoded: []string{odd},
		Access: "rw", ClientID: map[string]string{"name": odd, "<k>": "v", "": ""}, ServerID: map[string]string{},
		TLS: true, StartTLS: true, TLSSNI: "a&b", TLSVersion: "1.3", Compressed: true, CompressedClientBytes: 1,
		InflatedServerBytes: -4, NotIMAP: odd, Midstream: true, ClientBytes: 1 << 40, Gaps: 2, GapBytes: 9,
		Unsolicited: map[string]int{"EXISTS": 3, "<>": -1}, Anomalies: []report.Anomaly{{Kind: "k", Detail: odd, Tag: "t", Time: ts}, {Kind: "z"}},
		Transactions: txns}
}

// TestJSONLFastMatchesMarshal checks that report.JSONLWriter writes every
// line exactly as json.Marshal of the line object does, over every capture
// in pcaps/ and the synthetic benchmark capture (one and two workers), and a
// session made to trip escaping.
func TestJSONLFastMatchesMarshal(t *testing.T) {
	check := func(name string, ss []*report.Session) {
		t.Helper()
		want, got := marshalLines(t, ss), writeLines(t, ss)
		if !bytes.Equal(got, want) {
			wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
			for i := range min(len(wl), len(gl)) {
				if !bytes.Equal(wl[i], gl[i]) {
					t.Fatalf("%s: line %d differs:\n got %s\nwant %s", name, i, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: %d lines, want %d", name, len(gl), len(wl))
		}
	}
	check("tricky", []*report.Session{trickySession(), {ID: 8}})
	files, err := filepath.Glob("../pcaps/*/*.pcap*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no captures in pcaps/")
	}
	for _, f := range files {
		rep, _, _ := Analyze(context.Background(), []string{f}, reassembly.Options{Workers: 1}, dissect.Options{}, "test")
		check(f, rep.Sessions)
	}
	data, _, err := benchgen.Capture(benchgen.Options{Sessions: 20, Seed: 5, Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		col := NewCollector(dissect.Options{}, Stream{})
		e := reassembly.NewEngine(reassembly.Options{Workers: w}, col)
		if err := e.ReadFrom(context.Background(), "gen", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		e.Close()
		check(fmt.Sprintf("benchgen workers %d", w), col.Sessions())
	}
}
