package report

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSummaryTableInPieces checks that a session table rendered in pieces
// (more than summaryChunk sessions) is byte for byte the table rendered
// whole, with cells of every width (wide and ambiguous characters, colour
// codes) and when fitted to a terminal width. The widest cells sit in
// different pieces.
func TestSummaryTableInPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	users := []string{"", "a", "bob", "日本語のユーザー", "Ünïcødé ±", "x" + strings.Repeat("y", 70), "tab\there"}
	r := &Report{}
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 2*summaryChunk + 77 {
		s := &Session{ID: i + 1, Client: "10.0.0." + strconv.Itoa(rng.IntN(256)) + ":" + strconv.Itoa(1024+rng.IntN(60000)),
			Server: "192.0.2.1:143", Start: Time{base.Add(time.Duration(i) * time.Millisecond)}, User: users[rng.IntN(len(users))],
			Mailboxes: []string{strings.Repeat("M", rng.IntN(i%900+1)%40)}, ClientBytes: rng.Int64N(1 << uint(rng.IntN(40)))}
		for range rng.IntN(4) {
			s.Transactions = append(s.Transactions, &Transaction{Status: []Status{"OK", "NO", "BAD", ""}[rng.IntN(4)]})
		}
		r.Sessions = append(r.Sessions, s)
	}
	for _, o := range []TableOptions{{Summary: true}, {Summary: true, Color: true}, {Summary: true, Width: 120}, {Summary: true, Width: 60},
		{Summary: true, Columns: []string{"user", "id", "ok"}}} {
		var got bytes.Buffer
		if err := WriteTable(&got, r, o); err != nil {
			t.Fatal(err)
		}
		cols := tlsColumnIfUsed(pickColumns(sessionColumns, o.Columns), r, o) // as WriteTable picks them
		rows := make([][]string, len(r.Sessions))
		for i, s := range r.Sessions {
			rows[i] = cells(cols, s, &o)
		}
		cols, rows = fitTable(cols, rows, o.Width, dropOrder(sessionDropOrder, o))
		var want bytes.Buffer
		ew := &errWriter{w: &want}
		if err := renderTable(ew, cols, rows); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.String(), want.String()) {
			t.Errorf("options %+v: table in pieces differs from the whole table (%d vs %d bytes)", o, got.Len(), want.Len())
		}
	}
}

// TestNoteSinkSpills gathers more notes than noteBuffer: they come back
// whole and in order from the temporary file.
func TestNoteSinkSpills(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var n noteSink
	var want strings.Builder
	for i := range 3 * noteBuffer / 30 {
		s := &Session{ID: i + 1, Access: "READ-WRITE", AuthMechanism: "PLAIN"}
		n.add(s.ID, sessionNotes(s))
		for _, l := range sessionNotes(s) {
			want.WriteString("  session " + strconv.Itoa(i+1) + " " + l + "\n")
		}
	}
	if n.f == nil {
		t.Fatal("notes never spilled: no test")
	}
	var got bytes.Buffer
	if err := n.writeTo(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("notes differ: %d bytes, want %d", got.Len(), want.Len())
	}
}
