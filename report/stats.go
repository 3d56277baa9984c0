package report

import (
	"cmp"
	"slices"
	"strings"
)

// DefaultTop is how many of the slowest transactions Stats lists by default.
const DefaultTop = 10

// Stats rolls a report's transactions up per command, server and user, and
// lists the slowest transactions and the anomalies by kind. It is computed
// from the sessions (after filtering) by ComputeStats.
type Stats struct {
	// Percentiles says how latency percentiles were computed: PercentilesExact
	// or PercentilesSketch (when any key had more than ExactLatencies values).
	Percentiles string `json:"percentiles"`
	// Sessions and Transactions count what the figures cover.
	Sessions     int `json:"sessions"`
	Transactions int `json:"transactions"`
	// Total rolls up every transaction; its latency figures leave out the
	// waiting commands (IDLE), whose duration is the client's choice.
	Total StatsRow `json:"total"`
	// Waiting rolls up the waiting commands alone (key "IDLE"), with their
	// latencies; their latencies are also left out of the per-server and
	// per-user rows and of Slowest.
	Waiting StatsRow `json:"waiting"`
	// Commands has one row per command name, most frequent first.
	Commands []StatsRow `json:"commands"`
	// Servers has one row per server endpoint, most transactions first.
	Servers []StatsRow `json:"servers"`
	// Users has one row per user name ("" when the session never logged in).
	Users []StatsRow `json:"users"`
	// Slowest lists the completed transactions with the highest latency, slowest first.
	Slowest []SlowTransaction `json:"slowest"`
	// Anomalies counts the sessions' anomalies by kind.
	Anomalies map[string]int `json:"anomalies"`
	// Findings counts the findings (FindingKinds: conformance and
	// security) per server and kind.
	Findings []FindingCount `json:"findings"`
}

// StatsRow is the roll-up of a set of transactions.
type StatsRow struct {
	// Key is the command, server endpoint or user name; "" for Total.
	Key string `json:"key"`
	// Count is the number of transactions.
	Count int `json:"count"`
	// OK, NO, BAD and BYE count completions by status; Incomplete counts
	// transactions that never completed.
	OK         int `json:"ok"`
	NO         int `json:"no"`
	BAD        int `json:"bad"`
	BYE        int `json:"bye"`
	Incomplete int `json:"incomplete"`
	// Latency percentiles (nearest rank) and maximum, in milliseconds, over
	// completed transactions only; 0 when none completed.
	P50MS float64 `json:"p50_ms"`
	P90MS float64 `json:"p90_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
	// ClientBytes and ServerBytes sum the transactions' bytes.
	ClientBytes int64 `json:"client_bytes"`
	ServerBytes int64 `json:"server_bytes"`
}

// SlowTransaction identifies one of the slowest transactions.
type SlowTransaction struct {
	// SessionID is the id of the session the transaction belongs to.
	SessionID int    `json:"session_id"`
	Client    string `json:"client"`
	Server    string `json:"server"`
	User      string `json:"user"`
	Tag       string `json:"tag"`
	Command   string `json:"command"`
	// Args are the command arguments, redacted as in the transaction.
	Args      string  `json:"args"`
	Status    Status  `json:"status"`
	Start     Time    `json:"start"`
	LatencyMS float64 `json:"latency_ms"`
}

// StatsOptions tunes ComputeStats.
type StatsOptions struct {
	// Top is how many slowest transactions to list; 0 means DefaultTop, a
	// negative value none.
	Top int
	// ExactLimit overrides ExactLatencies (for tests); 0 means ExactLatencies.
	ExactLimit int
}

// IsWaitingCommand reports whether the duration of cmd is time the client
// chose to wait rather than time the server took: IDLE (RFC 2177) lasts
// until the client sends DONE. Such commands are kept out of the latency
// figures of totals, servers, users and the slowest list.
func IsWaitingCommand(cmd string) bool { return cmd == "IDLE" }

// waitingKey is the key of Stats.Waiting.
const waitingKey = "IDLE"

// rollup accumulates one StatsRow.
type rollup struct {
	row StatsRow
	lat latencies
}

// add counts one transaction.
func (r *rollup) add(t *Transaction) { r.addLatency(t, true) }

// addLatency counts one transaction, its latency only when withLatency.
func (r *rollup) addLatency(t *Transaction, withLatency bool) {
	r.row.Count++
	switch t.Status {
	case "OK":
		r.row.OK++
	case "NO":
		r.row.NO++
	case "BAD":
		r.row.BAD++
	case "BYE":
		r.row.BYE++
	case "":
		r.row.Incomplete++
	}
	r.row.ClientBytes += t.ClientBytes
	r.row.ServerBytes += t.ServerBytes
	if t.Status != "" && withLatency {
		r.lat.add(t.LatencyMS)
	}
}

// finish fills in the latency figures.
func (r *rollup) finish() StatsRow {
	r.row.P50MS, r.row.P90MS, r.row.P99MS = r.lat.percentiles()
	r.row.MaxMS = r.lat.max
	return r.row
}

// group is a set of rollups by key.
type group struct {
	byKey map[string]*rollup
	limit int
}

// get returns the rollup of key, creating it.
func (g *group) get(key string) *rollup {
	r := g.byKey[key]
	if r == nil {
		r = &rollup{row: StatsRow{Key: key}, lat: latencies{limit: g.limit}}
		g.byKey[key] = r
	}
	return r
}

// rows returns the finished rows, most transactions first, then by key.
func (g *group) rows(sketched *bool) []StatsRow {
	out := make([]StatsRow, 0, len(g.byKey))
	for _, r := range g.byKey {
		*sketched = *sketched || r.lat.sketched()
		out = append(out, r.finish())
	}
	slices.SortFunc(out, func(a, b StatsRow) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// ComputeStats rolls up the sessions of r. Nil sessions and transactions are
// skipped; r is not modified. The result depends only on r and opts. It is
// a StatsAccumulator fed r's sessions in order.
func ComputeStats(r *Report, opts StatsOptions) *Stats {
	a := NewStatsAccumulator(opts)
	if r != nil {
		for i, s := range r.Sessions {
			a.Add(s, Position{Seq: uint64(i)})
		}
	}
	return a.Stats(nil)
}
