package pipeline

import (
	"time"

	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// maxTransportAnomalies bounds the transport anomalies one session gets
// (the dissector bounds its own).
const maxTransportAnomalies = 100

// Anomaly implements reassembly.AnomalyConn: a transport anomaly of the
// connection (conflicting copies of stream bytes) becomes one of the
// session's anomalies.
func (k *conn) Anomaly(_ reassembly.Direction, ts time.Time, kind, detail string) {
	if k.transportAnomalies >= maxTransportAnomalies {
		return
	}
	k.transportAnomalies++
	k.rs.Anomalies = append(k.rs.Anomalies, report.Anomaly{Kind: report.AnomalyKind(kind), Detail: detail, Time: report.Time{Time: ts}})
}
