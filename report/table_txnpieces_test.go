package report

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTransactionTableInPieces checks that the transaction table of a
// session longer than summaryChunk, rendered in pieces, is byte for byte
// the table rendered whole, with cells of every width and colour codes,
// and when fitted to a terminal width.
func TestTransactionTableInPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	args := []string{"", "1:* (FLAGS)", "日本語の引数", "Ünïcødé ±", "x" + strings.Repeat("y", 90), "tab\there"}
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Session{ID: 1, Client: "10.0.0.1:40000", Server: "192.0.2.1:143", Start: Time{base}, End: Time{base.Add(time.Hour)}}
	for i := range 2*summaryChunk + 55 {
		st := Time{base.Add(time.Duration(i) * time.Millisecond)}
		s.Transactions = append(s.Transactions, &Transaction{Tag: "a" + strconv.Itoa(i), Command: "UID FETCH",
			Args: args[rng.IntN(len(args))], Status: []Status{"OK", "NO", "BAD", ""}[rng.IntN(4)], Start: st, End: st,
			LatencyMS: rng.Float64() * float64(rng.IntN(100000)), ServerBytes: rng.Int64N(1 << uint(rng.IntN(40)))})
	}
	r := &Report{Sessions: []*Session{s}}
	for _, o := range []TableOptions{{}, {Color: true}, {Width: 120}, {Width: 60}, {Columns: []string{"tag", "n", "status"}}} {
		var got bytes.Buffer
		if err := WriteTable(&got, r, o); err != nil {
			t.Fatal(err)
		}
		cols := pickColumns(transactionColumns, o.Columns)
		rows := make([][]string, len(s.Transactions))
		for i, tx := range s.Transactions {
			rows[i] = cells(cols, numberedTxn{i + 1, tx}, &o)
		}
		cols, rows = fitTable(cols, rows, o.Width, dropOrder(transactionDropOrder, o))
		var want bytes.Buffer
		if err := renderTable(&errWriter{w: &want}, cols, rows); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(got.Bytes(), want.Bytes()) {
			t.Errorf("options %+v: transaction table in pieces differs from the whole table", o)
		}
	}
}
