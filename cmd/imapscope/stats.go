package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/imapscope/imapscope/report"
)

const statsUsage = `Usage: imapscope stats [flags] FILE...

Reads captures like 'imapscope read' and writes statistics only: per command,
per server and per user the transaction count, OK/NO/BAD/BYE/incomplete
counts, latency p50/p90/p99/max (completed transactions) and bytes; the
slowest transactions; anomalies by kind. Percentiles are exact up to 100000
latencies per key and come from a log-bucketed sketch (≤1% relative error)
beyond; the output says which. With --format json the output is the "stats"
object of the report (schema $defs/Stats) alone.

Examples:
  imapscope stats capture.pcap
  imapscope stats --top 20 --status NO,BAD --format json a.pcap b.pcap

Flags:
`

// runStats is 'imapscope stats': read with --stats, statistics only.
func runStats(args []string, stdout, stderr io.Writer) int {
	return runReadCommand("stats", statsUsage, args, stdout, stderr)
}

// writeStatsJSON writes st as one indented JSON object and a newline.
func writeStatsJSON(w io.Writer, st *report.Stats) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode stats: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
