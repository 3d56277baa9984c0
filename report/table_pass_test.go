package report

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sliceSource is a SessionSource over a slice that counts its passes.
type sliceSource struct {
	s      []*Session
	passes int
	failAt int // > 0: Each fails at this session (1-based)
}

func (x *sliceSource) Len() int { return len(x.s) }

func (x *sliceSource) Each(f func(*Session) error) error {
	x.passes++
	for i, s := range x.s {
		if x.failAt == i+1 {
			return errors.New("source broke")
		}
		if err := f(s); err != nil {
			return err
		}
	}
	return nil
}

// onePassReport is a report of n sessions with transactions, notes,
// anomalies and unsolicited counters, cells of every width (wide and
// ambiguous characters, cut cells) and clients long enough that the
// summary rows of a large report go to their temporary file.
func onePassReport(n int) []*Session {
	rng := rand.New(rand.NewPCG(5, 6))
	users := []string{"", "a", "bob", "日本語のユーザー", "Ünïcødé ±", "x" + strings.Repeat("y", 70), "tab\there"}
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var out []*Session
	for i := range n {
		st := Time{base.Add(time.Duration(i) * time.Millisecond)}
		s := &Session{ID: i + 1, Client: "10.0.0." + strconv.Itoa(rng.IntN(256)) + ":" + strconv.Itoa(1024+rng.IntN(60000)) + strings.Repeat("c", rng.IntN(600)),
			Server: "192.0.2.1:143", Start: st, End: Time{st.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)}, User: users[rng.IntN(len(users))],
			Mailboxes: []string{strings.Repeat("M", rng.IntN(40))}, ClientBytes: rng.Int64N(1 << uint(rng.IntN(40))),
			Dialect: "IMAP4rev1", TLS: rng.IntN(3) == 0, TLSVersion: "TLS 1.3", Access: []string{"", "READ-WRITE"}[rng.IntN(2)]}
		for j := range rng.IntN(5) {
			s.Transactions = append(s.Transactions, &Transaction{Tag: "a" + strconv.Itoa(j), Command: "SELECT", Args: users[rng.IntN(len(users))],
				Status: []Status{"OK", "NO", "BAD", ""}[rng.IntN(4)], Start: st, End: st, LatencyMS: rng.Float64() * 100, Text: "done"})
		}
		if rng.IntN(4) == 0 {
			s.Anomalies = append(s.Anomalies, Anomaly{Time: st, Kind: "cleartext_login", Detail: "LOGIN sent — " + users[rng.IntN(len(users))]})
		}
		if rng.IntN(5) == 0 {
			s.Unsolicited = map[string]int{"EXISTS": rng.IntN(9), "FETCH": 1}
		}
		out = append(out, s)
	}
	return out
}

// wantTable renders sessions the plain way: the whole summary table at
// once, its notes, then every section.
func wantTable(t *testing.T, ss []*Session, o TableOptions) string {
	t.Helper()
	var want bytes.Buffer
	ew := &errWriter{w: &want}
	r := &Report{Sessions: ss}
	scols := tlsColumnIfUsed(pickColumns(sessionColumns, o.Columns), r, o)
	if len(scols) > 0 {
		rows := make([][]string, len(ss))
		for i, s := range ss {
			rows[i] = cells(scols, s, &o)
		}
		cols, rows := fitTable(scols, rows, o.Width, dropOrder(sessionDropOrder, o))
		if err := renderTable(ew, cols, rows); err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			for _, l := range sessionNotes(s) {
				want.WriteString("  session " + strconv.Itoa(s.ID) + " " + l + "\n")
			}
		}
	}
	if !o.Summary {
		for _, s := range ss {
			if err := writeSessionSection(ew, s, sessionNotes(s), pickColumns(transactionColumns, o.Columns), &o); err != nil {
				t.Fatal(err)
			}
		}
	}
	return want.String()
}

// TestTableOnePass checks that WriteTable reads a large spilled report
// once, and that its output (summary in pieces, notes, sections gathered
// in temporary files) is byte for byte the plain rendering, for small and
// large reports and every kind of option.
func TestTableOnePass(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, n := range []int{0, 3, summaryChunk, 2*summaryChunk + 77} {
		ss := onePassReport(n)
		for _, o := range []TableOptions{{}, {Color: true}, {Width: 120}, {Width: 60, Color: true}, {Summary: true},
			{Columns: []string{"user", "id", "ok", "args", "status"}}, {Columns: []string{"tag"}}} {
			src := &sliceSource{s: ss}
			var got bytes.Buffer
			if err := WriteTable(&got, &Report{Source: src}, o); err != nil {
				t.Fatal(err)
			}
			want := 1
			if len(o.Columns) == 0 {
				want = 2 // one for the TLS column (no TLSFact here), stopped at the first TLS session
			}
			if src.passes != want {
				t.Errorf("%d sessions, options %+v: %d passes over the source", n, o, src.passes)
			}
			if want := wantTable(t, ss, o); got.String() != want {
				t.Errorf("%d sessions, options %+v: output differs (%d bytes, want %d)", n, o, got.Len(), len(want))
			}
		}
	}
}

// TestTableSourceError checks that a source failing mid-way is an error.
func TestTableSourceError(t *testing.T) {
	ss := onePassReport(summaryChunk + 10)
	for _, at := range []int{1, 5, summaryChunk + 5} {
		src := &sliceSource{s: ss, failAt: at}
		if err := WriteTable(&bytes.Buffer{}, &Report{Source: src}, TableOptions{Columns: []string{"id", "tls"}}); err == nil {
			t.Errorf("source failing at session %d: no error", at)
		}
	}
}
