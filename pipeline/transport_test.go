package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// The crafted transport captures (pcaps/transport, written by
// internal/transportgen): each one is read with one and with two workers,
// and the sessions, transactions and anomalies must be exactly the ones the
// endpoints saw.

// wantSession is what one session must show.
type wantSession struct {
	user      string
	txns      string   // "tag COMMAND STATUS; ..." (status "-" when incomplete)
	anomalies []string // kinds, in order ("" for none)
	midstream bool
	gapBytes  int64
}

// aliceBob are the two usual sessions: alice's full one, then bob's.
var (
	alice3 = wantSession{user: "alice", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK"}
	bob3   = wantSession{user: "bob", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK"}
)

type transportCase struct {
	name     string
	sessions []wantSession
	check    func(t *testing.T, rep *report.Report, st reassembly.Stats)
}

var transportCases = []transportCase{
	{name: "rst-reuse", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 SELECT OK"}, bob3},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			if !rep.Sessions[0].Closed {
				t.Error("first session not closed by its RST")
			}
		}},
	{name: "fin-lost-reuse", sessions: []wantSession{alice3, bob3},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			if rep.Sessions[0].Closed {
				t.Error("first session reported closed: its close was never captured")
			}
		}},
	{name: "syn-retry", sessions: []wantSession{alice3},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			if st.Conns != 1 || rep.Capture.EmptyConnections != 0 {
				t.Errorf("conns %d, empty %d: the retried SYN is the same connection", st.Conns, rep.Capture.EmptyConnections)
			}
		}},
	{name: "rst-payload", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 SELECT OK"}},
		check: wantSkipped("rst_payload", 1)},
	{name: "linktype-80211", check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
		wantSkipped("unsupported_link_type", 3)(t, rep, st)
		if !reflect.DeepEqual(rep.Capture.UnsupportedLinkTypes, []string{"802.11 (105)"}) {
			t.Errorf("unsupported link types %q", rep.Capture.UnsupportedLinkTypes)
		}
	}},
	{name: "caplen-over-length", sessions: []wantSession{alice3},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			if rep.Capture.CapLenOverLength != 7 {
				t.Errorf("caplen_over_length %d, want 7", rep.Capture.CapLenOverLength)
			}
		}},
	{name: "wild-timestamp", sessions: []wantSession{
		{user: "user0", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK"},
		{user: "user1", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK"},
		{user: "user2", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK"}},
		check: wantOutliers(1)},
	{name: "synack-wild", sessions: []wantSession{alice3}, check: wantOutliers(1)},
	{name: "overlap-conflict", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 SELECT OK; a3 LOGOUT OK",
		anomalies: []string{"overlap_conflict"}}}},
	{name: "bad-checksum", sessions: []wantSession{alice3}, check: wantSkipped("bad_checksum", 1)},
	{name: "checksum-offload", sessions: []wantSession{alice3}, check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
		if len(rep.Capture.Skipped) != 0 {
			t.Errorf("skipped %v: offloaded checksums are not bad", rep.Capture.Skipped)
		}
	}},
	{name: "ipv4-frag", sessions: []wantSession{alice3}, check: wantFrags(2, 0, 0)},
	{name: "ipv6-frag", sessions: []wantSession{alice3}, check: wantFrags(1, 1, 0)},
	{name: "frag-overlap", sessions: []wantSession{alice3}, check: wantFrags(0, 0, 1)},
	{name: "frag-flood", sessions: []wantSession{alice3}, check: wantSkipped("fragments_not_reassembled", 1100)},
	{name: "gap-latency", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 LIST OK; a3 NOOP OK; a4 LOGOUT OK",
		anomalies: []string{"resync"}, gapBytes: 35}},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			x := rep.Sessions[0].Transactions[1]
			if x.LatencyMS != 0.8 {
				t.Errorf("LIST latency %v ms, want 0.8 (the OK's capture time, not its release)", x.LatencyMS)
			}
		}},
	{name: "wrap-hole", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 SELECT OK; a3 FETCH OK; a4 LOGOUT OK",
		gapBytes: 1536<<20 - 1448}}},
	{name: "sasl-lost-ok", sessions: []wantSession{{user: "alice", txns: "a1 AUTHENTICATE -; a2 SELECT OK; a3 LOGOUT OK",
		anomalies: []string{"resync", "never_completed"}, gapBytes: 40}},
		check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
			if n := rep.Sessions[0].Transactions[0].Note; !strings.Contains(n, "completion not captured") {
				t.Errorf("AUTHENTICATE note %q", n)
			}
		}},
	{name: "append-0", sessions: []wantSession{{user: "alice", txns: "a1 LOGIN OK; a2 APPEND BAD; a3 NOOP OK; a4 LOGOUT OK"}}},
	{name: "long-tags", sessions: []wantSession{{user: "alice",
		txns: strings.Repeat("t", 100) + " LOGIN OK; " + strings.Repeat("u", 256) + " SELECT OK; a3 LOGOUT OK"}}},
	{name: "rev2-unconfirmed", sessions: []wantSession{rev2Txns}, check: wantDialect("IMAP4rev1")},
	{name: "rev2-enabled", sessions: []wantSession{rev2Txns}, check: wantDialect("IMAP4rev2")},
	{name: "rev2-only", sessions: []wantSession{rev2Txns}, check: wantDialect("IMAP4rev2")},
	{name: "auth-digest-md5", sessions: []wantSession{{user: "chris", txns: "a1 AUTHENTICATE OK; a2 SELECT OK; a3 LOGOUT OK"}}},
	{name: "auth-ntlm", sessions: []wantSession{{user: `CORP\bob`, txns: "a1 AUTHENTICATE OK; a2 SELECT OK; a3 LOGOUT OK"}}},
}

// rev2Txns is the session of the rev2-* captures.
var rev2Txns = wantSession{user: "alice", txns: "a1 LOGIN OK; a2 ENABLE OK; a3 LOGOUT OK"}

// wantDialect checks the first session's dialect.
func wantDialect(d string) func(*testing.T, *report.Report, reassembly.Stats) {
	return func(t *testing.T, rep *report.Report, _ reassembly.Stats) {
		if got := rep.Sessions[0].Dialect; got != d {
			t.Errorf("dialect %s, want %s", got, d)
		}
	}
}

// wantFrags checks the defragmentation counters.
func wantFrags(defrag, atomic, overlaps int64) func(*testing.T, *report.Report, reassembly.Stats) {
	return func(t *testing.T, rep *report.Report, st reassembly.Stats) {
		c := rep.Capture
		if c.Defragmented != defrag || c.AtomicFragments != atomic || c.FragmentOverlaps != overlaps {
			t.Errorf("defragmented %d, atomic %d, overlaps %d; want %d, %d, %d", c.Defragmented, c.AtomicFragments, c.FragmentOverlaps, defrag, atomic, overlaps)
		}
	}
}

// wantOutliers checks the clock outlier count and that every session lasted
// milliseconds (the outlier's time is not theirs).
func wantOutliers(n int64) func(*testing.T, *report.Report, reassembly.Stats) {
	return func(t *testing.T, rep *report.Report, st reassembly.Stats) {
		if rep.Capture.ClockOutliers != n {
			t.Errorf("clock_outliers %d, want %d", rep.Capture.ClockOutliers, n)
		}
		for _, s := range rep.Sessions {
			if d := s.End.Sub(s.Start.Time); d > time.Second {
				t.Errorf("session %d lasted %v", s.ID, d)
			}
		}
	}
}

// wantSkipped checks one capture.skipped counter.
func wantSkipped(reason string, n int64) func(*testing.T, *report.Report, reassembly.Stats) {
	return func(t *testing.T, rep *report.Report, _ reassembly.Stats) {
		if got := rep.Capture.Skipped[reason]; got != n {
			t.Errorf("capture.skipped[%s] = %d, want %d (all: %v)", reason, got, n, rep.Capture.Skipped)
		}
	}
}

// tunnelNames are the encapsulations of pcaps/transport/tunnel-*.pcap.
var tunnelNames = []string{"gre", "gre-teb", "erspan2", "erspan3", "vxlan", "geneve", "mpls", "pppoe", "vlan-9100", "qinq-88a8"}

// tunnelCases: the inner connection is the session, with its own addresses.
func tunnelCases() []transportCase {
	var out []transportCase
	for i, n := range tunnelNames {
		client := fmt.Sprintf("10.1.0.1:%d", 41000+i)
		out = append(out, transportCase{name: "tunnel-" + n, sessions: []wantSession{alice3},
			check: func(t *testing.T, rep *report.Report, st reassembly.Stats) {
				if s := rep.Sessions[0]; s.Client != client || s.Server != "10.1.0.2:143" {
					t.Errorf("session %s -> %s, want the inner flow %s -> 10.1.0.2:143", s.Client, s.Server, client)
				}
			}})
	}
	return out
}

func TestTransportCaptures(t *testing.T) {
	for _, tc := range append(transportCases, tunnelCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			file, err := os.ReadFile("../pcaps/transport/" + tc.name + ".pcap")
			if err != nil {
				t.Fatal(err)
			}
			var first []string
			for _, workers := range []int{1, 2} {
				rep, st, err := analyzeBytes(context.Background(), tc.name, file, workers, dissect.Options{})
				if err != nil {
					t.Fatal(err)
				}
				got := describeSessions(rep)
				want := describeWant(tc.sessions)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("workers %d: sessions\n%s\nwant\n%s", workers, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if st.Panics != 0 || st.Truncated {
					t.Errorf("workers %d: panics %d truncated %v: %s", workers, st.Panics, st.Truncated, st.Damage)
				}
				if tc.check != nil {
					tc.check(t, rep, st)
				}
				if first == nil {
					first = got
				}
			}
		})
	}
}

func describeSessions(rep *report.Report) []string {
	var out []string
	for _, s := range rep.Sessions {
		var txns []string
		for _, x := range s.Transactions {
			st := string(x.Status)
			if st == "" {
				st = "-"
			}
			txns = append(txns, x.Tag+" "+x.Command+" "+st)
		}
		var an []string
		for _, a := range s.Anomalies {
			// Every crafted session logs in over clear text: the
			// cleartext_login finding is asserted by TestNoFalseFindings,
			// not here, where the transport's anomalies are.
			if a.Kind == report.AnomalyCleartextLogin {
				continue
			}
			an = append(an, string(a.Kind))
		}
		out = append(out, fmt.Sprintf("user=%s midstream=%v gap_bytes=%d txns=[%s] anomalies=%v",
			s.User, s.Midstream, s.GapBytes, strings.Join(txns, "; "), an))
	}
	return out
}

func describeWant(ws []wantSession) []string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("user=%s midstream=%v gap_bytes=%d txns=[%s] anomalies=%v",
			w.user, w.midstream, w.gapBytes, w.txns, w.anomalies))
	}
	return out
}
