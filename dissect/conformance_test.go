package dissect

import (
	"strings"

	"github.com/imapscope/imapscope/report"
)

// anomalyBrief lists anomalies as "kind tag", comma-separated, in order.
func anomalyBrief(as []report.Anomaly) string {
	var out []string
	for _, a := range as {
		out = append(out, strings.TrimSpace(string(a.Kind)+" "+a.Tag))
	}
	return strings.Join(out, ",")
}
