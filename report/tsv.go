package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TSV is the flat one-line-per-transaction text format, laid out as a Zeek
// ASCII log (imap.log) so that zeek-cut, awk, cut and spreadsheet imports
// read it: header lines starting with #, then tab-separated rows.
const (
	tsvUnset = "-"       // Zeek's #unset_field: no value (a command never completed)
	tsvEmpty = "(empty)" // Zeek's #empty_field: an empty string
)

// tsvColumns are the columns of a TSV row with their Zeek types.
var tsvColumns = []struct{ name, typ string }{
	{"ts", "time"}, {"uid", "string"}, {"client", "string"}, {"server", "string"},
	{"user", "string"}, {"tag", "string"}, {"command", "string"}, {"args", "string"},
	{"status", "string"}, {"latency_ms", "double"}, {"bytes", "count"},
}

// TSVColumns returns the names of the TSV columns, in order.
func TSVColumns() []string {
	out := make([]string, len(tsvColumns))
	for i, c := range tsvColumns {
		out[i] = c.name
	}
	return out
}

// WriteTSV writes one row per transaction of r, sessions in order, after
// the Zeek header lines (#separator, #set_separator, #empty_field,
// #unset_field, #path, #fields, #types). ts is the command's start in Unix
// seconds with microseconds (the session's start when unknown); uid is the
// session's uid; args are redacted as in the report; status and latency_ms
// are "-" for a command that never completed; bytes counts both
// directions. Tabs, newlines, backslashes and other control bytes in values
// are escaped as \xNN, as Zeek does, so a row is always one line.
func WriteTSV(w io.Writer, r *Report) error {
	if r == nil {
		return ErrNilReport
	}
	bw := bufio.NewWriter(w)
	names := TSVColumns()
	types := make([]string, len(tsvColumns))
	for i, c := range tsvColumns {
		types[i] = c.typ
	}
	fmt.Fprintf(bw, "#separator \\x09\n#set_separator\t,\n#empty_field\t%s\n#unset_field\t%s\n#path\timap\n", tsvEmpty, tsvUnset)
	fmt.Fprintf(bw, "#fields\t%s\n#types\t%s\n", strings.Join(names, "\t"), strings.Join(types, "\t"))
	row := make([]byte, 0, 256)
	err := r.eachSession(func(_ int, s *Session) error {
		uid := s.UID
		if uid == "" {
			uid = SessionUID(s.Client, s.Server, s.Start.Time)
		}
		for j, t := range s.Txns() {
			if t == nil {
				return fmt.Errorf("report: session %d: transactions[%d]: %w", s.ID, j, errNilTransaction)
			}
			row = appendTSVRow(row[:0], s, uid, t)
			if _, err := bw.Write(row); err != nil {
				return fmt.Errorf("report: write tsv: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write tsv: %w", err)
	}
	return nil
}

// appendTSVRow appends the row of transaction t of session s.
func appendTSVRow(b []byte, s *Session, uid string, t *Transaction) []byte {
	ts := t.Start
	if ts.IsZero() {
		ts = s.Start
	}
	if ts.IsZero() {
		b = append(b, tsvUnset...)
	} else {
		us := ts.UnixMicro()
		b = strconv.AppendInt(b, us/1e6, 10)
		b = append(b, '.')
		b = append(b, fmt.Sprintf("%06d", us%1e6)...)
	}
	for _, v := range []string{uid, s.Client, s.Server, s.User, t.Tag, t.Command, t.Args} {
		b = append(b, '\t')
		b = appendTSVValue(b, v)
	}
	b = append(b, '\t')
	if t.Status == "" {
		b = append(b, tsvUnset+"\t"+tsvUnset...)
	} else {
		b = appendTSVValue(b, string(t.Status))
		b = append(b, '\t')
		b = strconv.AppendFloat(b, t.LatencyMS, 'f', 3, 64)
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, t.ClientBytes+t.ServerBytes, 10)
	return append(b, '\n')
}

// appendTSVValue appends v escaped: "(empty)" for "", "\x2d" for a lone
// "-" (which would read as unset), \xNN for control bytes, backslashes and
// invalid UTF-8.
func appendTSVValue(b []byte, v string) []byte {
	switch v {
	case "":
		return append(b, tsvEmpty...)
	case tsvUnset:
		return append(b, `\x2d`...)
	case tsvEmpty:
		return append(b, `\x28empty)`...)
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(v[i:])
			if r != utf8.RuneError || n > 1 {
				b = append(b, v[i:i+n]...)
				i += n
				continue
			}
		}
		b = append(b, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		i++
	}
	return b
}
