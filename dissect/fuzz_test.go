package dissect_test

import (
	"bytes"
	"compress/flate"
	"encoding/json"
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

type segment struct {
	dir  dissect.Direction
	data []byte
}

// parseScript splits a fuzz script into segments (never fails).
func parseScript(script []byte) []segment {
	var out []segment
	for _, piece := range bytes.Split(script, []byte{segSep}) {
		if len(piece) == 0 {
			continue
		}
		d := dissect.FromClient
		if piece[0] == 'S' {
			d = dissect.FromServer
		}
		if len(piece) > 1 {
			out = append(out, segment{d, piece[1:]})
		}
	}
	return out
}

// fuzzTS is the single capture time used, so that reports of different
// chunkings are comparable byte for byte.
var fuzzTS = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFuzzSession(opts dissect.Options) *dissect.Session {
	return dissect.NewSession(newFuzzReport(), opts, nil)
}

// newFuzzReport is the identity every test session gets.
func newFuzzReport() *report.Session {
	return &report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}
}

// runs merges consecutive same-direction segments: the order of bytes
// across directions is the only order that matters to the dissector.
func runs(segs []segment) []segment {
	var out []segment
	for _, sg := range segs {
		if n := len(out); n > 0 && out[n-1].dir == sg.dir {
			out[n-1].data = append(out[n-1].data, sg.data...)
			continue
		}
		out = append(out, segment{sg.dir, append([]byte(nil), sg.data...)})
	}
	return out
}

// sniffLen is how many bytes of a direction's first run are always fed in
// one piece. Known limitation: Session.sniffFirst recognises TLS and other
// protocols only in the first Feed of a direction, so a signature split
// across the first two Feeds is missed (reported, not fixed here).
const sniffLen = 8

// feedWhole feeds each run as one slice (the first sniffLen bytes of each
// direction first, as feedChunked does).
func feedWhole(segs []segment, opts dissect.Options) *report.Session {
	s := newFuzzSession(opts)
	var seen [2]bool
	for _, r := range runs(segs) {
		p := r.data
		if !seen[r.dir&1] {
			seen[r.dir&1] = true
			n := min(sniffLen, len(p))
			s.Feed(r.dir, fuzzTS, p[:n])
			p = p[n:]
		}
		s.Feed(r.dir, fuzzTS, p)
	}
	return s.Close(fuzzTS, true)
}

// feedChunked feeds each run in pieces whose sizes come from cuts (cycled;
// each byte b gives a piece of b+1 bytes; no cuts: one byte at a time). With
// gaps, a cut byte of 0xf0 or more also reports a gap after its piece.
func feedChunked(segs []segment, cuts []byte, opts dissect.Options, gaps bool) *report.Session {
	s := newFuzzSession(opts)
	k := 0
	var seen [2]bool
	for _, r := range runs(segs) {
		p := r.data
		if !seen[r.dir&1] {
			seen[r.dir&1] = true
			n := min(sniffLen, len(p))
			s.Feed(r.dir, fuzzTS, p[:n])
			p = p[n:]
		}
		for len(p) > 0 {
			n := 1
			var c byte
			if len(cuts) > 0 {
				c = cuts[k%len(cuts)]
				n = int(c) + 1
				k++
			}
			n = min(n, len(p))
			s.Feed(r.dir, fuzzTS, p[:n])
			p = p[n:]
			if gaps && c >= 0xf0 {
				s.Gap(r.dir, fuzzTS, int(c&7)-1)
			}
		}
	}
	return s.Close(fuzzTS, true)
}

// reportJSON renders a session for comparison. Known limitation (reported,
// not fixed here): once a compressed stream fails (deflate_corrupt,
// deflate_bomb, deflate_after_end), compressed_*_bytes stop counting at the
// Feed that failed, so they depend on chunking; they are zeroed then.
func reportJSON(t testing.TB, rs *report.Session) []byte {
	for _, a := range rs.Anomalies {
		if strings.HasPrefix(string(a.Kind), "deflate_") {
			rs.CompressedClientBytes, rs.CompressedServerBytes = 0, 0
		}
	}
	b, err := json.MarshalIndent(rs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
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
			want := reportJSON(t, feedWhole(segs, opts))
			got := reportJSON(t, feedChunked(segs, cuts, opts, false))
			if !bytes.Equal(got, want) {
				t.Fatalf("split variance (MaxLine %d):\n%s", opts.MaxLine, golden.Diff(string(want), string(got)))
			}
			rs := feedChunked(segs, cuts, opts, true)
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

// TestSeedsSplitInvariant runs every seed one byte at a time and with
// every two-piece split of every segment.
func TestSeedsSplitInvariant(t *testing.T) {
	for _, sd := range sessionSeeds() {
		segs := parseScript(sd.script)
		want := reportJSON(t, feedWhole(segs, dissect.Options{}))
		if got := reportJSON(t, feedChunked(segs, nil, dissect.Options{}, false)); !bytes.Equal(got, want) {
			t.Errorf("%s: byte at a time differs:\n%s", sd.name, golden.Diff(string(want), string(got)))
		}
		for i := range segs {
			for k := 1; k < len(segs[i].data); k++ {
				split := append([]segment(nil), segs[:i]...)
				split = append(split, segment{segs[i].dir, segs[i].data[:k]}, segment{segs[i].dir, segs[i].data[k:]})
				split = append(split, segs[i+1:]...)
				if got := reportJSON(t, feedChunked(split, []byte{255}, dissect.Options{}, false)); !bytes.Equal(got, want) {
					t.Fatalf("%s: split segment %d at %d differs:\n%s", sd.name, i, k, golden.Diff(string(want), string(got)))
				}
			}
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
	want := reportJSON(t, feedWhole(segs, opts))
	for _, cut := range []byte{0, 5, 63, 64, 200} {
		if got := reportJSON(t, feedChunked(segs, []byte{cut}, opts, false)); !bytes.Equal(got, want) {
			t.Fatalf("pieces of %d bytes:\n%s", int(cut)+1, golden.Diff(string(want), string(got)))
		}
	}
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
	want := reportJSON(t, feedWhole(segs, dissect.Options{}))
	for _, cut := range []byte{0, 1, 100} {
		if got := reportJSON(t, feedChunked(segs, []byte{cut}, dissect.Options{}, false)); !bytes.Equal(got, want) {
			t.Errorf("pieces of %d bytes:\n%s", int(cut)+1, golden.Diff(string(want), string(got)))
		}
	}
}
