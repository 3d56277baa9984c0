package pipeline

import (
	"context"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// Analyze reads the inputs and returns the whole report (sessions in
// first-packet order) with the reassembly statistics: Run without
// streaming. The error is the reassembly layer's: the report holds
// everything read before it.
func Analyze(ctx context.Context, inputs []string, ropts reassembly.Options, dopts dissect.Options, tool string) (*report.Report, reassembly.Stats, error) {
	res, err := Run(ctx, Config{Inputs: inputs, Reassembly: ropts, Dissect: dopts, Tool: tool})
	return res.Report, res.Stats, err
}

// CaptureStats converts reassembly statistics to the report's form.
func CaptureStats(st reassembly.Stats) *report.CaptureStats {
	return &report.CaptureStats{
		Packets:                    st.Packets,
		Bytes:                      st.Bytes,
		IMAPPackets:                st.IMAPPackets,
		DecodeErrors:               st.DecodeErrors,
		TruncatedInput:             st.Truncated,
		Damage:                     st.Damage,
		PacketsOverConnectionLimit: st.PacketsOverConnLimit,
	}
}
