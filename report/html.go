package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

//go:embed templates/report.html.tmpl
var htmlFS embed.FS

// htmlTemplate is parsed once; every value from the network reaches it as
// data and is escaped by html/template.
var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"f1":     func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"ms":     func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) },
	"time":   fmtTime,
	"dur":    fmtDuration,
	"status": statusLabel,
	"color":  statusColor,
	"add":    func(a, b int) int { return a + b },
	"tls":    tlsLabel,
	"cap":    htmlCap,
	"dict":   htmlDict,
	"waiting": func(r StatsRow) StatsRow {
		r.Key += " (waiting)"
		return r
	},
}).ParseFS(htmlFS, "templates/report.html.tmpl"))

// htmlDict builds a map from alternating keys and values, to pass several
// values to a sub-template.
func htmlDict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// Limits of the HTML report, so a huge capture still gives a usable file.
const (
	// MaxHTMLSessions is how many sessions get a detailed section with a timeline.
	MaxHTMLSessions = 200
	// MaxTimelineRows is how many transactions one session timeline draws.
	MaxTimelineRows = 300
	// MaxHistograms is how many commands (most frequent first) get a latency histogram.
	MaxHistograms = 12
	// MaxHTMLTimelineBytes bounds what all the timelines of a page hold
	// together (their strings as escaped, twice: title and table); later
	// rows are not drawn (and the page says so). With MaxHTMLText it keeps
	// a page under about 20 MB however large the capture
	// (TestHTMLSizeBounded); a page of real sessions stays far below it.
	MaxHTMLTimelineBytes = 12 << 20
	// MaxHTMLText is how many characters of a string from the network a
	// cell of the session, server and user tables shows, MaxHTMLDetail
	// one of a timeline (long enough for a CAPABILITY list); longer ones
	// end with an ellipsis.
	MaxHTMLText   = 200
	MaxHTMLDetail = 2000
)

// htmlCap cuts s to MaxHTMLText characters (with an ellipsis).
func htmlCap(s string) string { return capRunes(s, MaxHTMLText) }

// capRunes cuts s to n characters, the last an ellipsis.
func capRunes(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + ellipsis
}

// escapedLen is the length of s once escaped in HTML text (html/template
// writes <, >, &, ' and " as entities of up to five bytes).
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>', '&', '\'', '"', 0:
			n += 4
		}
	}
	return n
}

// capTransaction returns t, or a copy with its strings cut to
// MaxHTMLDetail characters; cost is what its row adds to the page's
// timelines (see MaxHTMLTimelineBytes).
func capTransaction(t *Transaction) (c *Transaction, cost int) {
	c = t
	if max(len(t.Tag), len(t.Command), len(t.Args), len(t.Code), len(t.Text), len(t.Note)) > MaxHTMLDetail {
		cp := *t
		for _, f := range []*string{&cp.Tag, &cp.Command, &cp.Args, &cp.Code, &cp.Text, &cp.Note} {
			*f = capRunes(*f, MaxHTMLDetail)
		}
		c = &cp
	}
	for _, f := range []string{c.Tag, c.Command, c.Args, c.Code, c.Text, c.Note} {
		cost += 2 * escapedLen(f)
	}
	return c, cost + htmlRowMarkup
}

// htmlRowMarkup is about what a timeline row's markup takes besides its strings.
const htmlRowMarkup = 700

// HTMLOptions tunes WriteHTML.
type HTMLOptions struct {
	// Title heads the page; "imapscope report" when empty.
	Title string
	// Stats adds the statistics sections (read --stats): per command,
	// server and user roll-ups, the slowest transactions and the anomalies
	// by kind. r.Stats must be set.
	Stats bool
}

// statusLabel is the status as shown, "incomplete" for never completed.
func statusLabel(st Status) string {
	if st == "" {
		return "incomplete"
	}
	return string(st)
}

// statusColor is the fill colour of a status in charts.
func statusColor(st Status) string {
	switch st {
	case "OK":
		return "#2e9d4f"
	case "NO":
		return "#e0a100"
	case "BAD":
		return "#d64541"
	case "BYE":
		return "#8e44ad"
	}
	return "#8a8a8a"
}

// htmlPage is the template's data.
type htmlPage struct {
	Title      string
	R          *Report
	Total      int    // sessions in the report
	Stats      *Stats // the statistics sections, nil without HTMLOptions.Stats
	Servers    []htmlGroup
	Users      []htmlGroup
	MoreGroups [2]int // servers, users not listed
	OverTime   *htmlOverTime
	List       htmlSessionList
	Breakdown  []htmlSegment
	Histograms []htmlHistogram
	Sessions   []htmlSession
	Omitted    int
	// Findings counts conformance and security findings per server.
	Findings []FindingCount
}

// htmlSegment is one status slice of the breakdown bar.
type htmlSegment struct {
	Status Status
	Count  int
	X, W   float64
	Pct    float64
}

// htmlHistogram is the latency histogram of one command.
type htmlHistogram struct {
	Command string
	Count   int
	Bars    []htmlBar
}

// htmlBar is one bucket of a histogram.
type htmlBar struct {
	Label   string
	Count   int
	X, Y, H float64
}

// htmlSession is one session's section.
type htmlSession struct {
	S       *Session
	Open    bool
	Rows    []htmlRow
	Height  int
	Span    string
	Ticks   []htmlTick
	Omitted int
}

// htmlRow is one transaction of a timeline.
type htmlRow struct {
	T      *Transaction
	Y      int
	X, W   float64
	Label  string
	Latent string
}

// htmlTick is one time-axis label of a timeline.
type htmlTick struct {
	X     float64
	Label string
}

// Geometry of the charts, in SVG user units.
const (
	breakdownWidth = 900.0
	histWidth      = 300.0
	histHeight     = 110.0
	timelineLeft   = 230.0
	timelineWidth  = 640.0
	timelineRow    = 18
)

// histEdges are the upper bounds (ms) of the histogram buckets; the last bucket is open.
var histEdges = []float64{0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000}

// histLabels name the buckets of histEdges plus the open last one.
var histLabels = []string{"<0.1", "<0.3", "<1", "<3", "<10", "<30", "<100", "<300", "<1s", "<3s", "≥3s"}

// WriteHTML writes r as one self-contained HTML page (inline CSS and SVG, no
// script, nothing fetched from the network): a status breakdown, a latency
// histogram per command, latency (p90) and failures over time, per-server
// and per-user views, the statistics sections when opts.Stats is set, the
// session table (with TLS and SNI; above MaxHTMLSessionRows sessions only
// the slowest and the failing), and per listed session a timeline of its
// transactions (one bar per command from its first byte to its completion,
// coloured by status).
func WriteHTML(w io.Writer, r *Report, opts HTMLOptions) error {
	if r == nil {
		return ErrNilReport
	}
	for i, s := range r.Sessions {
		if s == nil {
			return fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
		}
		if err := checkTransactions(s); err != nil {
			return err
		}
	}
	p := htmlPage{Title: opts.Title, R: r, Total: r.sessionCount()}
	if opts.Stats {
		p.Stats = r.Stats
	}
	if p.Title == "" {
		p.Title = "imapscope report"
	}
	if err := p.fill(r); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

// sortByCountThenName orders keys by descending count, then name.
func sortByCountThenName(keys []string, counts map[string]int) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0; j-- {
			a, b := keys[j-1], keys[j]
			if counts[a] > counts[b] || counts[a] == counts[b] && a <= b {
				break
			}
			keys[j-1], keys[j] = b, a
		}
	}
}

// timeline lays out the transactions of s on a linear time axis from the
// session's first to its last timestamp.
// At most limit transactions are drawn, fewer when their rows would take
// more than *budget bytes (which they use up).
func timeline(s *Session, open bool, limit int, budget *int) htmlSession {
	hs := htmlSession{S: s, Open: open}
	// The first limit transactions (read twice when spilled: few are drawn).
	var txns []*Transaction
	for i, t := range s.Txns() {
		if i >= limit {
			break
		}
		txns = append(txns, t)
	}
	if n := s.TransactionCount(); n > limit {
		hs.Omitted = n - limit
	}
	t0, t1 := s.Start.Time, s.End.Time
	for _, t := range txns {
		if !t.Start.IsZero() && (t0.IsZero() || t.Start.Before(t0)) {
			t0 = t.Start.Time
		}
		if t.End.After(t1) {
			t1 = t.End.Time
		}
	}
	span := t1.Sub(t0).Seconds() * 1000 // ms
	if span <= 0 || math.IsNaN(span) {
		span = 1
	}
	hs.Span = strconv.FormatFloat(span, 'f', 3, 64) + " ms"
	for i := 0; i <= 4; i++ {
		v := span * float64(i) / 4
		hs.Ticks = append(hs.Ticks, htmlTick{X: timelineLeft + timelineWidth*float64(i)/4, Label: strconv.FormatFloat(v, 'f', 1, 64) + " ms"})
	}
	scale := timelineWidth / span
	for i, t := range txns {
		ct, cost := capTransaction(t)
		if cost > *budget {
			hs.Omitted = s.TransactionCount() - i
			break
		}
		*budget -= cost
		row := htmlRow{T: ct, Y: 20 + i*timelineRow, Label: escapeTruncate(t.Tag+" "+t.Command+" "+t.Args, 34)}
		if !t.Start.IsZero() {
			row.X = timelineLeft + t.Start.Sub(t0).Seconds()*1000*scale
		} else {
			row.X = timelineLeft
		}
		end := t.End.Time
		if t.Status == "" || end.IsZero() {
			end = t1 // never completed: draw to the end of the session
		}
		row.W = max(2, end.Sub(t.Start.Time).Seconds()*1000*scale)
		if t.Start.IsZero() {
			row.W = 2
		}
		row.W = min(row.W, timelineLeft+timelineWidth-row.X+2)
		row.Latent = "-"
		if t.Status != "" {
			row.Latent = strconv.FormatFloat(t.LatencyMS, 'f', 3, 64) + " ms"
		}
		hs.Rows = append(hs.Rows, row)
	}
	hs.Height = 30 + len(hs.Rows)*timelineRow
	return hs
}
