package pipeline

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/secretshapes"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// damage is a cut applied to a conversation's client stream through the
// collector: at < 0 leaves it whole.
type damage struct {
	at  int
	gap bool // lose gapBytes there (else the capture ends there)
}

// gapBytes is how many client bytes a gap loses.
const gapBytes = 3

// collect runs conversations through a Collector (the pipeline's own
// reassembly.Conn adapter) and returns the report it builds.
func collect(t testing.TB, convs []secretshapes.Conv, dmg func(secretshapes.Conv) []damage, opts dissect.Options) *report.Report {
	col := NewCollector(opts, Stream{})
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	seq := uint64(0)
	for _, c := range convs {
		for _, d := range dmg(c) {
			seq++
			ts := base.Add(time.Duration(seq) * time.Second)
			cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(seq >> 8), byte(seq)}), 40000)
			k := col.NewConn(reassembly.ConnInfo{Client: cl, Server: netip.MustParseAddrPort("10.1.0.1:143"), Start: ts, Seq: seq})
			k.Data(0, reassembly.FromServer, ts, []byte(secretshapes.Greeting))
			pos, skip, ended := 0, 0, false
			for _, st := range c.Steps {
				ts = ts.Add(time.Millisecond)
				p := []byte(st.Data)
				if st.Server {
					k.Data(0, reassembly.FromServer, ts, p)
					continue
				}
				if skip > 0 {
					n := min(skip, len(p))
					skip, pos, p = skip-n, pos+n, p[n:]
				}
				if d.at >= pos && d.at < pos+len(p) {
					i := d.at - pos
					k.Data(0, reassembly.FromClient, ts, p[:i])
					if !d.gap {
						ended = true
						break
					}
					n := min(gapBytes, len(p)-i)
					k.Gap(0, reassembly.FromClient, ts, n)
					skip, pos, p = gapBytes-n, pos+i+n, p[i+n:]
				}
				k.Data(0, reassembly.FromClient, ts, p)
				pos += len(p)
			}
			k.End(0, ts.Add(time.Millisecond), !ended)
		}
	}
	rep := &report.Report{Tool: "imapscope test", Inputs: []string{"secrets"}, Sessions: col.Sessions()}
	rep.Stats = report.ComputeStats(rep, report.StatsOptions{Top: 1000})
	return rep
}

// renderEvery renders a report in every format imapscope writes: JSON,
// JSONL sessions and transactions (--emit transactions, live), tables
// with the stats (per-user rows included), the stats alone as table and
// JSON, HTML, ECS, and the report merged back from its JSON (merge).
// The table and HTML renderers cost about a millisecond per session: with
// tables false they are left out (the caller renders a subset with them).
func renderEvery(t testing.TB, rep *report.Report, tables bool) string {
	t.Helper()
	var b bytes.Buffer
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var js bytes.Buffer
	check(report.WriteJSON(&js, rep))
	b.Write(js.Bytes())
	jl := report.NewJSONLWriter(&b)
	for _, s := range rep.Sessions {
		check(jl.WriteSession(s))
		for _, x := range s.Txns() {
			check(jl.WriteTransaction(s.ID, x))
		}
	}
	if tables {
		check(report.WriteTable(&b, rep, report.TableOptions{}))
		check(report.WriteTable(&b, rep, report.TableOptions{Columns: append(report.SessionColumns(), report.TransactionColumns()...)}))
		check(report.WriteHTML(&b, rep, report.HTMLOptions{}))
	}
	check(report.WriteStatsTable(&b, rep.Stats, report.TableOptions{}))
	st, err := json.Marshal(rep.Stats)
	check(err)
	b.Write(st)
	check(report.WriteECS(&b, rep))
	back, err := report.ReadJSON(js.Bytes())
	check(err)
	merged, err := report.Merge(back, back)
	check(err)
	check(report.WriteJSON(&b, merged))
	return b.String()
}

// passwordDamage is each conversation whole, cut by the end of the capture
// two bytes into its password, and with a gap at its first byte.
func passwordDamage(c secretshapes.Conv) []damage {
	out := []damage{{at: -1}}
	cl := string(c.Client())
	for _, pw := range []string{c.Password, secretshapes.PlainResponse(c.Password)} {
		if i := strings.Index(cl, pw); i >= 0 {
			out = append(out, damage{at: i + 2}, damage{at: i, gap: true})
		}
	}
	return out
}

// TestSecretsEveryRenderer is the redaction property end to end: every
// generated conversation through the collector and every renderer but
// tables and HTML, and the argument forms and representative separators
// also damaged around the password and through every renderer; no form of any password may appear
// unless ShowSecrets, and with ShowSecrets every well-formed one does.
func TestSecretsEveryRenderer(t *testing.T) {
	convs := secretshapes.Variants()
	var few []secretshapes.Conv // the argument forms and representative separators
	for _, c := range convs {
		if secretshapes.Representative(c.Separator) {
			few = append(few, c)
		}
	}
	whole := func(secretshapes.Conv) []damage { return []damage{{at: -1}} }
	out := strings.ToLower(renderEvery(t, collect(t, convs, whole, dissect.Options{}), false) +
		renderEvery(t, collect(t, few, passwordDamage, dissect.Options{}), true))
	for _, f := range secretshapes.MarkerForms() {
		if i := strings.Index(out, f); i >= 0 {
			t.Errorf("%q appears %d times, first: …%s…", f, strings.Count(out, f), out[max(0, i-300):min(len(out), i+100)])
		}
	}
	shown := renderEvery(t, collect(t, convs, whole, dissect.Options{ShowSecrets: true}), false) +
		renderEvery(t, collect(t, few, whole, dissect.Options{ShowSecrets: true}), true)
	seen := map[string]bool{}
	for rest := shown; ; {
		i := strings.Index(rest, secretshapes.Marker)
		if i < 0 {
			break
		}
		rest = rest[i:]
		seen[rest[:min(len(rest), len(convs[0].Password))]] = true
		rest = rest[len(secretshapes.Marker):]
	}
	for _, c := range convs {
		if c.WellFormed && !seen[c.Password] {
			t.Errorf("%s: with ShowSecrets the password is not shown", c.Name)
		}
	}
	t.Logf("%d conversations whole, %d also damaged around the password and rendered as tables and HTML", len(convs), len(few))
}
