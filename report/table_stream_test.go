package report

import (
	"bytes"
	"strings"
	"testing"
)

// streamedTable is a TableStreamSource that gives its sessions to a
// TableStream as they are added.
type streamedTable struct {
	t *TableStream
	n int
}

func (s *streamedTable) Len() int                        { return s.n }
func (s *streamedTable) Each(func(*Session) error) error { return nil }
func (s *streamedTable) EndTableSessions() (*TableStream, error) {
	return s.t, nil
}

// manySessions returns n sessions copied in turn from those of testReport,
// numbered from 1, TLS cleared in every one when tls is false.
func manySessions(n int, tls bool) []*Session {
	base := testReport().Sessions
	out := make([]*Session, n)
	for i := range out {
		cp := *base[i%len(base)]
		cp.ID = i + 1
		if !tls {
			cp.TLS, cp.StartTLS, cp.TLSVersion, cp.TLSCipher = false, false, "", ""
		}
		out[i] = &cp
	}
	return out
}

// TestTableStreamMatchesWriteTable checks that the tables made from
// sessions given one at a time are WriteTable's for the same sessions:
// small and large (spilled) summaries, with and without a TLS session
// (the TLS column is dropped at the end when none used TLS), fitted to a
// width, summary only, and chosen columns; and that nothing is written
// before the end.
func TestTableStreamMatchesWriteTable(t *testing.T) {
	opts := []TableOptions{
		{},
		{Width: 100},
		{Summary: true},
		{Columns: []string{"id", "tls", "user", "command", "status"}},
		{Color: true, Width: 60},
	}
	for _, n := range []int{3, summaryChunk, summaryChunk + 1} {
		for _, tls := range []bool{false, true} {
			sessions := manySessions(n, tls)
			for _, o := range opts {
				var want bytes.Buffer
				if err := WriteTable(&want, &Report{Sessions: sessions}, o); err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				ts, err := NewTableStream(&got, o)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range sessions {
					if err := ts.Session(s); err != nil {
						t.Fatal(err)
					}
				}
				if got.Len() != 0 {
					t.Fatalf("%d bytes written before the end", got.Len())
				}
				if err := WriteTable(&got, &Report{Source: &streamedTable{t: ts, n: n}}, o); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("%d sessions, tls %v, %+v: tables differ (%d vs %d bytes)\n%.600s", n, tls, o, got.Len(), want.Len(), got.String())
				}
				if o.Width == 0 && len(o.Columns) == 0 && strings.Contains(want.String(), "| TLS ") != tls {
					t.Errorf("%d sessions, tls %v, %+v: TLS column shown %v", n, tls, o, !tls)
				}
				if err := ts.Session(sessions[0]); err == nil {
					t.Error("a session taken after the tables were written")
				}
			}
		}
	}
	if _, err := NewTableStream(&bytes.Buffer{}, TableOptions{Columns: []string{"nope"}}); err == nil {
		t.Error("an unknown column accepted")
	}
}
