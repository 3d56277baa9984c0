package dissect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/report"
)

// cutMode says how a conversation is damaged at a client byte offset.
type cutMode uint8

const (
	cutNone cutMode = iota // whole, but split into two segments at the offset
	cutEnd                 // the capture ends at the offset
	cutGap                 // gapLen client bytes are lost at the offset
	cutSnap                // the segment holding the offset is cut there (the rest of the step is lost)
)

// gapLen is how many client bytes a cutGap loses.
const gapLen = 3

// feedConv runs a conversation through a Session, damaged at client byte
// offset at (ignored for cutNone with at < 0), and returns the report.
func feedConv(c secretshapes.Conv, mode cutMode, at int, opts Options) *report.Session {
	rs := &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
	s := NewSession(rs, opts, nil)
	ts := t0
	s.Feed(FromServer, ts, []byte(secretshapes.Greeting))
	pos := 0 // client bytes so far
	skip := 0
	for _, st := range c.Steps {
		ts = ts.Add(time.Millisecond)
		p := []byte(st.Data)
		if st.Server {
			s.Feed(FromServer, ts, p)
			continue
		}
		if skip > 0 {
			k := min(skip, len(p))
			skip -= k
			pos += k
			p = p[k:]
		}
		if at >= pos && at < pos+len(p) {
			k := at - pos
			s.Feed(FromClient, ts, p[:k])
			switch mode {
			case cutEnd:
				return s.Close(ts, false)
			case cutGap:
				n := min(gapLen, len(p)-k)
				s.Gap(FromClient, ts, n)
				skip = gapLen - n
				p = p[k+n:]
				pos += k + n
			case cutSnap:
				s.Gap(FromClient, ts, len(p)-k)
				pos += len(p)
				p = nil
			default:
				p = p[k:]
				pos += k
			}
		}
		s.Feed(FromClient, ts, p)
		pos += len(p)
	}
	return s.Close(ts.Add(time.Millisecond), true)
}

// flat renders a session report as compact JSON (every field, so that a
// field added later is checked too).
func flat(t testing.TB, rs *report.Session) string {
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leaks returns the forbidden forms (secretshapes.Conv.Forbidden) found in text.
func leaks(forbidden []string, text string) []string {
	low := strings.ToLower(text)
	var out []string
	for _, f := range forbidden {
		if strings.Contains(low, f) {
			out = append(out, f)
		}
	}
	return out
}

// TestRedactionProperty runs every generated LOGIN and AUTHENTICATE shape:
// the argument forms and representative separators split and damaged at
// every client byte (capture end, gap, snap length cut), every other
// separator whole and split around it; and checks that no form of the password appears in the
// session report unless ShowSecrets, that a well-formed one does appear
// with ShowSecrets, and that user never holds a separator byte.
func TestRedactionProperty(t *testing.T) {
	convs := secretshapes.Variants()
	runs, leaked, shown := 0, 0, 0
	report := func(format string, a ...any) {
		if leaked+shown <= 10 {
			t.Errorf(format, a...)
		}
	}
	for _, c := range convs {
		n := len(c.Client())
		forbidden := c.Forbidden()
		modes := []cutMode{cutNone, cutEnd, cutGap, cutSnap}
		offsets := func(yield func(int) bool) {
			for at := 0; at <= n; at++ {
				if !yield(at) {
					return
				}
			}
		}
		if !secretshapes.Representative(c.Separator) {
			// Other separators: whole, and split around the separator.
			modes = modes[:1]
			i := strings.Index(string(c.Client()), c.Separator)
			offsets = func(yield func(int) bool) {
				for _, at := range []int{-1, i, i + 1} {
					if !yield(at) {
						return
					}
				}
			}
		}
		for _, mode := range modes {
			for at := range offsets {
				runs++
				rs := feedConv(c, mode, at, Options{})
				if l := leaks(forbidden, flat(t, rs)); len(l) > 0 {
					leaked++
					report("%s mode %d at %d: %q in\n%s", c.Name, mode, at, l, digest(t, rs))
				} else if strings.IndexFunc(rs.User, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
					leaked++
					report("%s mode %d at %d: user %q holds a separator", c.Name, mode, at, rs.User)
				}
			}
		}
		if c.WellFormed {
			rs := feedConv(c, cutNone, -1, Options{ShowSecrets: true})
			if !strings.Contains(digest(t, rs), c.Password) {
				shown++
				report("%s: with ShowSecrets the password is not shown:\n%s", c.Name, digest(t, rs))
			}
		}
	}
	t.Logf("%d conversations, %d runs: %d leaked, %d well-formed not shown with ShowSecrets",
		len(convs), runs, leaked, shown)
	if leaked+shown > 0 {
		t.Errorf("%d of %d runs leaked a password; %d well-formed conversations hid it with ShowSecrets", leaked, runs, shown)
	}
}
