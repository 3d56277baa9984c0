package dissect_test

import (
	"bytes"
	"compress/flate"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/report"
)

// A fuzz script is a sequence of segments separated by 0xFF; a segment whose
// first byte is 'S' was sent by the server, any other by the client, and the
// rest of it is the bytes sent. The order of segments is the capture order.
const segSep = 0xff

// parseScript splits a fuzz script into segments (never fails).
func parseScript(script []byte) []dissect.Segment {
	var out []dissect.Segment
	for _, piece := range bytes.Split(script, []byte{segSep}) {
		if len(piece) == 0 {
			continue
		}
		d := dissect.FromClient
		if piece[0] == 'S' {
			d = dissect.FromServer
		}
		if len(piece) > 1 {
			out = append(out, dissect.Segment{Dir: d, Data: piece[1:]})
		}
	}
	return out
}

// fuzzTS is the capture time of tests that feed a session by hand.
var fuzzTS = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFuzzSession(opts dissect.Options) *dissect.Session {
	return dissect.NewSession(newFuzzReport(), opts, nil)
}

// newFuzzReport is the identity every test session gets.
func newFuzzReport() *report.Session {
	return &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
}

// fuzzFeeder cuts segments as CycledCuts(cuts) does and, with gaps, reports
// a gap of (b&7)-1 bytes (-1: the start missed) after each piece cut by a
// byte b of 0xf0 or more.
func fuzzFeeder(cuts []byte, opts dissect.Options, gaps bool) dissect.Feeder {
	fd := dissect.Feeder{Opts: opts, Split: dissect.CycledCuts(cuts)}
	if gaps && len(cuts) > 0 {
		k := 0
		fd.GapAfter = func(_, _ int) int {
			c := cuts[k%len(cuts)]
			k++
			if c < 0xf0 {
				return 0
			}
			return int(c&7) - 1
		}
	}
	return fd
}

// smallOpts exercises every limit with tiny values.
var smallOpts = dissect.Options{MaxLine: 64, MaxPending: 4, MaxTransactions: 8, MaxAnomalies: 8,
	MaxArgs: 16, MaxLiteral: 1000, NotIMAPBytes: 256}

// FuzzSession checks that no input panics the dissector and that the report
// does not depend on how the same byte streams are split into Feed calls.
func FuzzSession(f *testing.F) {
	for _, sd := range sessionSeeds() {
		f.Add(sd.script, sd.cuts)
	}
	f.Fuzz(func(t *testing.T, script, cuts []byte) {
		segs := parseScript(script)
		for _, opts := range []dissect.Options{{}, smallOpts} {
			want := dissect.ReportJSON(t, dissect.FeedScript(segs, opts, nil))
			got := dissect.ReportJSON(t, fuzzFeeder(cuts, opts, false).Run(segs))
			if got != want {
				t.Fatalf("split variance (MaxLine %d):\n%s", opts.MaxLine, golden.Diff(want, got))
			}
			rs := fuzzFeeder(cuts, opts, true).Run(segs)
			if opts.MaxTransactions > 0 && len(rs.Transactions) > opts.MaxTransactions {
				t.Fatalf("%d transactions kept, limit %d", len(rs.Transactions), opts.MaxTransactions)
			}
			if opts.MaxAnomalies > 0 && len(rs.Anomalies) > opts.MaxAnomalies {
				t.Fatalf("%d anomalies kept, limit %d", len(rs.Anomalies), opts.MaxAnomalies)
			}
			for _, a := range rs.Anomalies {
				if !a.Kind.Known() {
					t.Fatalf("anomaly kind %q is not in report.AnomalyKinds", a.Kind)
				}
			}
		}
	})
}

type sessionSeed struct {
	name   string
	script []byte
	cuts   []byte
}

// script builds a fuzz script from alternating "C..."/"S..." strings with
// \n written as CRLF.
func script(parts ...string) []byte {
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = append(b, segSep)
		}
		b = append(b, strings.ReplaceAll(p, "\n", "\r\n")...)
	}
	return b
}

// deflated returns each message (CRLF lines) as the bytes one raw-DEFLATE
// stream writes for it with a sync flush after each, as RFC 4978 peers do.
func deflated(msgs ...string) []string {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	out := make([]string, len(msgs))
	for i, m := range msgs {
		w.Write([]byte(strings.ReplaceAll(m, "\n", "\r\n")))
		w.Flush()
		out[i] = b.String()
		b.Reset()
	}
	return out
}

// sessionSeeds are meaningful conversations; the committed corpus under
// testdata/fuzz/FuzzSession is written from them with -update.
func sessionSeeds() []sessionSeed {
	cz := deflated("a2 NOOP\n", "a3 LOGOUT\n")
	sz := deflated("* 1 EXISTS\na2 OK noop\n", "* BYE\na3 OK bye\n")
	return []sessionSeed{
		{name: "literals", script: script(
			"S* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\n",
			"Ca1 LOGIN alice {6}\n", "S+ OK\n", "Cs3cr3t\n", "Sa1 OK Logged in\n",
			"Ca2 APPEND INBOX {11+}\nhello\nA9 OK\n", "Sa2 OK appended\n",
			"Ca3 FETCH 1 BODY[]\n", "S* 1 FETCH (BODY[] {24}\na3 OK fake\n* 9 EXISTS\n)\na3 OK done\n",
			"Ca4 APPEND INBOX ~{5}\n", "Sa4 NO [TOOBIG] no\n", "Ca5 LOGOUT\n", "S* BYE\na5 OK bye\n"), cuts: []byte{0, 3, 7, 1}},
		{name: "authenticate", script: script(
			"S* OK ready\n", "Ca1 AUTHENTICATE PLAIN\n", "S+ \n", "CAGFsaWNlAHNlY3JldA==\n", "Sa1 OK auth\n",
			"Ca2 AUTHENTICATE LOGIN\n", "S+ VXNlcm5hbWU6\n", "C*\n", "Sa2 BAD aborted\n",
			"Ca3 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\n", "Sa3 OK sasl-ir\n"), cuts: []byte{2, 5}},
		{name: "idle", script: script(
			"S* PREAUTH ready\n", "Ca1 SELECT INBOX\n", "S* 3 EXISTS\na1 OK [READ-WRITE] sel\n",
			"Ca2 IDLE\n", "S+ idling\n", "S* 4 EXISTS\n", "CDONE\n", "Sa2 OK idle done\n",
			"Ca3 NOOP\na4 NOOP\n", "Sa4 OK\na3 OK\n"), cuts: []byte{9}},
		{name: "compress", script: script(
			"S* OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] ready\n", "Ca1 COMPRESS DEFLATE\n", "Sa1 OK deflating\n",
			"C"+cz[0], "S"+sz[0], "C"+cz[1], "S"+sz[1]), cuts: []byte{4, 0, 11}},
		{name: "imap3", script: script(
			"S* OK IMAP2bis/IMAP3 ready\n", "Ca001 SUPPORTED.VERSIONS\n",
			"S* SUPPORTED.VERSIONS ((2 0) (3 0 EIGHT.BIT.TRANSPARENT TAGGED.SOLICITED SET.EOL))\na001 OK\n",
			"Ca002 SELECT.VERSION (3 0)\n", "Sa002 OK\n", "Ca003 SELECT.FEATURES (TAGGED.SOLICITED)\n", "Sa003 OK\n",
			"Ca005 SELECT INBOX\n", "Sa005 16 EXISTS\na005 FLAGS (\\Seen)\na005 OK selected\n",
			"Ca008 LOGOUT\n", "Sa008 BYE bye\na008 OK\n"), cuts: []byte{1, 2, 3}},
		{name: "starttls", script: script(
			"S* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\n", "Ca1 STARTTLS\n", "Sa1 OK begin TLS\n",
			"C\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", "S\x16\x03\x03\x00\x02\x02\x00"), cuts: []byte{0}},
		{name: "notimap", script: script("CGET / HTTP/1.1\nHost: x\n\n", "SHTTP/1.1 200 OK\n\n"), cuts: nil},
		{name: "midstream-junk", script: script("Sly OK nothing\n* 3 EXISTS\n", "C\x00\x80\xfe garbage {99999999999}\n",
			"Ca1 NOOP\n", "Sa1 OK\n(((((((((((((((((((((\n"), cuts: []byte{200, 17}},
	}
}

// TestWriteSessionSeeds writes the seeds as a native fuzz corpus with
// -update (go test ./dissect -run TestWriteSessionSeeds -update).
func TestWriteSessionSeeds(t *testing.T) {
	if !*golden.Update {
		t.Skip("run with -update to rewrite testdata/fuzz/FuzzSession")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzSession")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sd := range sessionSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n[]byte(%s)\n", strconv.Quote(string(sd.script)), strconv.Quote(string(sd.cuts)))
		if err := os.WriteFile(filepath.Join(dir, "seed-"+sd.name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHugeLineBoundedMemory feeds a 32 MiB line without CRLF with a small
// MaxLine: after the first chunk, feeding more must not allocate at all, and
// the live heap must not grow with the line.
func TestHugeLineBoundedMemory(t *testing.T) {
	s := newFuzzSession(dissect.Options{MaxLine: 1024})
	s.Feed(dissect.FromServer, fuzzTS, []byte("* OK ready\r\n"))
	s.Feed(dissect.FromClient, fuzzTS, []byte("a1 APPEND INBOX "))
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	s.Feed(dissect.FromClient, fuzzTS, chunk) // warm up: the line buffer reaches MaxLine
	if a := testing.AllocsPerRun(100, func() { s.Feed(dissect.FromClient, fuzzTS, chunk) }); a != 0 {
		t.Errorf("%v allocations per 64 KiB chunk of an over-long line, want 0", a)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 512; i++ { // 32 MiB
		s.Feed(dissect.FromClient, fuzzTS, chunk)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("live heap change over 32 MiB of one line: %d bytes; allocated %d bytes", grew, after.TotalAlloc-before.TotalAlloc)
	if grew > 64<<10 {
		t.Errorf("live heap grew by %d bytes", grew)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 64<<10 {
		t.Errorf("allocated %d bytes while feeding", a)
	}
	s.Feed(dissect.FromClient, fuzzTS, []byte("\r\na2 NOOP\r\n"))
	s.Feed(dissect.FromServer, fuzzTS, []byte("a1 BAD too long\r\na2 OK\r\n"))
	rs := s.Close(fuzzTS, true)
	if len(rs.Transactions) == 0 || rs.Transactions[len(rs.Transactions)-1].Tag != "a2" {
		t.Errorf("command after the huge line not dissected: %+v", rs.Transactions)
	}
}

// TestSeedsSplitInvariant feeds every seed whole, one byte at a time,
// split at every point and at random, with default and with tiny limits.
func TestSeedsSplitInvariant(t *testing.T) {
	for _, sd := range sessionSeeds() {
		for _, opts := range []dissect.Options{{}, smallOpts} {
			t.Run(sd.name+"/"+strconv.Itoa(opts.MaxLine), func(t *testing.T) {
				dissect.CheckSplitInvariance(t, parseScript(sd.script), opts)
			})
		}
	}
}

// TestRegressionLongLineArrivingWhole: a line longer than MaxLine that
// arrived in one Feed used to be parsed whole (uncapped), while the same
// line split across Feeds was capped, so reports depended on segmentation
// (found by FuzzSession on the imap3 seed with MaxLine 64).
func TestRegressionLongLineArrivingWhole(t *testing.T) {
	segs := parseScript(script("S* OK ready\n", "Ca1 SELECT.FEATURES ("+strings.Repeat("FEATURE.NUMBER.X ", 10)+")\n", "Sa1 OK\n"))
	opts := dissect.Options{MaxLine: 64}
	dissect.CheckSplitInvariance(t, segs, opts)
}

// TestRegressionInflateErrorKeepsOutput: when a compressed stream turns
// corrupt, the bytes inflated before the corrupt point must reach the framer
// (and be counted) however the compressed bytes were segmented. Found by
// FuzzSession against the streaming DEFLATE decoder: output pending when
// the decoder hit the error was discarded, unless the decoder had flushed
// it on running out of input earlier, so inflated_server_bytes depended on
// segmentation (8 whole, 9 byte at a time).
func TestRegressionInflateErrorKeepsOutput(t *testing.T) {
	segs := parseScript([]byte("0A1 COMPRESS \n\xffSA1 OK \n2A000"))
	dissect.CheckSplitInvariance(t, segs, dissect.Options{})
}
