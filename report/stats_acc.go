package report

import (
	"cmp"
	"slices"
)

// StatsAccumulator computes Stats incrementally: sessions are added one at
// a time as they complete, in any order, and none is kept. Memory grows
// with the number of distinct commands, servers and users (and the latency
// values of each, up to ExactLatencies before the sketch), not with the
// sessions. The result is the same as ComputeStats over the same sessions
// listed in the order of their positions. It is not safe for concurrent use.
type StatsAccumulator struct {
	top                  int
	cmds, servers, users *group
	total, waiting       *rollup
	sessions, txns       int
	anomalies            map[string]int
	slow                 []slowEntry // the slowest so far, in Slowest order, at most top
	findings             findingsAcc
}

// Position orders a session in a report: by Start, then by Seq. Sessions
// listed in first-packet order all have Start 0 and Seq their first
// packet's index; sessions ordered by start time (several inputs, see
// OrderByStart) have Start their start time in Unix nanoseconds
// (math.MaxInt64 when unknown: last).
type Position struct {
	Start int64
	Seq   uint64
}

// Compare orders p and q: -1, 0 or +1.
func (p Position) Compare(q Position) int {
	return cmp.Or(cmp.Compare(p.Start, q.Start), cmp.Compare(p.Seq, q.Seq))
}

// slowEntry is a candidate for Stats.Slowest with its ordering key.
type slowEntry struct {
	pos Position // the session's position
	n   int      // the transaction's index in its session
	t   SlowTransaction
}

// NewStatsAccumulator returns an empty accumulator.
func NewStatsAccumulator(opts StatsOptions) *StatsAccumulator {
	top := opts.Top
	if top == 0 {
		top = DefaultTop
	}
	newGroup := func() *group { return &group{byKey: map[string]*rollup{}, limit: opts.ExactLimit} }
	return &StatsAccumulator{
		top:  top,
		cmds: newGroup(), servers: newGroup(), users: newGroup(),
		total:     &rollup{lat: latencies{limit: opts.ExactLimit}},
		waiting:   &rollup{row: StatsRow{Key: waitingKey}, lat: latencies{limit: opts.ExactLimit}},
		anomalies: map[string]int{},
		findings:  newFindingsAcc(),
	}
}

// Add counts session s (nil is skipped). pos is the session's position in
// the report's order: among transactions of equal latency, Slowest lists
// the one of the lower position first, then the earlier in its session.
// The accumulator keeps no reference to s.
func (a *StatsAccumulator) Add(s *Session, pos Position) {
	if s == nil {
		return
	}
	a.sessions++
	for _, an := range s.Anomalies {
		a.anomalies[string(an.Kind)]++
	}
	a.findings.add(s)
	var server, user *rollup // looked up once per session
	for i, t := range s.Txns() {
		if t == nil {
			continue
		}
		if server == nil {
			server, user = a.servers.get(s.Server), a.users.get(s.User)
		}
		a.txns++
		wait := IsWaitingCommand(t.Command)
		if wait {
			a.waiting.add(t)
		}
		a.total.addLatency(t, !wait)
		a.cmds.get(t.Command).add(t)
		server.addLatency(t, !wait)
		user.addLatency(t, !wait)
		if a.top > 0 && t.Status != "" && !wait {
			a.addSlow(s, t, pos, i)
		}
	}
}

// slowBefore reports whether candidate x is listed before y in Slowest.
func slowBefore(x, y *slowEntry) bool {
	if c := cmp.Compare(y.t.LatencyMS, x.t.LatencyMS); c != 0 {
		return c < 0
	}
	if c := x.pos.Compare(y.pos); c != 0 {
		return c < 0
	}
	return x.n < y.n
}

// addSlow offers transaction i of s to the slowest list.
func (a *StatsAccumulator) addSlow(s *Session, t *Transaction, pos Position, i int) {
	e := slowEntry{pos: pos, n: i, t: SlowTransaction{LatencyMS: t.LatencyMS}}
	if len(a.slow) == a.top && !slowBefore(&e, &a.slow[len(a.slow)-1]) {
		return
	}
	e.t = SlowTransaction{
		SessionID: s.ID, Client: s.Client, Server: s.Server, User: s.User,
		Tag: t.Tag, Command: t.Command, Args: t.Args, Status: t.Status,
		Start: t.Start, LatencyMS: t.LatencyMS,
	}
	at, _ := slices.BinarySearchFunc(a.slow, e, func(x, y slowEntry) int {
		if slowBefore(&x, &y) {
			return -1
		}
		return 1
	})
	if len(a.slow) == a.top {
		a.slow = a.slow[:len(a.slow)-1]
	}
	a.slow = slices.Insert(a.slow, at, e)
}

// Stats returns the figures of the sessions added so far. id, if not nil,
// gives the session id of a position for Slowest (sessions numbered only
// once all are known); otherwise their ID when added is used.
func (a *StatsAccumulator) Stats(id func(pos Position) int) *Stats {
	st := &Stats{Sessions: a.sessions, Transactions: a.txns, Anomalies: a.anomalies}
	st.Slowest = make([]SlowTransaction, len(a.slow))
	for i, e := range a.slow {
		st.Slowest[i] = e.t
		if id != nil {
			st.Slowest[i].SessionID = id(e.pos)
		}
	}
	st.Findings = a.findings.result()
	sketched := a.total.lat.sketched() || a.waiting.lat.sketched()
	st.Total = a.total.finish()
	st.Waiting = a.waiting.finish()
	st.Commands = a.cmds.rows(&sketched)
	st.Servers = a.servers.rows(&sketched)
	st.Users = a.users.rows(&sketched)
	st.Percentiles = PercentilesExact
	if sketched {
		st.Percentiles = PercentilesSketch
	}
	return st
}
