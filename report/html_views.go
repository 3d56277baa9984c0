package report

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

// sessionFailing reports whether s had a failed or incomplete command, an
// anomaly, or lost bytes.
func sessionFailing(s *Session) bool {
	if len(s.Anomalies) > 0 || s.Gaps > 0 {
		return true
	}
	for _, t := range s.Txns() {
		if t.Status != "OK" {
			return true
		}
	}
	return false
}

// sessionSlowest is the highest latency of s's completed, non-waiting commands.
func sessionSlowest(s *Session) float64 {
	m := 0.0
	for _, t := range s.Txns() {
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
