package report

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// Limits of the summarised session list of the HTML report.
const (
	// MaxHTMLSessionRows is how many sessions the session table lists in
	// full; above it the table lists the slowest and the failing only.
	MaxHTMLSessionRows = 100
	// HTMLSlowestSessions is how many of the slowest sessions a summarised
	// table lists.
	HTMLSlowestSessions = 20
	// HTMLFailingSessions is how many failing sessions a summarised table lists.
	HTMLFailingSessions = 50
	// htmlTimeBuckets is how many time buckets the over-time chart has.
	htmlTimeBuckets = 60
	// MaxHTMLGroupRows is how many servers or users the per-server and
	// per-user views list (most transactions first).
	MaxHTMLGroupRows = 50
)

// Geometry of the over-time chart.
const (
	overTimeWidth  = 900.0
	overTimeHeight = 120.0
)

// htmlGroup is one row of the per-server or per-user view.
type htmlGroup struct {
	Key          string
	Sessions     int
	Transactions int
	Failed       int // NO, BAD, BYE
	Incomplete   int
	P90MS        float64
	MaxMS        float64
	TLS          int // sessions with TLS
}

// groupSessions rolls sessions up by key (server or user), most
// transactions first; waiting commands (IDLE) are left out of latencies.
func groupSessions(ss []*Session, key func(*Session) string) (rows []htmlGroup, omitted int) {
	type acc struct {
		g   htmlGroup
		lat latencies
	}
	by := map[string]*acc{}
	var order []string
	for _, s := range ss {
		k := key(s)
		a := by[k]
		if a == nil {
			a = &acc{g: htmlGroup{Key: k}}
			by[k] = a
			order = append(order, k)
		}
		a.g.Sessions++
		if s.TLS {
			a.g.TLS++
		}
		for _, t := range s.Transactions {
			a.g.Transactions++
			switch t.Status {
			case "OK":
			case "":
				a.g.Incomplete++
			default:
				a.g.Failed++
			}
			if t.Status != "" && !IsWaitingCommand(t.Command) {
				a.lat.add(t.LatencyMS)
			}
		}
	}
	for _, k := range order {
		a := by[k]
		_, a.g.P90MS, _ = a.lat.percentiles()
		a.g.MaxMS = a.lat.max
		rows = append(rows, a.g)
	}
	slices.SortStableFunc(rows, func(a, b htmlGroup) int {
		if c := cmp.Compare(b.Transactions, a.Transactions); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	if len(rows) > MaxHTMLGroupRows {
		omitted = len(rows) - MaxHTMLGroupRows
		rows = rows[:MaxHTMLGroupRows]
	}
	return rows, omitted
}

// sessionFailing reports whether s had a failed or incomplete command, an
// anomaly, or lost bytes.
func sessionFailing(s *Session) bool {
	if len(s.Anomalies) > 0 || s.Gaps > 0 {
		return true
	}
	for _, t := range s.Transactions {
		if t.Status != "OK" {
			return true
		}
	}
	return false
}

// sessionSlowest is the highest latency of s's completed, non-waiting commands.
func sessionSlowest(s *Session) float64 {
	m := 0.0
	for _, t := range s.Transactions {
		if t.Status != "" && !IsWaitingCommand(t.Command) {
			m = max(m, t.LatencyMS)
		}
	}
	return m
}

// htmlSessionList is the session table: every session, or for a large
// report the slowest and the failing ones, in session order.
type htmlSessionList struct {
	Rows       []*Session
	Summarised bool
	Total      int
	Slowest    int // slowest sessions listed
	Failing    int // failing sessions in the report
	FailShown  int // failing sessions listed
}

// sessionList picks the sessions of the session table.
func sessionList(ss []*Session) htmlSessionList {
	l := htmlSessionList{Total: len(ss)}
	for _, s := range ss {
		if sessionFailing(s) {
			l.Failing++
		}
	}
	if len(ss) <= MaxHTMLSessionRows {
		l.Rows = ss
		return l
	}
	l.Summarised = true
	keep := map[*Session]bool{}
	bySlow := slices.Clone(ss)
	slices.SortStableFunc(bySlow, func(a, b *Session) int { return cmp.Compare(sessionSlowest(b), sessionSlowest(a)) })
	for _, s := range bySlow[:min(HTMLSlowestSessions, len(bySlow))] {
		keep[s] = true
		l.Slowest++
	}
	for _, s := range ss {
		if l.FailShown < HTMLFailingSessions && sessionFailing(s) {
			if !keep[s] {
				keep[s] = true
			}
			l.FailShown++
		}
	}
	for _, s := range ss {
		if keep[s] {
			l.Rows = append(l.Rows, s)
		}
	}
	return l
}

// htmlOverTime is the latency and errors over time chart.
type htmlOverTime struct {
	Bars     []htmlTimeBar
	From, To string
	PeakMS   string
	PeakErr  int
	Bucket   string
	// Lines are the p90 latency line, one SVG points list per run of
	// consecutive buckets with latencies (a gap in the traffic is a gap in
	// the line); Dots mark each bucket's value.
	Lines []string
	Dots  []htmlPoint
}

// htmlPoint is one point of a chart.
type htmlPoint struct{ X, Y float64 }

// htmlTimeBar is one time bucket.
type htmlTimeBar struct {
	X, W        float64
	ErrY, ErrH  float64
	Count, Errs int
	P90MS       float64
	Label       string
}

// overTime buckets the completed and failed transactions by start time:
// p90 latency (waiting commands apart) as a line, failures (NO, BAD, BYE,
// never completed) as red bars. Nil when there is no time span.
func overTime(ss []*Session) *htmlOverTime {
	t0, t1 := transactionSpan(ss)
	if t0.IsZero() || !t1.After(t0) {
		return nil
	}
	span := t1.Sub(t0)
	step := span / htmlTimeBuckets
	if span%htmlTimeBuckets != 0 {
		step++
	}
	lats := make([]latencies, htmlTimeBuckets)
	counts := make([]int, htmlTimeBuckets)
	errs := make([]int, htmlTimeBuckets)
	done := make([]int, htmlTimeBuckets) // latencies recorded
	for _, s := range ss {
		for _, t := range s.Transactions {
			if t.Start.IsZero() {
				continue
			}
			i := min(int(t.Start.Sub(t0)/step), htmlTimeBuckets-1)
			counts[i]++
			if t.Status != "OK" {
				errs[i]++
			}
			if t.Status != "" && !IsWaitingCommand(t.Command) {
				lats[i].add(t.LatencyMS)
				done[i]++
			}
		}
	}
	ot := &htmlOverTime{From: fmtTime(Time{t0}), To: fmtTime(Time{t1}), Bucket: step.Round(time.Millisecond).String()}
	peak := 0.0
	p90 := make([]float64, htmlTimeBuckets)
	for i := range lats {
		_, p90[i], _ = lats[i].percentiles()
		peak = max(peak, p90[i])
		ot.PeakErr = max(ot.PeakErr, errs[i])
	}
	ot.PeakMS = strconv.FormatFloat(peak, 'f', 3, 64)
	w := overTimeWidth / htmlTimeBuckets
	var pts []byte
	endLine := func() {
		if len(pts) > 0 {
			ot.Lines = append(ot.Lines, string(pts))
			pts = pts[:0]
		}
	}
	for i := range counts {
		b := htmlTimeBar{X: float64(i) * w, W: w - 1, Count: counts[i], Errs: errs[i], P90MS: p90[i],
			Label: fmtTime(Time{t0.Add(time.Duration(i) * step)})}
		if ot.PeakErr > 0 {
			b.ErrH = (overTimeHeight - 10) * float64(errs[i]) / float64(ot.PeakErr)
		}
		b.ErrY = overTimeHeight - b.ErrH
		ot.Bars = append(ot.Bars, b)
		if done[i] > 0 {
			y := overTimeHeight
			if peak > 0 && !math.IsNaN(p90[i]) {
				y = overTimeHeight - (overTimeHeight-10)*p90[i]/peak
			}
			pts = strconv.AppendFloat(pts, b.X+w/2, 'f', 1, 64)
			pts = append(pts, ',')
			pts = strconv.AppendFloat(pts, y, 'f', 1, 64)
			pts = append(pts, ' ')
			ot.Dots = append(ot.Dots, htmlPoint{b.X + w/2, y})
		} else {
			endLine()
		}
	}
	endLine()
	return ot
}

// transactionSpan returns the earliest and latest start of the sessions'
// transactions (zero when none has a start).
func transactionSpan(ss []*Session) (t0, t1 time.Time) {
	for _, s := range ss {
		for _, t := range s.Transactions {
			if t.Start.IsZero() {
				continue
			}
			if t0.IsZero() || t.Start.Before(t0) {
				t0 = t.Start.Time
			}
			if t.Start.After(t1) {
				t1 = t.Start.Time
			}
		}
	}
	return t0, t1
}

// tlsLabel describes a session's encryption for the session table.
func tlsLabel(s *Session) string {
	if !s.TLS {
		return "-"
	}
	l := s.TLSVersion
	if l == "" || l == "unknown" {
		l = "TLS"
	}
	if s.StartTLS {
		l = "STARTTLS " + l
	}
	if c := shortCipher(s.TLSCipher); c != "" { // table_tls.go
		l += " " + c
	}
	if s.TLSDecrypted {
		l += " decrypted"
	}
	return l
}
