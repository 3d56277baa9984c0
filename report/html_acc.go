package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// The HTML page's figures are gathered session by session, so that a
// report read from a SessionSource is read twice (the over-time chart
// needs the time span first) and never held: only the sessions the page
// lists (at most MaxHTMLSessionRows, or the slowest and failing ones)
// are kept, from the second pass.

// checkTransactions reports a nil transaction of s.
func checkTransactions(s *Session) error {
	for j, t := range s.Transactions {
		if t == nil {
			return fmt.Errorf("report: session %d: transactions[%d]: %w", s.ID, j, errNilTransaction)
		}
	}
	return nil
}

// fill computes every section of p from r's sessions.
func (p *htmlPage) fill(r *Report) error {
	a := htmlAcc{
		findings: newFindingsAcc(),
		statuses: map[Status]int{},
		hist:     histAcc{byCmd: map[string][]int{}, counts: map[string]int{}},
		servers:  groupAcc{by: map[string]*groupRow{}},
		users:    groupAcc{by: map[string]*groupRow{}},
	}
	err := r.eachSession(func(i int, s *Session) error {
		if err := checkTransactions(s); err != nil {
			return err
		}
		a.add(i, s)
		return nil
	})
	if err != nil {
		return err
	}
	p.Findings = a.findings.result()
	p.Breakdown = a.breakdown()
	p.Histograms = a.hist.result()
	var listed []int
	p.List, listed = a.list.result()
	// The second pass: the over-time buckets, the latencies of the servers
	// and users listed (chosen by their counts) and the sessions listed
	// (chosen in the first pass; kept from this one, so that a huge
	// session is not held twice).
	ot := newOverTimeAcc(a.t0, a.t1)
	servers, users := a.servers.pick(), a.users.pick()
	if ot != nil || len(servers) > 0 || len(users) > 0 || len(listed) > 0 {
		err := r.eachSession(func(i int, s *Session) error {
			if len(listed) > 0 && listed[0] == i {
				p.List.Rows = append(p.List.Rows, s)
				listed = listed[1:]
			}
			if ot != nil {
				ot.add(s)
			}
			a.servers.addLatencies(s.Server, s)
			a.users.addLatencies(s.User, s)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if ot != nil {
		p.OverTime = ot.result()
	}
	p.Servers, p.MoreGroups[0] = a.servers.rows(servers)
	p.Users, p.MoreGroups[1] = a.users.rows(users)
	budget := MaxHTMLTimelineBytes
	for i, s := range p.List.Rows {
		if i >= MaxHTMLSessions {
			p.Omitted = len(p.List.Rows) - i
			break
		}
		p.Sessions = append(p.Sessions, timeline(s, i < 3, MaxTimelineRows, &budget))
	}
	return nil
}

// htmlAcc gathers the page's figures in one pass over the sessions.
type htmlAcc struct {
	findings       findingsAcc
	statuses       map[Status]int // the breakdown bar
	txns           int
	hist           histAcc
	servers, users groupAcc
	list           listAcc
	t0, t1         time.Time // the span of transaction starts
}

// add takes session i.
func (a *htmlAcc) add(i int, s *Session) {
	a.findings.add(s)
	a.servers.add(s.Server, s)
	a.users.add(s.User, s)
	a.list.add(i, s)
	for _, t := range s.Txns() {
		a.statuses[t.Status]++
		a.txns++
		a.hist.add(t)
		if t.Start.IsZero() {
			continue
		}
		if a.t0.IsZero() || t.Start.Before(a.t0) {
			a.t0 = t.Start.Time
		}
		if t.Start.After(a.t1) {
			a.t1 = t.Start.Time
		}
	}
}

// breakdown computes the status bar: one segment per status present.
func (a *htmlAcc) breakdown() []htmlSegment {
	var out []htmlSegment
	x := 0.0
	for _, st := range []Status{"OK", "NO", "BAD", "BYE", ""} {
		n := a.statuses[st]
		if n == 0 {
			continue
		}
		w := breakdownWidth * float64(n) / float64(a.txns)
		out = append(out, htmlSegment{Status: st, Count: n, X: x, W: w, Pct: 100 * float64(n) / float64(a.txns)})
		x += w
	}
	return out
}

// histAcc counts completed transactions per command and latency bucket.
type histAcc struct {
	byCmd  map[string][]int
	order  []string
	counts map[string]int
}

// add counts t.
func (h *histAcc) add(t *Transaction) {
	if t.Status == "" {
		return
	}
	b := h.byCmd[t.Command]
	if b == nil {
		b = make([]int, len(histLabels))
		h.byCmd[t.Command] = b
		h.order = append(h.order, t.Command)
	}
	i := 0
	for i < len(histEdges) && t.LatencyMS >= histEdges[i] {
		i++
	}
	b[i]++
	h.counts[t.Command]++
}

// result lays out the histograms of the most frequent commands.
func (h *histAcc) result() []htmlHistogram {
	order := slices.Clone(h.order)
	sortByCountThenName(order, h.counts)
	if len(order) > MaxHistograms {
		order = order[:MaxHistograms]
	}
	out := make([]htmlHistogram, 0, len(order))
	barW := histWidth / float64(len(histLabels))
	for _, c := range order {
		b := h.byCmd[c]
		peak := 0
		for _, n := range b {
			peak = max(peak, n)
		}
		hg := htmlHistogram{Command: c, Count: h.counts[c]}
		for i, n := range b {
			bh := 0.0
			if peak > 0 {
				bh = (histHeight - 10) * float64(n) / float64(peak)
			}
			hg.Bars = append(hg.Bars, htmlBar{Label: histLabels[i], Count: n, X: float64(i) * barW, Y: histHeight - bh, H: bh})
		}
		out = append(out, hg)
	}
	return out
}

// groupRow accumulates one row of the per-server or per-user view.
type groupRow struct {
	g   htmlGroup
	max float64    // the highest latency
	lat *latencies // the latencies, for a row listed (see pick)
}

// groupAcc rolls sessions up by key (server or user); waiting commands
// (IDLE) are left out of latencies. The counts come from a first pass;
// which rows are listed depends on them alone, so only those rows gather
// latencies, in a second pass (a capture of a million users does not keep
// every user's latencies twice: the statistics keep them too).
type groupAcc struct {
	by    map[string]*groupRow
	order []string
}

// add counts s under key k.
func (ga *groupAcc) add(k string, s *Session) {
	a := ga.by[k]
	if a == nil {
		a = &groupRow{g: htmlGroup{Key: k}}
		ga.by[k] = a
		ga.order = append(ga.order, k)
	}
	a.g.Sessions++
	if s.TLS {
		a.g.TLS++
	}
	for _, t := range s.Txns() {
		a.g.Transactions++
		switch t.Status {
		case "OK":
		case "":
			a.g.Incomplete++
		default:
			a.g.Failed++
		}
		if t.Status != "" && !IsWaitingCommand(t.Command) {
			a.max = max(a.max, t.LatencyMS)
		}
	}
}

// pick returns the rows listed, most transactions first, at most
// MaxHTMLGroupRows, and readies them for addLatencies.
func (ga *groupAcc) pick() []*groupRow {
	rows := make([]*groupRow, 0, len(ga.order))
	for _, k := range ga.order {
		rows = append(rows, ga.by[k])
	}
	slices.SortStableFunc(rows, func(a, b *groupRow) int {
		if c := cmp.Compare(b.g.Transactions, a.g.Transactions); c != 0 {
			return c
		}
		return cmp.Compare(a.g.Key, b.g.Key)
	})
	rows = rows[:min(len(rows), MaxHTMLGroupRows)]
	for _, a := range rows {
		a.lat = new(latencies)
	}
	return rows
}

// addLatencies records the latencies of s under k, if k's row is listed.
func (ga *groupAcc) addLatencies(k string, s *Session) {
	a := ga.by[k]
	if a == nil || a.lat == nil {
		return
	}
	for _, t := range s.Txns() {
		if t.Status != "" && !IsWaitingCommand(t.Command) {
			a.lat.add(t.LatencyMS)
		}
	}
}

// rows returns the listed rows (from pick, their latencies gathered) and
// how many were left out.
func (ga *groupAcc) rows(picked []*groupRow) (rows []htmlGroup, omitted int) {
	for _, a := range picked {
		_, a.g.P90MS, _ = a.lat.percentiles()
		a.g.MaxMS = a.max
		rows = append(rows, a.g)
	}
	return rows, len(ga.order) - len(picked)
}

// rankedSession is a session of the session table: its index and its
// highest latency.
type rankedSession struct {
	i    int
	slow float64
}

// listAcc picks the sessions of the session table: every session of a
// small report, else the slowest and the first failing ones, in session
// order. Sessions must be added in order.
type listAcc struct {
	total, failing int
	first          []int           // every session while there are at most MaxHTMLSessionRows
	slow           []rankedSession // the slowest, slowest first (ties: earlier first)
	fail           []rankedSession // the first failing
}

// add takes session i.
func (l *listAcc) add(i int, s *Session) {
	l.total++
	if l.total <= MaxHTMLSessionRows {
		l.first = append(l.first, i)
	} else {
		l.first = nil
	}
	e := rankedSession{i: i, slow: sessionSlowest(s)}
	if sessionFailing(s) {
		l.failing++
		if len(l.fail) < HTMLFailingSessions {
			l.fail = append(l.fail, e)
		}
	}
	if len(l.slow) == HTMLSlowestSessions && cmp.Compare(e.slow, l.slow[len(l.slow)-1].slow) <= 0 {
		return
	}
	// After every session at least as slow: a stable sort by slowness.
	at := len(l.slow)
	for at > 0 && cmp.Compare(l.slow[at-1].slow, e.slow) < 0 {
		at--
	}
	l.slow = slices.Insert(l.slow, at, e)
	if len(l.slow) > HTMLSlowestSessions {
		l.slow = l.slow[:HTMLSlowestSessions]
	}
}

// result returns the session table without its rows, and the indices of
// the sessions it lists, in order.
func (l *listAcc) result() (htmlSessionList, []int) {
	out := htmlSessionList{Total: l.total, Failing: l.failing}
	if l.total <= MaxHTMLSessionRows {
		return out, l.first
	}
	out.Summarised = true
	out.Slowest, out.FailShown = len(l.slow), len(l.fail)
	picked := append(slices.Clone(l.slow), l.fail...)
	slices.SortFunc(picked, func(a, b rankedSession) int { return cmp.Compare(a.i, b.i) })
	var idx []int
	for k, e := range picked {
		if k == 0 || e.i != picked[k-1].i {
			idx = append(idx, e.i)
		}
	}
	return out, idx
}

// overTimeAcc buckets the transactions by start time (see newOverTimeAcc).
type overTimeAcc struct {
	t0, t1             time.Time
	step               time.Duration
	lats               []latencies
	counts, errs, done []int
}

// newOverTimeAcc returns the buckets of the span t0..t1 of transaction
// starts: p90 latency (waiting commands apart) as a line, failures (NO,
// BAD, BYE, never completed) as red bars. Nil when there is no span.
func newOverTimeAcc(t0, t1 time.Time) *overTimeAcc {
	if t0.IsZero() || !t1.After(t0) {
		return nil
	}
	span := t1.Sub(t0)
	step := span / htmlTimeBuckets
	if span%htmlTimeBuckets != 0 {
		step++
	}
	return &overTimeAcc{t0: t0, t1: t1, step: step,
		lats: make([]latencies, htmlTimeBuckets), counts: make([]int, htmlTimeBuckets),
		errs: make([]int, htmlTimeBuckets), done: make([]int, htmlTimeBuckets)}
}

// add counts the transactions of s.
func (o *overTimeAcc) add(s *Session) {
	for _, t := range s.Txns() {
		if t.Start.IsZero() {
			continue
		}
		i := min(int(t.Start.Sub(o.t0)/o.step), htmlTimeBuckets-1)
		o.counts[i]++
		if t.Status != "OK" {
			o.errs[i]++
		}
		if t.Status != "" && !IsWaitingCommand(t.Command) {
			o.lats[i].add(t.LatencyMS)
			o.done[i]++
		}
	}
}

// result lays out the chart.
func (o *overTimeAcc) result() *htmlOverTime {
	t0, step := o.t0, o.step
	ot := &htmlOverTime{From: fmtTime(Time{t0}), To: fmtTime(Time{o.t1}), Bucket: step.Round(time.Millisecond).String()}
	peak := 0.0
	p90 := make([]float64, htmlTimeBuckets)
	for i := range o.lats {
		_, p90[i], _ = o.lats[i].percentiles()
		peak = max(peak, p90[i])
		ot.PeakErr = max(ot.PeakErr, o.errs[i])
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
	for i := range o.counts {
		b := htmlTimeBar{X: float64(i) * w, W: w - 1, Count: o.counts[i], Errs: o.errs[i], P90MS: p90[i],
			Label: fmtTime(Time{t0.Add(time.Duration(i) * step)})}
		if ot.PeakErr > 0 {
			b.ErrH = (overTimeHeight - 10) * float64(o.errs[i]) / float64(ot.PeakErr)
		}
		b.ErrY = overTimeHeight - b.ErrH
		ot.Bars = append(ot.Bars, b)
		if o.done[i] > 0 {
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
